"""The benchmark's fixed queries: lookups, joins, OPTIONAL, FILTER regex, aggregation, property
path, named-graph query, DESCRIBE. They run unchanged on every peer."""

P = """PREFIX kz: <https://w3id.org/kzgraph/resource/>
PREFIX kzo: <https://w3id.org/kzgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

QUERIES = {
    "lookup": P + "SELECT ?label WHERE { kz:Agency_7 rdfs:label ?label }",
    "type-scan-limit": P + "SELECT ?s WHERE { ?s a kzo:Cosmonaut } LIMIT 100",
    "join-3": P + """SELECT ?agency ?name ?date WHERE {
        ?agency kzo:head ?person . ?flight kzo:crewMember ?person ; kzo:launchDate ?date .
        ?person rdfs:label ?name } LIMIT 1000""",
    "optional": P + """SELECT ?sat ?next WHERE {
        ?sat a kzo:CommunicationsSatellite . OPTIONAL { ?sat kzo:followedBy ?next } } LIMIT 1000""",
    "filter-regex": P + """SELECT ?p ?name WHERE {
        ?p a kzo:Cosmonaut ; rdfs:label ?name FILTER(REGEX(?name, "^Valentina .*-3$")) } LIMIT 1000""",
    "aggregate": P + """SELECT ?site (COUNT(?f) AS ?flights) WHERE {
        ?f a kzo:CrewedSpaceflight ; kzo:launchSite ?site } GROUP BY ?site ORDER BY DESC(?flights)""",
    "property-path": P + """SELECT (COUNT(*) AS ?n) WHERE {
        kz:Satellite_3_0 kzo:followedBy+ ?later }""",
    "named-graph": P + """SELECT ?g (COUNT(*) AS ?n) WHERE {
        GRAPH ?g { kz:Agency_11 ?p ?o } } GROUP BY ?g""",
    "describe": P + "DESCRIBE kz:Agency_5",
}
