// The query UI's "Timeline" result view (a Yasr plugin): results with date bindings drawn as rows
// on a year axis, each date at its precision (a day a dot; a month or a year a bar as long as it
// lasts; a start with an end a span), plans hollow. An ordered list under the chart carries the
// same content for keyboards and screen readers. Plain script, no build step, nothing fetched.
(function () {
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const PRECISION = { date: "day", dateTime: "day", gYearMonth: "month", gYear: "year" };
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 960, ROW = 20, MARGIN = 24, CHAR = 6.6;

  function precisionOf(term) {
    if (!term || term.type === "uri" || !term.datatype || !term.datatype.startsWith(XSD)) { return null; }
    return PRECISION[term.datatype.slice(XSD.length)] || null;
  }

  // The variables to draw: the first date variable is when; one named like "end" closes a span.
  function roles(variables, rows) {
    const dated = variables.filter((v) => rows.some((row) => precisionOf(row[v])));
    if (!dated.length) { return null; }
    const end = dated.find((v) => /end/i.test(v) && v !== dated[0]);
    const label = variables.find((v) => /label$/i.test(v) && !dated.includes(v)) ||
      variables.find((v) => rows.some((row) => row[v] && row[v].type !== "uri" && !precisionOf(row[v])));
    const entity = variables.find((v) => rows.some((row) => row[v] && row[v].type === "uri"));
    return { when: dated[0], end: end, label: label, entity: entity };
  }

  function parts(text) {
    const found = /^(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(text);
    return found ? [Number(found[1]), Number(found[2] || 1), Number(found[3] || 1)] : null;
  }

  function fractionalYear(text, precision, after) {
    const [year, month, day] = parts(text);
    if (after && precision === "year") { return year + 1; }
    if (after && precision === "month") { return year + month / 12; }
    const days = (Date.UTC(year, month - 1, day) - Date.UTC(year, 0, 1)) / 864e5 + (after ? 1 : 0);
    return year + days / 365.25;
  }

  function display(text, precision) {
    const [year, month, day] = parts(text);
    if (precision === "day") { return `${day} ${MONTHS[month - 1]} ${year}`; }
    if (precision === "month") { return `${MONTHS[month - 1]} ${year}`; }
    return String(year);
  }

  // One event per distinct (date, label, entity): a fact's several references come as rows. A
  // ?propertyLabel says which date of the entity it is; a ?role of "start" / "end" (the
  // timeline query's) joins an entity's one start and one end into a span.
  function eventsOf(rows, role) {
    const seen = new Map();
    rows.forEach((row) => {
      const when = row[role.when], precision = precisionOf(when);
      if (!precision || !parts(when.value)) { return; }
      const end = role.end && precisionOf(row[role.end]) ? row[role.end] : null;
      const name = role.label && row[role.label] ? row[role.label].value :
        (role.entity && row[role.entity] ? row[role.entity].value : when.value);
      const what = row.propertyLabel && role.label !== "propertyLabel" ? row.propertyLabel.value : null;
      const label = what ? `${name} — ${what}` : name;
      const href = role.entity && row[role.entity] ? row[role.entity].value : null;
      const key = [when.value, end && end.value, label, href].join("\u0000");
      if (seen.has(key)) { return; }
      seen.set(key, {
        when: when.value, precision: precision, end: end && end.value, endPrecision: end && precisionOf(end),
        label: label, name: name, href: href, role: row.role ? row.role.value : "point",
        planned: Object.keys(row).some((v) => /planned/i.test(v) && row[v].value === "true"),
      });
    });
    return joinSpans(Array.from(seen.values())).sort((a, b) =>
      fractionalYear(a.when, a.precision, false) - fractionalYear(b.when, b.precision, false));
  }

  function joinSpans(events) {
    const ends = new Map();
    events.forEach((event) => {
      if (event.href && (event.role === "start" || event.role === "end")) {
        const pair = ends.get(event.href) || { start: [], end: [] };
        pair[event.role].push(event);
        ends.set(event.href, pair);
      }
    });
    const joined = new Set();
    ends.forEach(({ start, end }) => {
      if (start.length !== 1 || end.length !== 1 || end[0].when < start[0].when) { return; }
      Object.assign(start[0], { end: end[0].when, endPrecision: end[0].precision, label: start[0].name });
      joined.add(end[0]);
    });
    return events.filter((event) => !joined.has(event));
  }

  function element(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function chart(events) {
    const first = Math.floor(Math.min(...events.map((e) => fractionalYear(e.when, e.precision, false))));
    const last = Math.ceil(Math.max(...events.map((e) =>
      fractionalYear(e.end || e.when, e.end ? e.endPrecision : e.precision, true))));
    const scale = (WIDTH - 2 * MARGIN) / Math.max(1, last - first);
    const x = (year) => MARGIN + (year - first) * scale;
    const axis = ROW * events.length + ROW / 2, every = last - first <= 12 ? 1 : last - first <= 30 ? 2 : 5;
    const svg = element("svg", { viewBox: `0 0 ${WIDTH} ${axis + 28}`, width: "100%",
      "aria-hidden": "true", focusable: "false", class: "kz-timeline-svg" });
    for (let year = first; year <= last; year++) {
      svg.appendChild(element("line", { x1: x(year), x2: x(year), y1: 0, y2: axis, stroke: year % every ? "#eef1f3" : "#d5dbe0" }));
      if (year % every === 0) {
        svg.appendChild(element("text", { x: x(year), y: axis + 18, "text-anchor": "middle", "font-size": 11 }, String(year)));
      }
    }
    svg.appendChild(element("line", { x1: 0, x2: WIDTH, y1: axis, y2: axis, stroke: "#5c6b77" }));
    events.forEach((event, index) => svg.appendChild(mark(event, index, x)));
    return svg;
  }

  function mark(event, index, x) {
    const y = ROW * index + ROW / 2;
    const left = x(fractionalYear(event.when, event.precision, false));
    const right = Math.max(left + 4, x(fractionalYear(event.end || event.when, event.end ? event.endPrecision : event.precision, true)));
    const group = element("g", { class: "kz-mark" + (event.planned ? " planned" : ""), "data-date": event.when });
    const style = event.planned ? { fill: "#fff", stroke: "#a15c00", "stroke-dasharray": "3 2" } : { fill: "#0b6fa4", stroke: "#0b3d5c" };
    const shape = event.precision === "day" && !event.end ?
      element("circle", { cx: (left + right) / 2, cy: y, r: ROW / 4, ...style }) :
      element("rect", { x: left, y: y - ROW / 4, width: right - left, height: ROW / 2, rx: 2, ...style });
    group.appendChild(shape);
    const text = `${index + 1}. ${dateText(event)} · ${event.label}`;
    const onRight = WIDTH - right - 8 >= text.length * CHAR || WIDTH - right >= left;
    const room = onRight ? WIDTH - right - 8 : left - 8, fits = Math.max(8, Math.floor(room / CHAR));
    group.appendChild(element("text", { x: onRight ? right + 8 : left - 8, y: y + 4, "font-size": 12,
      "text-anchor": onRight ? "start" : "end" }, text.length <= fits ? text : text.slice(0, fits - 1) + "…"));
    return group;
  }

  function dateText(event) {
    const start = display(event.when, event.precision);
    return event.end ? `${start}–${display(event.end, event.endPrecision)}` : start;
  }

  function list(events) {
    const ol = document.createElement("ol");
    ol.className = "kz-timeline-list";
    events.forEach((event) => {
      const li = document.createElement("li");
      const time = document.createElement("time");
      time.setAttribute("datetime", event.when);
      time.textContent = dateText(event);
      li.appendChild(time);
      li.appendChild(document.createTextNode(" "));
      const name = document.createElement(event.href ? "a" : "span");
      if (event.href) { name.href = event.href; }
      name.textContent = event.label;
      li.appendChild(name);
      if (event.planned) { li.appendChild(document.createTextNode(" (planned, not happened)")); }
      ol.appendChild(li);
    });
    return ol;
  }

  class TimelinePlugin {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 1;  // never chosen over the table unless asked for (or #defaultView)
      this.label = "Timeline";
    }

    rows() {
      const results = this.yasr.results;
      return results && results.getBindings ? results.getBindings() || [] : [];
    }

    canHandleResults() {
      const results = this.yasr.results;
      return !!(results && results.getVariables && roles(results.getVariables(), this.rows()));
    }

    draw() {
      const events = eventsOf(this.rows(), roles(this.yasr.results.getVariables(), this.rows()));
      const root = document.createElement("div");
      root.className = "kz-timeline";
      const caption = document.createElement("p");
      caption.textContent = `${events.length} dated results. A dot is a day; a bar is a month, a year or a span; hollow is planned.`;
      root.appendChild(caption);
      if (events.length) { root.appendChild(chart(events)); }
      root.appendChild(list(events));
      this.yasr.resultsEl.appendChild(root);
    }

    getIcon() {  // drawn, not a glyph: no font on the machine need have it
      const icon = document.createElement("span");
      icon.setAttribute("aria-hidden", "true");
      icon.innerHTML = '<svg viewBox="0 0 16 16" width="14" height="14" fill="none" stroke="currentColor" stroke-width="1.5"><line x1="1" y1="13" x2="15" y2="13"/><rect x="2" y="3" width="5" height="3"/><rect x="6" y="8" width="8" height="3"/></svg>';
      return icon;
    }
  }

  Yasgui.Yasr.registerPlugin("timeline", TimelinePlugin);
})();
