// Starts YASGUI on this server's own endpoint, one tab per example query. Everything it needs is
// served locally; prefix look-ups and the endpoint catalogue are off so nothing leaves the page.
(function () {
  // This page is served by the endpoint it queries (/sparql or /wikidata/sparql).
  const endpoint = window.location.origin + window.location.pathname.replace(/\/$/, "");
  document.getElementById("endpoint").textContent = endpoint;
  const examples = JSON.parse(document.getElementById("examples").textContent);
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(
    (name) => name !== "prefixes" && name !== "property" && name !== "class");
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }], keys: [] },
    yasqe: { value: examples.length ? examples[0].query : "SELECT * WHERE { ?s ?p ?o } LIMIT 25" },
  });
  const first = yasgui.getTab();
  if (examples.length) { first.setName(examples[0].title); }
  const firstView = examples.length && defaultView(examples[0].query);
  if (firstView) { first.getYasr().selectPlugin(firstView); }
  examples.slice(1).forEach((example) => {
    const tab = yasgui.addTab(false, {
      ...Yasgui.Tab.getDefaults(), name: example.title,
      requestConfig: { endpoint: endpoint, method: "POST" }, yasqe: { value: example.query },
      yasr: { response: undefined,
              settings: { selectedPlugin: defaultView(example.query) || "table", pluginsConfig: {} } },
    });
  });
  // A query that does not parse is answered 400 with the line of the mistake: mark that line.
  yasgui.on("query", (instance, tab) => {
    watchErrors(tab.getYasqe());
    const view = defaultView(tab.getYasqe().getValue());
    if (view) { tab.getYasr().selectPlugin(view); }
  });
  window.kzgraphYasgui = yasgui;

  // A query's result view, named as the Wikidata Query Service does: a "#defaultView:Timeline"
  // comment line (the views this page has: the yasr-*.js plugins).
  function defaultView(query) {
    const found = /^#defaultView:(\w+)/m.exec(query);
    const name = found && found[1].toLowerCase();
    return name && Yasgui.Yasr.plugins[name] ? name : null;
  }

  function watchErrors(yasqe) {
    unmarkErrorLines(yasqe);
    if (yasqe.kzgraphWatched) { return; }
    yasqe.kzgraphWatched = true;
    yasqe.on("queryResponse", (editor, response) => markErrorLine(editor, errorLine(response)));
  }

  function errorLine(response) {
    const answer = response && (response.response || response);  // an error carries the answer
    if (!answer || answer.status !== 400) { return null; }
    let body = answer.body;
    if (!body || typeof body !== "object") {
      try { body = JSON.parse(answer.text); } catch (e) { return null; }
    }
    return Number.isInteger(body.line) ? body.line : null;
  }

  function markErrorLine(yasqe, line) {
    unmarkErrorLines(yasqe);
    if (line === null || line < 1 || line > yasqe.lineCount()) { return; }
    yasqe.kzgraphErrorLines.push(yasqe.addLineClass(line - 1, "background", "kzgraph-error-line"));
  }

  function unmarkErrorLines(yasqe) {
    (yasqe.kzgraphErrorLines || []).forEach((handle) =>
      yasqe.removeLineClass(handle, "background", "kzgraph-error-line"));
    yasqe.kzgraphErrorLines = [];
  }
})();
