"""docs/reconciliation.md shows real answers: each JSON block marked ``<!-- checked: … -->`` is
sent again (the worked example's batch is the one built from ``spreadsheet.csv``) and must be
answered exactly as shown, every request and answer valid by the v0.2 schemas."""

from __future__ import annotations

import json
import re

import pytest

from ..conftest import ROOT
from .example import batch
from .schemas import check

DOC = ROOT / "docs" / "reconciliation.md"
DOC_SERVER = "http://127.0.0.1:8000"  # the server the page shows; the test's has another port
MARKED = re.compile(r"<!-- checked: (.+?) -->\n```json\n(.*?)\n```", re.S)


def blocks() -> list[tuple[str, object]]:
    return [(what, json.loads(text)) for what, text in MARKED.findall(DOC.read_text(encoding="utf-8"))]


def test_the_page_marks_every_kind_of_exchange():
    kinds = [what.split(" ")[0] + " " + what.split(" ")[1].split("?")[0] for what, _ in blocks()]
    assert kinds == ["GET /reconcile", "request queries", "POST queries",
                     "GET /reconcile/suggest/entity", "GET /reconcile/properties",
                     "request extend", "POST extend", "POST 400", "POST 400"]


def test_the_worked_examples_request_is_the_spreadsheets():
    shown = dict(blocks())["request queries"]
    assert shown == batch()
    check("reconciliation-query-batch", shown)


@pytest.mark.parametrize("what, shown", blocks(), ids=[what for what, _ in blocks()])
def test_each_shown_answer_is_the_servers(client, live_server, what, shown):
    requests = {w.split(" ")[1]: body for w, body in blocks() if w.startswith("request ")}
    if what.startswith("request "):
        check({"queries": "reconciliation-query-batch", "extend": "data-extension-query"}[what[8:]], shown)
        return
    method, rest = what.split(" ", 1)
    status = 200
    if method == "POST" and rest[:3].isdigit():
        status, rest = int(rest[:3]), rest[4:]
    if method == "GET":
        response = client.get(rest)
    elif "=" in rest:
        field, text = rest.split("=", 1)
        response = client.post("/reconcile", data={field: text})
    else:
        response = client.post("/reconcile", data={rest: json.dumps(requests[rest])})
    assert response.status_code == status, response.text
    answer = json.loads(response.text.replace(live_server.url, DOC_SERVER))
    assert answer == shown
    if status == 200:
        check(schema_of(rest), answer)


def schema_of(request: str) -> str:
    """The schema an answer to ``request`` (a path, or the form field sent) must be valid by."""
    for start, schema in SCHEMAS:
        if request.startswith(start):
            return schema
    raise AssertionError(f"no schema for {request}")


SCHEMAS = (("/reconcile/suggest/entity", "suggest-entities-response"),
           ("/reconcile/properties", "data-extension-property-proposal"),
           ("/reconcile", "manifest"), ("queries", "reconciliation-result-batch"),
           ("extend", "data-extension-response"))
