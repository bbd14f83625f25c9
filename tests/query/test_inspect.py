"""Reading a query before it runs: its form, SERVICE endpoints, FROM clauses and their offsets."""

from kzgraph.query.inspect import inspect_query, names_default_graphs, service_iri_spans

SHORT = "SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"


def test_the_form_and_the_service_endpoints_are_read():
    shape = inspect_query(SHORT)
    assert shape.form == "SELECT" and shape.services == ("http://127.0.0.1:9/sparql",)
    assert shape.depth == 2 and not shape.is_update and shape.unchecked_service is None


def test_readings_differ_by_text():
    assert names_default_graphs("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    assert not names_default_graphs("SELECT * WHERE { ?s ?p ?o }")
    assert inspect_query("ASK {}").form == "ASK" and inspect_query("ASK {}").services == ()


def test_a_from_inside_a_comment_or_string_is_not_a_from_clause():
    assert not names_default_graphs('SELECT * WHERE { ?s ?p "FROM" } # FROM <http://x/>')


def test_the_spans_point_at_the_service_iris():
    spans = service_iri_spans(SHORT)
    start = SHORT.index("<")
    assert spans == [(start, start + len("<http://127.0.0.1:9/sparql>"), "http://127.0.0.1:9/sparql")]
    spans.clear()  # service_guard rewrites the query from these: each call gets its own list
    assert len(service_iri_spans(SHORT)) == 1
