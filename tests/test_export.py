"""Every export format re-parses to the same number of triples (merged) or quads (with graphs)."""

import pytest
from rdflib import Dataset, Graph

from kzgraph import FORMATS, UsageError, export, union_graph


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_export_round_trips(dataset, name):
    spec = FORMATS[name]
    payload = export(dataset, name)
    if spec.keeps_graphs:
        again = Dataset()
        again.parse(data=payload, format=spec.rdflib_name)
        original = {(s, p, o, g.identifier) for g in dataset.graphs() for s, p, o in g}
        reparsed = {(s, p, o, g.identifier) for g in again.graphs() for s, p, o in g}
        assert len(reparsed) == len(original)
        assert {g for *_, g in reparsed} == {g for *_, g in original}
    else:
        again = Graph().parse(data=payload, format=spec.rdflib_name)
        assert len(again) == len(union_graph(dataset))


def test_unknown_format_is_a_usage_error(dataset):
    with pytest.raises(UsageError, match="unknown format 'rdfxml'"):
        export(dataset, "rdfxml")
