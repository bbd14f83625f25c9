"""The query UI works in a real (headless) browser, offline: it runs a query and shows results."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser import browser, console_errors, needs_browser  # noqa: F401 - fixture

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@needs_browser
@pytest.mark.parametrize("path, example_title, answer, screenshot", [
    ("/sparql", "The agency's names in every language",
     "National Space Agency of the Republic of Kazakhstan", "query-ui.png"),
    # WDQS-style: no PREFIX lines, the endpoint predefines them
    ("/wikidata/sparql", "Space stations (instance of space station)",
     "International Space Station", "query-ui-wikidata.png"),
])
def test_query_ui_runs_the_first_example_and_shows_results(live_server, browser, path,  # noqa: F811
                                                           example_title, answer, screenshot):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server.url}{path}")
    wait = WebDriverWait(browser, 20)
    wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, ".yasqe_queryButton"))).click()
    wait.until(lambda d: answer in d.find_element(By.CSS_SELECTOR, ".yasr").text)
    tabs = browser.find_elements(By.CSS_SELECTOR, ".tabPanel, .tab")
    assert example_title in browser.page_source
    assert len(tabs) >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / screenshot))
    assert console_errors(browser) == []


@needs_browser
@pytest.mark.parametrize("path", ["/sparql", "/", "/resource/KazCosmos", "/ontology", "/download/"])
def test_query_ui_and_pages_load_nothing_from_outside(live_server, browser, path):  # noqa: F811
    browser.get(f"{live_server.url}{path}")
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name)")
    assert resources, "the page loaded its scripts"
    assert all(url.startswith(live_server.url) for url in resources), resources


@needs_browser
@pytest.mark.parametrize("path", ["/", "/resource/KazCosmos", "/ontology", "/resource/KazSat-2",
                                  "/download/", "/graph/provenance"])
def test_pages_render_without_console_errors_and_their_links_resolve(live_server, browser, path):  # noqa: F811
    import httpx
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}{path}")
    assert browser.find_element(By.TAG_NAME, "h1").text
    links = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "main a")}
    local = sorted(link for link in links if link and link.startswith(live_server.url))
    assert local
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        for link in local:
            browser_accept = "text/html,application/xhtml+xml,*/*;q=0.8"
            assert client.get(link.split("#")[0], headers={"Accept": browser_accept}).status_code == 200, link
    assert console_errors(browser) == []
    if path == "/resource/KazCosmos":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / "agency-page.png"))


@needs_browser
def test_query_ui_marks_the_line_of_a_syntax_error(live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server.url}/sparql")
    wait = WebDriverWait(browser, 20)
    wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, ".yasqe_queryButton")))
    # the tab's editor may still be set up after the page loads: write until it holds the query
    broken = "'SELECT ?name WHERE {\\n  ?x nope:label ?name\\n}'"
    wait.until(lambda d: d.execute_script(
        "const editor = window.kzgraphYasgui.getTab().getYasqe();"
        f"if (!editor.getValue().includes('nope:')) {{ editor.setValue({broken}); }}"
        "return editor.getValue().includes('nope:label');"))
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    # the text of the one marked line's row (read in the page: the editor redraws its lines)
    marked = wait.until(lambda d: d.execute_script(
        "const marks = document.querySelectorAll('.kzgraph-error-line');"
        "return marks.length === 1 ? marks[0].parentElement.textContent : null;"))
    assert "nope:label" in marked
    assert "prefix `nope:` is not declared" in browser.find_element(By.CSS_SELECTOR, ".yasr").text
