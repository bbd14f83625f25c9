"""The timeline chart, laid out on the server: one row per event on a year axis, as SVG geometry.

A day is a dot; a month, a year or a period is a bar as long as it lasts, so a date's precision
shows as its width; a plan is drawn hollow. Templates draw the marks (``timeline_chart.html``);
:func:`timeline_of` runs the timeline query once per release of the served data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote
from weakref import WeakKeyDictionary

from kzgraph.timeline import TIMELINE_QUERY, Event, Timeline, load_timeline
from kzgraph.release import Release, Served

__all__ = ["Chart", "Mark", "Tick", "chart_of", "query_ui_link", "timeline_of"]

# Geometry of the chart, in SVG user units (the SVG scales to its box).
WIDTH, MARGIN, AXIS_HEIGHT = 960, 24, 28
SIZES = {"full": 22, "compact": 16}  # row height per chart size
MIN_MARK_WIDTH = 4
GAP = 8  # between a mark and its label
CHAR_WIDTH = 6.6  # a 12px sans-serif character's mean width: enough to keep labels inside


@dataclass(frozen=True)
class Mark:
    number: int      # the event's number in the list beside the chart
    x: float
    width: float
    y: float
    is_point: bool   # a day: a dot; a month, year or period: a bar as long as it lasts
    planned: bool
    label: str
    label_x: float
    label_anchor: str
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    year: int
    labelled: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    row_height: int
    axis_y: float
    marks: list[Mark]
    ticks: list[Tick]


def chart_of(timeline: Timeline, size: str = "full") -> Chart | None:
    """The chart of ``timeline``: one row per event, a year axis under them; None if empty."""
    if not timeline.events:
        return None
    row = SIZES[size]
    first, last = date(timeline.first_year, 1, 1), date(timeline.last_year + 1, 1, 1)
    scale = (WIDTH - 2 * MARGIN) / (last - first).days
    x_of = lambda day: MARGIN + (day - first).days * scale  # noqa: E731 - local shorthand
    marks = [_mark(number, event, x_of, row) for number, event in enumerate(timeline.events, 1)]
    axis_y = row * len(marks) + row / 2
    return Chart(WIDTH, int(axis_y + AXIS_HEIGHT), row, axis_y, marks,
                 _ticks(timeline.first_year, timeline.last_year, x_of))


def _mark(number: int, event: Event, x_of, row: int) -> Mark:
    start, end = event.start.first_day, (event.end or event.start).after_last_day
    x, width = x_of(start), max(MIN_MARK_WIDTH, x_of(end) - x_of(start))
    is_point = event.start.precision == "day" and event.end is None
    label, label_x, anchor = _placed_label(
        f"{number}. {event.display_date} · {event.label} — {event.property_label}", x, x + width)
    return Mark(number, x, width, row * (number - 1) + row / 2, is_point, event.planned,
                label, label_x, anchor,
                f"{event.display_date}: {event.label} ({event.property_label})"
                + (" — planned" if event.planned else ""))


def _placed_label(text: str, left: float, right: float) -> tuple[str, float, str]:
    """The label beside its mark, on the side with room for it (cut short if neither has)."""
    room_right, room_left = WIDTH - right - GAP, left - GAP
    if len(text) * CHAR_WIDTH <= room_right or room_right >= room_left:
        return _fit(text, room_right), right + GAP, "start"
    return _fit(text, room_left), left - GAP, "end"


def _fit(text: str, room: float) -> str:
    fits = max(8, int(room / CHAR_WIDTH))
    return text if len(text) <= fits else text[:fits - 1].rstrip() + "…"


def _ticks(first_year: int, last_year: int, x_of) -> list[Tick]:
    years = last_year - first_year + 1
    every = 1 if years <= 12 else 2 if years <= 30 else 5 if years <= 80 else 10
    return [Tick(x_of(date(year, 1, 1)), year, year % every == 0)
            for year in range(first_year, last_year + 2)]


def query_ui_link(query: str = TIMELINE_QUERY, view: str = "timeline") -> str:
    """A link that opens ``query`` in the query UI with the result view ``view`` selected
    (YASGUI reads ``query`` and ``outputFormat`` from the fragment)."""
    return f"/sparql#query={quote(query, safe='')}&outputFormat={view}"


# Keyed by the release itself (dropped with it): a new release, or another app's, never sees an
# old timeline.
_timelines: WeakKeyDictionary[Release, Timeline] = WeakKeyDictionary()


def timeline_of(served: Served) -> Timeline:
    """The timeline of the release being served; the query runs once per release."""
    release = served.release
    if release not in _timelines:
        _timelines[release] = load_timeline(release.dataset)
    return _timelines[release]
