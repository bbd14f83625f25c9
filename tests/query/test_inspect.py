"""Reading a query before it runs: the readings of short queries are kept, bounded, unshared."""

from kzgraph.query import inspect
from kzgraph.query.inspect import inspect_query, names_default_graphs, service_iri_spans

SHORT = "SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"


def test_a_short_query_is_read_once_and_its_reading_kept():
    first = inspect_query(SHORT)
    again = inspect_query("".join(SHORT))  # an equal text, another string object
    assert again is first
    assert first.form == "SELECT" and first.services == ("http://127.0.0.1:9/sparql",)


def test_a_long_query_is_read_afresh_each_time():
    long = SHORT + " #" + "x" * inspect._MEMO_MAX_CHARS
    first, again = inspect_query(long), inspect_query(long)
    assert first == again and again is not first


def test_the_kept_readings_are_bounded():
    first = inspect_query(SHORT)
    for n in range(inspect._MEMO_SIZE):
        inspect_query(f"ASK {{ ?s ?p {n} }}")
    assert inspect_query(SHORT) == first and inspect_query(SHORT) is not first


def test_kept_answers_differ_by_text():
    assert names_default_graphs("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }")
    assert not names_default_graphs("SELECT * WHERE { ?s ?p ?o }")
    assert inspect_query("ASK {}").form == "ASK" and inspect_query("ASK {}").services == ()


def test_a_caller_changing_the_spans_it_got_does_not_change_the_next_answer():
    spans = service_iri_spans(SHORT)
    start = SHORT.index("<")
    assert spans == [(start, start + len("<http://127.0.0.1:9/sparql>"), "http://127.0.0.1:9/sparql")]
    spans.clear()  # service_guard rewrites the query from these: the kept ones must not move
    assert len(service_iri_spans(SHORT)) == 1
