"""/timeline: the HTML page with its server-drawn SVG, its JSON form, and the timelines of the
home and entity pages."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import unquote

from kzgraph.timeline import TIMELINE_QUERY, Timeline
from kzgraph.web.service import Service
from kzgraph.web.timeline_chart import WIDTH, chart_of, query_ui_link


class Outline(HTMLParser):
    """The list items of the page's first ordered timeline list, and the page's scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict] = []
        self.scripts: list[str] = []
        self.svg_attributes: list[dict] = []
        self._in_item = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes.get("src") or "inline")
        if tag == "svg":
            self.svg_attributes.append(attributes)
        if tag == "li" and "event" in (attributes.get("class") or ""):
            self._in_item = True
            self.items.append({"date": attributes["data-date"], "text": "", "links": []})
        if tag == "a" and self._in_item:
            self.items[-1]["links"].append((attributes.get("class"), attributes["href"]))

    def handle_endtag(self, tag):
        if tag == "li":
            self._in_item = False

    def handle_data(self, data):
        if self._in_item:
            self.items[-1]["text"] += data


def outline(html: str) -> Outline:
    parsed = Outline()
    parsed.feed(html)
    return parsed


def test_the_page_lists_every_dated_fact_in_order_with_its_sources(client):
    response = client.get("/timeline", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "Accept" in response.headers["vary"]
    page = outline(response.text)
    assert page.scripts == []  # readable without JavaScript
    dates = [item["date"] for item in page.items]
    assert dates[0] == "1991" and "2015-09-11" in dates
    assert dates == sorted(dates, key=lambda d: (d + "-01-01")[:10])
    landing = next(i for i in page.items if i["date"] == "2015-09-11")
    assert "11 September 2015" in landing["text"] and "landing date" in landing["text"]
    assert ("entity", "/resource/Aidyn_Aimbetov_spaceflight_2015") in landing["links"]
    assert ("claim", "/graph/flight-2015") in landing["links"]
    assert {("reference", "/source/ref-9"), ("reference", "/source/ref-10")} <= set(landing["links"])
    training = next(i for i in page.items if i["date"] == "2003")
    assert "2003–2009" in " ".join(training["text"].split())


def test_plans_are_marked_planned_in_the_list_and_hollow_in_the_chart(client):
    html = client.get("/timeline").text
    planned = [i for i in outline(html).items if "planned, not happened" in i["text"]]
    assert [i["date"] for i in planned] == ["2005", "2006", "2017"]
    assert len(re.findall(r'<g class="mark planned"', html)) == 3


def test_the_svg_is_decoration_beside_the_accessible_list(client):
    html = client.get("/timeline").text
    svg = outline(html).svg_attributes[0]
    assert svg["aria-hidden"] == "true"
    assert int(svg["data-rows"]) == len(outline(html).items)
    assert '<ol class="timeline-events">' in html
    assert 'href="/static/timeline.css"' in html


def test_the_page_shows_its_query_and_opens_it_in_the_query_ui(client):
    html = client.get("/timeline").text
    link = unescape(re.search(r'class="open-query" href="([^"]+)"', html).group(1))
    assert link.startswith("/sparql#query=") and link.endswith("&outputFormat=timeline")
    assert unquote(link.split("#query=")[1].split("&")[0]) == TIMELINE_QUERY
    assert "GRAPH ?claim { ?entity ?property ?date }" in html


def test_the_json_form_has_each_event_with_its_precision_and_sources(client):
    for path, accept in (("/timeline.json", "*/*"), ("/timeline", "application/json")):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        body = response.json()
    assert body["query"] == TIMELINE_QUERY
    launch = next(e for e in body["events"] if e["date"] == "2006-06-18")
    assert (launch["precision"], launch["label"], launch["propertyLabel"]) == ("day", "KazSat-1", "launch date")
    assert [r["number"] for r in launch["references"]] == [None, 11]
    training = next(e for e in body["events"] if e["end"] == "2009")
    assert (training["date"], training["precision"], training["endPrecision"]) == ("2003", "year", "year")


def test_bad_requests_get_clear_errors(client):
    unknown = client.get("/timeline.xml")
    assert unknown.status_code == 404
    assert "/timeline.json" in unknown.json()["message"]
    refused = client.get("/timeline", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.json()["error"] == "not_acceptable"


def test_the_home_page_has_a_compact_timeline_linking_the_full_one(client):
    html = client.get("/", headers={"Accept": "text/html"}).text
    section = html[html.index('<section class="timeline-home"'):]
    assert 'href="/timeline"' in section and "<svg" in section
    assert len(outline(section).items) == len(client.get("/timeline.json").json()["events"])


def test_an_entity_page_shows_its_own_dated_facts(client):
    html = client.get("/doc/resource/KazSat-1", headers={"Accept": "text/html"}).text
    items = outline(html[html.index('<section class="timeline-entity"'):]).items
    assert [i["date"] for i in items] == ["2006-06-18", "2008"]
    assert any(("claim", "/graph/kazsat-1-lost") == link for link in items[1]["links"])
    agency = client.get("/doc/resource/KazCosmos", headers={"Accept": "text/html"})
    assert agency.status_code == 200  # two days of one year: the chart spans that year
    agency_items = outline(agency.text[agency.text.index('<section class="timeline-entity"'):]).items
    assert [i["date"] for i in agency_items] == ["2007-03-24", "2007-03-27"]
    undated = client.get("/doc/resource/Star_City", headers={"Accept": "text/html"}).text
    assert "timeline-entity" not in undated


def test_the_chart_draws_precision_as_width_inside_its_box(dataset):
    from kzgraph.timeline import load_timeline

    chart = chart_of(load_timeline(dataset))
    marks = {m.title.split(":")[0] + m.label: m for m in chart.marks}
    day = next(m for key, m in marks.items() if key.startswith("18 June 2006"))
    year = next(m for key, m in marks.items() if key.startswith("2014"))
    period = next(m for key, m in marks.items() if key.startswith("2003–2009"))
    assert day.is_point and not year.is_point
    assert abs(period.width - 7 * year.width) < 1  # 2003 to the end of 2009: seven years
    assert all(0 <= m.x and m.x + m.width <= WIDTH for m in chart.marks)
    assert chart_of(Timeline([])) is None


def test_query_ui_link_escapes_the_query():
    link = query_ui_link("SELECT * { ?s ?p ?o } # & =", "graph")
    assert "&outputFormat=graph" in link and "%26" in link and " " not in link


def test_the_home_page_timeline_is_bounded_and_the_full_one_is_not(dataset):
    import httpx
    from rdflib import Dataset, Literal
    from rdflib.namespace import RDF, RDFS, XSD

    from kzgraph import Settings, create_app
    from kzgraph.dataset import PROVENANCE_GRAPH
    from kzgraph.namespaces import KZ, KZG, KZO
    from kzgraph.timeline import load_timeline
    from kzgraph.web.pages import HOME_TIMELINE_LIMIT
    from tests.conftest import LiveServer

    many = Dataset(default_union=True)
    for quad in dataset.quads((None, None, None, None)):
        many.add(quad)
    claim = KZG["test-many-dates"]
    many.graph(PROVENANCE_GRAPH).add((claim, RDF.type, KZO.Claim))
    for day in range(1, 71):
        event = KZ[f"Test_event_{day}"]
        many.graph(claim).add((event, KZO.date, Literal(f"1980-03-{day % 28 + 1:02d}", datatype=XSD.date)))
        many.graph(claim).add((event, RDFS.label, Literal(f"Test event {day}", lang="en")))
    settings = Settings(port=0, rate_limit_requests=0, rate_limit_query_seconds=0)
    with LiveServer(create_app(Service.from_dataset(many, settings, examples=[]))) as server, \
            httpx.Client(base_url=server.url, timeout=60) as client:
        total = len(client.get("/timeline.json").json()["events"])
        home = client.get("/", headers={"Accept": "text/html"}).text
        timeline = client.get("/timeline", headers={"Accept": "text/html"}).text
    assert total == len(load_timeline(dataset).events) + 70
    section = home[home.index('<section class="timeline-home"'):]
    assert len(outline(section).items) == HOME_TIMELINE_LIMIT
    assert f"and {total - HOME_TIMELINE_LIMIT} more" in section
    assert len(outline(timeline).items) == total


def test_a_new_release_gets_its_own_timeline(dataset):
    from rdflib import Dataset, Literal
    from rdflib.namespace import RDF, RDFS, XSD

    from kzgraph.dataset import PROVENANCE_GRAPH
    from kzgraph.namespaces import KZ, KZG, KZO
    from kzgraph.release import Served
    from kzgraph.web.timeline_chart import timeline_of

    served = Served(dataset)
    before = timeline_of(served)
    assert timeline_of(served) is before  # once per release
    grown = Dataset(default_union=True)
    for quad in dataset.quads((None, None, None, None)):
        grown.add(quad)
    grown.graph(PROVENANCE_GRAPH).add((KZG["test-new"], RDF.type, KZO.Claim))
    grown.graph(KZG["test-new"]).add((KZ["Test_new"], KZO.date, Literal("2020", datatype=XSD.gYear)))
    grown.graph(KZG["test-new"]).add((KZ["Test_new"], RDFS.label, Literal("A new event", lang="en")))
    served.replace(grown)
    assert len(timeline_of(served).events) == len(before.events) + 1
