"""The register of checked Wikidata ids, read as rows."""

from __future__ import annotations

import pytest

from kzgraph.errors import DataFileError, DataFileNotFound
from kzgraph.wikidata.register import Row, load_register


def test_the_register_has_its_ids_with_labels_and_kinds():
    register = load_register()
    assert register["Q17505024"] == Row("Q17505024", "space agency", "class", "type of KazCosmos",
                                        register["Q17505024"].evidence)
    assert register["P31"].label == "instance of" and register["P31"].kind == "property"
    assert "Q31855" not in register and "Q1901376" not in register


def test_a_malformed_line_names_its_file_and_line(tmp_path):
    path = tmp_path / "ids.tsv"
    path.write_text("# comment\nQ5\thuman\tclass\t\t\nQ6 human class\n", encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        load_register(path)
    assert raised.value.line == 3 and raised.value.path == path
    path.write_text("Q5\thuman\tthing\t\t\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="kind"):
        load_register(path)


def test_a_missing_register_is_a_data_file_error(tmp_path):
    with pytest.raises(DataFileNotFound):
        load_register(tmp_path / "absent.tsv")
