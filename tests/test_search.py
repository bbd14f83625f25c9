"""Label search (kzgraph.search): the index and the SPARQL functions, on the embedded data."""

from __future__ import annotations

import unicodedata

import pytest
from rdflib import Literal

from kzgraph import load_dataset
from kzgraph.errors import BadRequest
from kzgraph.namespaces import KZ, KZO
from kzgraph.search import (MAX_LIMIT, MAX_QUERY_LENGTH, Query, SearchIndex, forms, label_properties,
                            match, score)

AGENCY = str(KZ.KazCosmos)
AIMBETOV = str(KZ.Aidyn_Aimbetov)
NATIVE_NAME = "Қазақстан Республикасы Ұлттық ғарыш агенттiгi"


@pytest.fixture(scope="module")
def index(dataset):
    return SearchIndex(dataset)


@pytest.fixture(scope="module")
def cyrillic_only_index():
    """The data without the agency's romanized name: its Kazakh name is then in Cyrillic only."""
    data = load_dataset()
    data.remove((None, KZO.romanizedName, None, None))
    assert not list(data.objects(KZ.KazCosmos, KZO.romanizedName))
    return SearchIndex(data)


def iris(results) -> list[str]:
    return [hit.iri for hit in results.hits]


def test_label_properties_come_from_the_ontology(dataset):
    properties = label_properties(dataset)
    assert {KZO.nativeName, KZO.romanizedName, KZO.shortName} <= properties  # skos:altLabel's
    assert KZO.quote not in properties


def test_english(index):
    results = index.search("kazakhstan space agency")
    assert results.hits[0].iri == AGENCY
    assert results.hits[0].label == "National Space Agency of the Republic of Kazakhstan"
    assert results.hits[0].language == "en"
    assert results.hits[0].name == "National Space Agency of the Republic of Kazakhstan"
    assert [t.iri for t in results.hits[0].types] == [str(KZO.SpaceAgency)]
    assert results.hits[0].types[0].label == "space agency"


def test_kazakh_cyrillic(index):
    hit = index.search("ғарыш").hits[0]
    assert (hit.iri, hit.label, hit.language, hit.property) == (AGENCY, NATIVE_NAME, "kk", str(KZO.nativeName))


def test_romanized_kazakh_finds_the_romanized_name_in_either_spelling(index):
    for query in ("Ūlttyq ğaryş", "ulttyq garys", "QAZAQSTAN RESPUBLIKASY"):
        hit = index.search(query).hits[0]
        assert hit.iri == AGENCY, query
        assert hit.language in ("kk", "kk-Latn"), query


def test_latin_query_finds_a_label_written_only_in_cyrillic(cyrillic_only_index):
    # the 2021 Kazakh Latin alphabet (ğ, ş, ū), its ASCII form, and the common gh/sh romanization
    for query in ("Ūlttyq ğaryş", "ulttyq garys", "ulttyq gharysh", "Qazaqstan"):
        hits = cyrillic_only_index.search(query).hits
        assert [(h.iri, h.label, h.language) for h in hits] == [(AGENCY, NATIVE_NAME, "kk")], query


def test_cyrillic_query_finds_latin_labels(index):
    hits = index.search("Аймбетов").hits
    assert AIMBETOV in [h.iri for h in hits]
    assert next(h.label for h in hits if h.iri == AIMBETOV) == "Aidyn Aimbetov"
    # a Cyrillic і (U+0456) finds the data's name, whose "і" are Latin i in Cyrillic words
    assert index.search("агенттігі").hits[0].iri == AGENCY


def test_case_and_diacritics_do_not_matter(index):
    decomposed = unicodedata.normalize("NFD", "Aïmbetov")
    assert decomposed != "Aïmbetov"
    answers = {q: iris(index.search(q)) for q in ("AÏMBETOV", "aimbetov", "Aimbetov", decomposed, "AIMBETOV")}
    assert len({tuple(a) for a in answers.values()}) == 1, answers
    assert AIMBETOV in answers["AÏMBETOV"]
    assert iris(index.search("ҒАРЫШ")) == iris(index.search("ғарыш")) == [AGENCY]


def test_the_beginning_of_a_word_is_enough(index):
    assert AIMBETOV in iris(index.search("aimb"))
    top = index.search("kazs").hits[:3]
    assert [h.iri for h in top] == [str(KZ["KazSat-1"]), str(KZ["KazSat-2"]), str(KZ["KazSat-3"])]
    assert {h.match for h in top} == {"prefix"}


def test_ranking_exact_then_prefix_then_token_with_deterministic_ties(index):
    results = index.search("KazSat-1")
    first = results.hits[0]
    assert (first.iri, first.match) == (str(KZ["KazSat-1"]), "exact")
    assert [h.match for h in results.hits][1:] == ["token"] * (len(results.hits) - 1)
    kazsat = index.search("kazsat")
    tiers = [("exact", "prefix", "token").index(h.match) for h in kazsat.hits]
    assert tiers == sorted(tiers) and set(tiers) == {1, 2}
    scores = [h.score for h in kazsat.hits]
    assert scores == sorted(scores, reverse=True)
    for a, b in zip(kazsat.hits, kazsat.hits[1:]):
        if a.score == b.score:
            assert a.iri < b.iri
    assert iris(index.search("kazsat")) == iris(kazsat)  # the same every time


def test_exact_match_across_scripts(index):
    hit = index.search("казкосмос").hits[0]
    assert (hit.iri, hit.label, hit.match) == (AGENCY, "KazKosmos", "exact")


def test_limit(index):
    everything = index.search("a", MAX_LIMIT)
    assert everything.total > 10
    two = index.search("a", 2)
    assert len(two.hits) == 2 and two.total == everything.total
    assert iris(two) == iris(everything)[:2]
    for bad in (0, -1, MAX_LIMIT + 1):
        with pytest.raises(BadRequest, match="limit"):
            index.search("a", bad)


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("   ", "empty"), ("!!! ??? —", "no letters or digits"),
    ("k" * (MAX_QUERY_LENGTH + 1), "characters long"), (" ".join(["word"] * 13), "13 words"),
])
def test_unusable_queries_are_refused_with_a_reason(index, text, message):
    with pytest.raises(BadRequest, match=message):
        index.search(text)


@pytest.mark.parametrize("text", ['kazsat "', 'kazsat"', "kazsat*", "kazsat AND", "NOT kazsat", "NEAR(kazsat mir)",
                                  "label:kazsat", "^kazsat", "{folded}: kazsat", "kaz-sat + (1)"])
def test_fts_syntax_in_user_input_is_only_text(index, text):
    index.search(text)  # no sqlite3.OperationalError: every word is quoted
    assert Query.parse(text).fts().count('"') % 2 == 0


def test_fts_operators_typed_as_words_are_searched_as_words(index):
    assert iris(index.search("kazsat*")) == iris(index.search("kazsat"))
    # AND is the word "and" (every word is required anyway), not FTS5's operator
    with_and = index.search("KazSat AND launch")
    assert iris(with_and) == iris(index.search("kazsat and launch"))
    assert {h.label for h in with_and.hits} == {"KazSat-3 contract and launch", "KazSat-2: delays, launch and builders"}


QUERIES = ["kazsat", "ғарыш", "Аймбетов", "aimb", "ulttyq gharysh", "казкосмос", "soyuz tma", "mir",
           "cosmonaut corps", "Baikonur", "Qazaqstan", "агенттігі", "space station", "2015"]


@pytest.mark.parametrize("query", QUERIES)
def test_the_sparql_function_finds_what_the_index_finds(dataset, index, query):
    expected = {str(entity) for prop in label_properties(dataset)
                for entity, label in dataset.subject_objects(prop)
                if isinstance(label, Literal) and str(entity).startswith("http") and match(str(label), query)}
    results = index.search(query, MAX_LIMIT)
    assert results.total <= MAX_LIMIT
    assert set(iris(results)) == expected
    assert expected  # every query finds something


def test_match_and_score_functions():
    assert match(NATIVE_NAME, "ULTTYQ ĞARYŞ") is True
    assert match(NATIVE_NAME, "ulttyq gharysh") is True
    assert match("Aidyn Aimbetov", "аймбетов") is True
    assert match("Aidyn Aimbetov", "aimbetova") is False
    assert match("Aidyn Aimbetov", "!!!") is None
    exact, prefix, token = score("KazSat-1", "kazsat 1"), score("KazSat-1 launch", "kazsat"), score("Loss of KazSat-1", "kazsat")
    assert 3 <= exact < 4 and 2 <= prefix < 3 and 1 <= token < 2
    assert score("Mir", "kazsat") == 0.0
    assert score("Mir", "") is None


def test_forms_fold_and_transliterate():
    assert forms("Ұлттық ғарыш") == (("ұлттық", "ғарыш"), ("ulttyq", "garys"), ("ulttyq", "gharysh"))
    assert forms("AÏMBETOV's") == (("aimbetov", "s"),)


def test_a_kept_index_is_opened_not_built_again(dataset, tmp_path):
    kept = tmp_path / "search.sqlite"
    first = SearchIndex(dataset, kept)
    assert kept.is_file() and not list(tmp_path.glob(".*.tmp"))
    # Opened from the file: the rows are the first build's, though this dataset has no labels.
    from rdflib import Dataset
    reopened = SearchIndex(Dataset(), kept)
    assert reopened.size == first.size > 0
    assert [(h.iri, h.label, h.match) for h in reopened.search("aimbetov").hits] == \
        [(h.iri, h.label, h.match) for h in first.search("aimbetov").hits]
    assert SearchIndex(Dataset()).size == 0


def test_an_index_kept_by_another_version_or_broken_is_built_again(dataset, tmp_path):
    import sqlite3

    from rdflib import Dataset
    kept = tmp_path / "search.sqlite"
    SearchIndex(Dataset(), kept)
    with sqlite3.connect(kept) as db:
        db.execute("PRAGMA user_version = 1")  # written by another version of this module
    assert SearchIndex(dataset, kept).search("aimbetov").total > 0
    kept.write_bytes(b"not a database")
    assert SearchIndex(dataset, kept).search("aimbetov").total > 0
    assert SearchIndex(Dataset(), kept).search("aimbetov").total > 0  # rewritten


def test_an_index_that_cannot_be_kept_still_searches(dataset, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    index = SearchIndex(dataset, blocked / "search.sqlite")
    assert index.search("aimbetov").total > 0
