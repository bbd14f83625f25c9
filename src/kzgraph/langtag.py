"""Language tags shown in BCP 47's conventional case (``kk-Latn``), whatever case a store keeps.

Language tags compare case-insensitively (RFC 5646 §2.1.1, RDF 1.1), and Oxigraph keeps them lower
case (``kk-latn``); people read and write them in the conventional case, so pages show that.
"""

from __future__ import annotations

__all__ = ["bcp47_case"]


def bcp47_case(tag: str) -> str:
    """``kk-latn`` → ``kk-Latn``, ``EN-us`` → ``en-US``: the language lower case, a script subtag
    (four letters) title case, a region (two letters) upper case, extensions and private use
    (after a one-character subtag) lower case."""
    subtags = tag.split("-")
    cased, extension = [subtags[0].lower()], len(subtags[0]) == 1
    for subtag in subtags[1:]:
        extension = extension or len(subtag) == 1
        cased.append(subtag.lower() if extension else _cased_subtag(subtag))
    return "-".join(cased)


def _cased_subtag(subtag: str) -> str:
    if len(subtag) == 4 and subtag.isalpha():
        return subtag.title()
    if len(subtag) == 2 and subtag.isalpha():
        return subtag.upper()
    return subtag.lower()
