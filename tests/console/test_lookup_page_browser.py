"""The applicant's lookup page in a real browser, on a phone-sized window: typed code, English toggle, the rating
form; each state passes axe-core's WCAG 2.1 A/AA rules, and the page works with JavaScript switched off.

axe-core comes from the npm registry with the console's assets (``console/package.json``, a test tool only,
never served); the test skips with the reason when it is not installed.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.console.permit import api
from tests.console.test_console_e2e import shot, wait, wait_text
from tests.dossiers.flow import ACTOR, APPLICANT, CLERK, FORWARD, NA

pytestmark = pytest.mark.slow
AXE = Path(__file__).resolve().parents[2] / "console" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = (390, 844)


def axe_violations(driver) -> list[dict]:
    """Run axe-core on the page as it is: the WCAG 2.0/2.1 A and AA rules (and best practices)."""
    driver.execute_script(AXE.read_text("utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        ".then((r) => done(JSON.stringify(r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map((n) => n.target.join(' '))}))))).catch((e) => done(JSON.stringify([{id: 'axe-error', help: String(e)}])));")
    return json.loads(result)


def fits_the_phone(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth;")


@pytest.fixture(scope="module")
def returned(server) -> dict:
    """A dossier of NA-3857 received and taken to its end over the API (its result returned)."""
    receipt = api(server, "POST", f"procedures/{NA}/dossiers", CLERK, password=server.demo_password,
                  json={"applicant": APPLICANT, "documents": [], "data": {}})
    for spec_id, data in FORWARD.items():
        dossier = api(server, "GET", f"dossiers/{receipt['id']}", CLERK, password=server.demo_password)
        step = next(s for s in dossier["current_steps"] if s["spec_id"] == spec_id)
        api(server, "POST", f"tasks/{step['id']}/complete", ACTOR[spec_id], password=server.demo_password,
            json={"data": data})
    return receipt


def test_the_lookup_page_is_accessible_and_rates_on_a_phone(server, browser, returned):
    if not AXE.exists():
        pytest.skip(f"the accessibility check needs axe-core ({AXE}): run `make console` (npm)")
    browser.set_window_size(*PHONE)
    try:
        browser.get(f"{server.url}/tra-cuu/{returned['code']}")
        box = wait(browser, "#secret")
        assert axe_violations(browser) == []
        box.send_keys(returned["lookup_secret"])
        box.submit()
        wait_text(browser, "#status", "Đã trả kết quả")
        assert fits_the_phone(browser)
        assert axe_violations(browser) == []
        shot(browser, "lookup-page-vi")

        browser.find_element("css selector", ".lang a").click()
        wait_text(browser, "#status", "Result returned")
        assert browser.find_element("css selector", "html").get_attribute("lang") == "en"
        assert axe_violations(browser) == []
        shot(browser, "lookup-page-en")

        browser.find_element("css selector", ".lang a").click()  # back in Vietnamese, then the rating
        wait(browser, "#rating-form")
        for criterion in ("access", "papers", "officers", "timeliness", "result"):
            browser.find_element("css selector", f"input[name={criterion}][value='4']").click()
        browser.find_element("css selector", "#comment").send_keys("Cán bộ hướng dẫn tận tình")
        browser.find_element("css selector", "#rating-form button[type=submit]").click()
        wait_text(browser, "[role=status]", "Cảm ơn Ông/Bà đã đánh giá")
        assert axe_violations(browser) == []
        shot(browser, "lookup-page-rated")
    finally:
        browser.set_window_size(1400, 1000)
    rating = api(server, "GET", f"public/dossiers/{returned['code']}?secret={returned['lookup_secret']}")["rating"]
    assert rating["open"] is False and rating["rated_at"]


def test_the_page_works_without_javascript(server, browser, returned):
    """The same page with scripts off (Chrome DevTools' emulation): the form posts and the answer is a page."""
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(f"{server.url}/tra-cuu/{returned['code']}?lang=en")
        box = wait(browser, "#secret")
        box.send_keys("not-the-secret")
        box.submit()
        wait_text(browser, "[role=alert]", "No dossier with this code")
        box = wait(browser, "#secret")
        box.send_keys(returned["lookup_secret"])
        box.submit()
        wait_text(browser, "#status", "Result returned")
        wait(browser, "#rated")  # rated in the test before: said, not asked again
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
