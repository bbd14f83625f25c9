"""Content negotiation: parse an Accept header and pick the best of the offered media types.

Shared by every route that offers several representations; the 406 message lists what is
offered, so a client can correct its request.
"""

from __future__ import annotations

from collections.abc import Sequence

from kzgraph.errors import NotAcceptable

__all__ = ["negotiate", "parse_accept"]


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first; a missing header accepts anything."""
    ranges = []
    for position, item in enumerate((header or "*/*").split(",")):
        media, *params = [part.strip() for part in item.split(";")]
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality, _specificity(media), -position))
    ranges.sort(key=lambda r: (r[1], r[2], r[3]), reverse=True)
    return [(media, quality) for media, quality, *_ in ranges]


def _specificity(media: str) -> int:
    return 0 if media == "*/*" else 1 if media.endswith("/*") else 2


def negotiate(accept: str | None, offered: Sequence[str]) -> str:
    """The offered media type the client prefers (server order breaks ties); 406 if none."""
    best, best_key = None, (0.0, -1, 0)
    for index, media in enumerate(offered):
        quality, specificity = _quality(media, parse_accept(accept))
        key = (quality, specificity, -index)
        if quality > 0 and key > best_key:
            best, best_key = media, key
    if best is None:
        raise NotAcceptable(f"none of the offered media types is acceptable: {', '.join(offered)}")
    return best


def _quality(media: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The q-value of the most specific range that matches ``media``."""
    kind = media.split("/")[0]
    for wanted_specificity in (2, 1, 0):
        for pattern, quality in ranges:
            if _specificity(pattern) != wanted_specificity:
                continue
            if pattern in (media, f"{kind}/*", "*/*"):
                return quality, wanted_specificity
    return 0.0, -1
