"""How alike two names are, for reconcile's scoring and the snapshot's search: spelling variants
of romanised names ("Aidyn" / "Aydyn", "Aymakhanov" / "Аймаханов") count as the same name.

A name is read in each of kzgraph's forms (``kzgraph.matching.columns``: folded as written, Kazakh
Latin, anyascii romanisation); each form is then reduced to a key in which the letters that
romanisation systems spell differently coincide (``VARIANTS``). Two names are ``exact`` when a
folded form is shared, ``variant`` when a key is shared, otherwise they are as ``similar`` as
rapidfuzz's token-sort ratio of their closest keys.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from kzgraph.matching import columns

__all__ = ["VARIANTS", "keys", "likeness", "similarity"]

# Spellings of one sound across romanisations of Kazakh and Russian names (BGN/PCGN, ISO 9,
# the 2021 Kazakh Latin alphabet, English usage). Applied in order, longest first.
VARIANTS = (
    ("dzh", "j"), ("zh", "j"), ("kh", "h"), ("sh", "s"), ("ch", "c"), ("ts", "c"),
    ("iy", "i"), ("yy", "i"), ("y", "i"), ("w", "v"), ("x", "ks"), ("q", "k"),
)
_DOUBLED = re.compile(r"(.)\1+")
_VOWEL_GLIDE = re.compile(r"(?<=[aeiou])i(?=[aeou])")  # "Musabayev" / "Musabaev"


@lru_cache(maxsize=4096)
def keys(name: str) -> frozenset[str]:
    """The name's variant keys: one per form, words joined by single spaces."""
    return frozenset(_key(" ".join(form)) for form in columns(name) if form)


def _key(text: str) -> str:
    for spelling, common in VARIANTS:
        text = text.replace(spelling, common)
    return _VOWEL_GLIDE.sub("", _DOUBLED.sub(r"\1", text))


def _folded(name: str) -> frozenset[tuple[str, ...]]:
    return frozenset(form for form in columns(name) if form)


def likeness(ours: str, theirs: str) -> tuple[str, float]:
    """("exact" | "variant" | "similar", similarity in [0, 1]) of two names."""
    if _folded(ours) & _folded(theirs):
        return "exact", 1.0
    if keys(ours) & keys(theirs):
        return "variant", 1.0
    return "similar", similarity(ours, theirs)


def similarity(ours: str, theirs: str) -> float:
    """The highest token-sort ratio (0–1) between the two names' keys."""
    return max((fuzz.token_sort_ratio(a, b) / 100 for a in keys(ours) for b in keys(theirs)),
               default=0.0)
