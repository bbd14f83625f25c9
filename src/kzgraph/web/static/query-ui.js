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
  examples.slice(1).forEach((example) => {
    const tab = yasgui.addTab(false, {
      ...Yasgui.Tab.getDefaults(), name: example.title,
      requestConfig: { endpoint: endpoint, method: "POST" }, yasqe: { value: example.query },
    });
  });
  window.kzgraphYasgui = yasgui;
})();
