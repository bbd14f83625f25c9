// The query UI's "Graph" result view (a Yasr plugin): results that link entities to entities
// drawn as nodes and arrows. Each row links its first IRI variable's value to every other IRI
// variable's value; ?xLabel names the node of ?x, and a literal ?linkLabel names the arrow.
// Nodes sit in one column per variable (no physics: the same results always look the same). A
// list of the links under the drawing carries the same content for keyboards and screen readers.
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const ROW = 34, COLUMN = 320, MARGIN = 20, CHAR = 7.4;  // CHAR: a 12px character, generously

  function iriVariables(variables, rows) {
    return variables.filter((v) => rows.some((row) => row[v] && row[v].type === "uri"));
  }

  function localName(iri) {
    return decodeURIComponent(iri.replace(/[#/]$/, "").split(/[#/]/).pop() || iri).replace(/_/g, " ");
  }

  // Nodes (by IRI, in the column of the first variable they appear in) and links between them.
  function graphOf(variables, rows) {
    const iris = iriVariables(variables, rows), nodes = new Map(), links = new Map();
    const node = (term, variable, row) => {
      if (!nodes.has(term.value)) {
        const label = row[variable + "Label"] ? row[variable + "Label"].value : localName(term.value);
        nodes.set(term.value, { iri: term.value, label: label, column: iris.indexOf(variable) });
      }
      return nodes.get(term.value);
    };
    rows.forEach((row) => {
      const sourceVariable = iris.find((v) => row[v] && row[v].type === "uri");
      if (!sourceVariable) { return; }
      const source = node(row[sourceVariable], sourceVariable, row);
      iris.filter((v) => v !== sourceVariable && row[v] && row[v].type === "uri").forEach((v) => {
        const target = node(row[v], v, row);
        const label = row.linkLabel && row.linkLabel.type !== "uri" ? row.linkLabel.value : v;
        const key = [source.iri, target.iri, label].join("\u0000");
        if (source !== target && !links.has(key)) { links.set(key, { source, target, label }); }
      });
    });
    return { nodes: Array.from(nodes.values()), links: Array.from(links.values()) };
  }

  function element(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function place(nodes) {
    const filled = [];
    nodes.forEach((node) => {
      node.row = filled[node.column] = (filled[node.column] || 0) + 1;
      node.x = MARGIN + node.column * COLUMN;
      node.y = MARGIN + (node.row - 1) * ROW + ROW / 2;
    });
    return Math.max(...filled.filter((n) => n !== undefined));
  }

  function drawing(graph) {
    const rows = place(graph.nodes), columns = Math.max(...graph.nodes.map((n) => n.column)) + 1;
    const width = MARGIN * 2 + (columns - 1) * COLUMN + COLUMN * 0.8, height = MARGIN * 2 + rows * ROW;
    const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", "aria-hidden": "true",
      focusable: "false", class: "kz-graph-svg", style: `max-height:${height}px` });
    const defs = element("defs", {});
    const marker = element("marker", { id: "kz-arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.appendChild(element("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#5c6b77" }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    graph.links.forEach((link) => svg.appendChild(arrow(link)));
    graph.nodes.forEach((node) => svg.appendChild(box(node)));
    return svg;
  }

  function arrow(link) {
    const { source, target } = link;
    const group = element("g", { class: "kz-link" });
    group.appendChild(element("title", {}, `${source.label} — ${link.label} → ${target.label}`));
    const x1 = source.x + nodeWidth(source), x2 = target.column > source.column ? target.x : target.x + nodeWidth(target);
    group.appendChild(element("line", { x1: x1, y1: source.y, x2: x2, y2: target.y, stroke: "#8a9aa6",
      "marker-end": "url(#kz-arrow)" }));
    return group;
  }

  function nodeWidth(node) {
    return Math.min(COLUMN * 0.8, node.label.length * CHAR + 16);
  }

  function box(node) {
    const group = element("g", { class: "kz-node", "data-iri": node.iri });
    group.appendChild(element("title", {}, node.iri));
    group.appendChild(element("rect", { x: node.x, y: node.y - 11, width: nodeWidth(node), height: 22, rx: 11,
      fill: "#e7f1fa", stroke: "#0b3d5c" }));
    const fits = Math.floor((COLUMN * 0.8 - 16) / CHAR);
    group.appendChild(element("text", { x: node.x + 8, y: node.y + 4, "font-size": 12 },
      node.label.length <= fits ? node.label : node.label.slice(0, fits - 1) + "…"));
    return group;
  }

  function list(graph) {
    const ul = document.createElement("ul");
    ul.className = "kz-graph-links";
    graph.links.forEach((link) => {
      const li = document.createElement("li");
      li.append(anchor(link.source), ` — ${link.label} → `, anchor(link.target));
      ul.appendChild(li);
    });
    return ul;
  }

  function anchor(node) {
    const a = document.createElement("a");
    a.href = node.iri;
    a.textContent = node.label;
    return a;
  }

  class GraphPlugin {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 1;  // never chosen over the table unless asked for (or #defaultView)
      this.label = "Graph";
    }

    rows() {
      const results = this.yasr.results;
      return results && results.getBindings ? results.getBindings() || [] : [];
    }

    canHandleResults() {
      const results = this.yasr.results;
      if (!results || !results.getVariables) { return false; }
      const iris = iriVariables(results.getVariables(), this.rows());
      return iris.length >= 2 && this.rows().some((row) =>
        iris.filter((v) => row[v] && row[v].type === "uri").length >= 2);
    }

    draw() {
      const graph = graphOf(this.yasr.results.getVariables(), this.rows());
      const root = document.createElement("div");
      root.className = "kz-graph";
      const caption = document.createElement("p");
      caption.textContent = `${graph.nodes.length} entities, ${graph.links.length} links.`;
      root.appendChild(caption);
      if (graph.nodes.length) { root.appendChild(drawing(graph)); }
      root.appendChild(list(graph));
      this.yasr.resultsEl.appendChild(root);
    }

    getIcon() {  // drawn, not a glyph: no font on the machine need have it
      const icon = document.createElement("span");
      icon.setAttribute("aria-hidden", "true");
      icon.innerHTML = '<svg viewBox="0 0 16 16" width="14" height="14" fill="none" stroke="currentColor" stroke-width="1.5"><circle cx="3" cy="8" r="2"/><circle cx="13" cy="3" r="2"/><circle cx="13" cy="13" r="2"/><line x1="5" y1="7" x2="11" y2="4"/><line x1="5" y1="9" x2="11" y2="12"/></svg>';
      return icon;
    }
  }

  Yasgui.Yasr.registerPlugin("graph", GraphPlugin);
})();
