"""The timeline and the query UI's result views in a real (headless) browser, offline."""

from __future__ import annotations

from pathlib import Path


from kzgraph.timeline import TIMELINE_QUERY

from .browser import browser, console_errors, needs_browser  # noqa: F401 - fixture

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
TIMELINE_EXAMPLE = "The timeline: every dated fact with its source"
GRAPH_EXAMPLE = "What the 2015 spaceflight links (graph view)"


def screenshot(driver, name: str) -> Path:
    """Save a screenshot and check that it shows something: many colours, not one blank."""
    from PIL import Image

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    driver.save_screenshot(str(path))
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, f"{name} looks blank: {colours and len(colours)} colours"
    return path


def wait_for(driver, condition, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


@needs_browser
def test_the_timeline_shows_the_events_in_order_with_their_sources(live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/timeline")
    items = browser.find_elements(By.CSS_SELECTOR, "ol.timeline-events > li")
    assert len(items) >= 20
    days = [(item.get_attribute("data-date") + "-01-01")[:10] for item in items]
    assert days == sorted(days)
    assert items[0].text.startswith("1991 Toktar Aubakirov's spaceflight of 1991")
    for item in items:
        assert item.find_elements(By.CSS_SELECTOR, "a.claim"), item.text
        assert item.find_elements(By.CSS_SELECTOR, "a.reference"), item.text
    landing = next(item for item in items if item.get_attribute("data-date") == "2015-09-11")
    assert "[9]" in landing.text and "[10]" in landing.text
    chart = browser.find_element(By.CSS_SELECTOR, "svg.timeline-svg")
    assert chart.size["width"] > 600 and chart.size["height"] > 300  # drawn, at a readable size
    marks = browser.find_elements(By.CSS_SELECTOR, "svg.timeline-svg g.mark")
    assert len(marks) == len(items)
    screenshot(browser, "timeline.png")
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    assert all(url.startswith(live_server.url) for url in resources), resources
    assert console_errors(browser) == []


@needs_browser
def test_the_timeline_is_reachable_by_keyboard(live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{live_server.url}/timeline")
    body = browser.find_element(By.TAG_NAME, "body")
    reached = []
    for _ in range(12):
        body.send_keys(Keys.TAB)
        active = browser.switch_to.active_element
        reached.append(active.get_attribute("class") or active.tag_name)
        body = active
    assert "entity" in reached  # the list's links follow the header's, none are trapped in the SVG


def open_example(driver, url: str, title: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready

    driver.get(url)
    tab = wait_for(driver, ready.presence_of_element_located(
        (By.XPATH, f"//div[contains(@class,'tabsList')]//a[span[normalize-space()=\"{title}\"]]")))
    driver.execute_script("arguments[0].click()", tab)  # the tab strip may have scrolled it away
    button = wait_for(driver, lambda d: next(
        (b for b in d.find_elements(By.CSS_SELECTOR, ".yasqe_queryButton") if b.is_displayed()), None))
    button.click()


def visible(driver, selector: str):
    from selenium.webdriver.common.by import By

    return next((e for e in driver.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()), None)


@needs_browser
def test_the_timeline_example_opens_in_the_timeline_view(live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    open_example(browser, f"{live_server.url}/sparql", TIMELINE_EXAMPLE)
    view = wait_for(browser, lambda d: visible(d, ".kz-timeline"))
    items = wait_for(browser, lambda d: view.find_elements(By.CSS_SELECTOR, "ol.kz-timeline-list > li"))
    dates = [item.find_element(By.TAG_NAME, "time").get_attribute("datetime") for item in items]
    assert dates == sorted(dates, key=lambda d: (d + "-01-01")[:10])
    assert dates[0] == "1991"
    texts = [item.text for item in items]
    assert "2 September 2015 Aidyn Aimbetov's spaceflight of 2015 — launch date" in texts
    assert "2003–2009 Training of Aimbetov and Aymakhanov at Star City, 2003–2009" in texts  # a span
    assert any(text.startswith("2017") and "planned" in text for text in texts)
    assert view.find_elements(By.CSS_SELECTOR, "svg.kz-timeline-svg g.kz-mark.planned")
    browser.execute_script("arguments[0].scrollIntoView()", view)
    screenshot(browser, "query-ui-timeline.png")
    assert console_errors(browser) == []


@needs_browser
def test_the_graph_example_opens_in_the_graph_view(live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    open_example(browser, f"{live_server.url}/sparql", GRAPH_EXAMPLE)
    view = wait_for(browser, lambda d: visible(d, ".kz-graph"))
    links = [li.text for li in view.find_elements(By.CSS_SELECTOR, "ul.kz-graph-links > li")]
    assert "Aidyn Aimbetov's spaceflight of 2015 — docked with → International Space Station" in links
    assert len(links) == 6
    nodes = view.find_elements(By.CSS_SELECTOR, "svg.kz-graph-svg g.kz-node")
    assert len(nodes) == 7  # the flight and the six things it links
    browser.execute_script("arguments[0].scrollIntoView()", view)
    screenshot(browser, "query-ui-graph.png")
    assert console_errors(browser) == []


@needs_browser
def test_the_pages_query_link_opens_it_in_the_timeline_view(live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/timeline")
    browser.find_element(By.CSS_SELECTOR, "a.open-query").click()
    button = wait_for(browser, lambda d: visible(d, ".yasqe_queryButton"))
    editor = browser.execute_script("return window.kzgraphYasgui.getTab().getYasqe().getValue()")
    assert editor.strip() == TIMELINE_QUERY.strip()
    button.click()
    view = wait_for(browser, lambda d: visible(d, ".kz-timeline"))
    assert wait_for(browser, lambda d: view.find_elements(By.CSS_SELECTOR, "ol.kz-timeline-list > li"))
    assert console_errors(browser) == []
