"""The console in a real browser, one procedure's whole life: design → review → publish → dossier → step → report.

Tests run in file order and share the server's state (the module's ``server.state``).
"""
from __future__ import annotations

import json
import urllib.request
from datetime import timedelta

import pytest

from tests.console.conftest import ADMIN_PASSWORD, ARTIFACTS

pytestmark = pytest.mark.slow
KEY = "cb_tnxp_thanh_lap"
TIMEOUT = 15


# --- helpers ------------------------------------------------------------------------------------------

def wait(driver, css, timeout=TIMEOUT):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def wait_text(driver, css, text, timeout=TIMEOUT):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, timeout).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return driver.find_element(By.CSS_SELECTOR, css)


def find(driver, css):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, css)


def js_errors(driver) -> list[str]:
    """Console entries that are JavaScript errors (network 4xx the pages handle are not)."""
    return [f"{e.get('source')}: {e.get('message')}" for e in driver.get_log("browser")
            if e.get("level") == "SEVERE" and e.get("source") != "network"]


def shot(driver, name):
    """Screenshot the page, then fail if it logged a JavaScript error (network 4xx/5xx are the pages' to show)."""
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    errors = js_errors(driver)
    assert not errors, f"JavaScript errors on {name}: {errors}"


def login(driver, server, username, password=None):
    driver.get(f"{server.url}/#/login")
    driver.execute_script("sessionStorage.clear();")
    driver.refresh()
    form = wait(driver, "#login-form")
    form.find_element("name", "username").send_keys(username)
    form.find_element("name", "password").send_keys(password or server.demo_password)
    form.find_element("css selector", "button[type=submit]").click()
    wait_text(driver, "#mf-whoami", username)


def go(driver, server, hash_):
    driver.get(f"{server.url}/{hash_}")


def call_api(server, method, path, body=None, token=None):
    request = urllib.request.Request(f"{server.url}/api/v1/{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def token(server, username, password=None):
    return call_api(server, "POST", "auth/token", {"username": username, "password": password or server.demo_password})["access_token"]


def set_input(element, value):
    element.clear()
    element.send_keys(value)


def first_two_steps_over_the_api(server, dossier_id):
    """Steps 1 (reception desk) and 2 (division leader) over the API: the console is not needed for them."""
    for username, data in (("cb.ttpvhcc.snv", {"applicant_name": "Nguyễn Văn An", "id_number": "012345678901",
                                                "documents_received": [{"name": "Tờ trình"}]}),
                           ("cb.snv.xdcq.truongphong", {"approved": True, "comment": "Giao chuyên viên thụ lý"})):
        bearer = token(server, username)
        step = next(s for s in call_api(server, "GET", f"dossiers/{dossier_id}", token=bearer)["current_steps"])
        call_api(server, "POST", f"tasks/{step['id']}/claim", {}, token=bearer)
        call_api(server, "POST", f"tasks/{step['id']}/complete", {"data": data}, token=bearer)


# --- the story ----------------------------------------------------------------------------------------

def test_designer_edits_a_time_limit_and_saves_a_draft(server, browser):
    login(browser, server, "thietke.quytrinh")
    go(browser, server, "#/catalog")
    wait(browser, f'a[data-edit="{KEY}"]').click()
    wait(browser, '#editor-canvas .djs-element[data-element-id="Step_3"]')
    shot(browser, "01-editor-opened")
    browser.find_element("css selector", '#editor-canvas .djs-element[data-element-id="Step_3"] .djs-hit').click()
    limit = wait(browser, "#prop-timeLimit")
    assert limit.get_attribute("value") == "P4D"
    # A bad duration: the API refuses the upload and the error lands on the element in the diagram.
    set_input(limit, "bốn ngày")
    find(browser, "#prop-form").click()  # leaving the field fires "change"
    find(browser, "#editor-save").click()
    wait(browser, "#editor-messages .mf-problem")
    wait(browser, '.mf-issue-overlay[data-element-id="Step_3"]')
    assert "mf-error" in find(browser, '.djs-element[data-element-id="Step_3"]').get_attribute("class")
    shot(browser, "02-editor-validation-error")
    set_input(wait(browser, "#prop-timeLimit"), "P3D")
    find(browser, "#prop-form").click()
    find(browser, "#editor-save").click()
    saved = wait_text(browser, "#editor-saved", f"{KEY} v2")
    shot(browser, "03-editor-saved")
    saved.find_element("css selector", "a").click()
    wait(browser, "#submit-version").click()
    wait_text(browser, "h1", "Đang xem xét")
    shot(browser, "04-version-submitted")
    version = call_api(server, "GET", f"process-definitions/{KEY}/versions/2", token=token(server, "admin", ADMIN_PASSWORD))
    assert {s["id"]: s["time_limit"] for s in version["steps"]}["Step_3"] == "PT24H"
    assert version["status"] == "in_review"


def test_admin_publishes_with_a_decision(server, browser):
    login(browser, server, "admin", ADMIN_PASSWORD)
    go(browser, server, f"#/definitions/{KEY}/2")
    form = wait(browser, "#publish-form")
    form.find_element("css selector", "button[type=submit]").click()
    wait(browser, '#publish-form .mf-field-error[data-error-for="decision_number"]')
    shot(browser, "05-publish-field-errors")
    set_input(form.find_element("name", "decision_number"), "123/QĐ-UBND")
    browser.execute_script("arguments[0].value = '2026-03-01'; arguments[0].dispatchEvent(new Event('change'));",
                           form.find_element("name", "decision_date"))
    form.find_element("css selector", "button[type=submit]").click()
    wait_text(browser, "h1", "Đã ban hành")
    shot(browser, "06-version-published")
    go(browser, server, "#/org")
    wait(browser, "#officer-form")
    shot(browser, "07-organisation")
    go(browser, server, "#/calendar")
    wait(browser, "#override-form")
    shot(browser, "08-calendar")


def test_clerk_receives_a_dossier(server, browser):
    login(browser, server, "cb.ttpvhcc.snv")
    go(browser, server, f"#/reception?key={KEY}")
    form = wait(browser, "#reception-form")
    set_input(form.find_element("name", "applicant.name"), "Nguyễn Văn An")
    set_input(form.find_element("name", "applicant.id_number"), "12ab")
    set_input(form.find_element("name", "documents"), "Tờ trình đề nghị thành lập\nĐề án thành lập")
    form.find_element("css selector", "button[type=submit]").click()
    wait(browser, '#reception-form .mf-field-error[data-error-for="applicant.id_number"]')
    shot(browser, "09-reception-field-error")
    set_input(form.find_element("name", "applicant.id_number"), "012345678901")
    form.find_element("css selector", "button[type=submit]").click()
    code = wait(browser, "#dossier-code").text
    assert wait(browser, "#lookup-secret").text
    shot(browser, "10-reception-receipt")
    dossier_id = int(find(browser, "#open-dossier").get_attribute("href").rsplit("/", 1)[1])
    server.state.update(dossier_id=dossier_id, code=code)
    first_two_steps_over_the_api(server, dossier_id)


def test_officer_completes_a_step_through_the_generated_form(server, browser):
    login(browser, server, "cb.snv.xdcq.chuyenvien")
    go(browser, server, "#/inbox")
    wait_text(browser, "#inbox", server.state["code"])
    shot(browser, "11-inbox")
    wait(browser, "#inbox button[data-claim]").click()
    form = wait(browser, "#complete-form")
    assert "Ý kiến thẩm định" in form.text and form.find_elements("css selector", ".mf-required")
    form.find_element("name", "approved").click()
    find(browser, "#complete").click()
    wait(browser, '#complete-form .mf-field-error[data-error-for="opinion"]')
    shot(browser, "12-task-422-field-error")
    set_input(form.find_element("name", "opinion"), "Hồ sơ đầy đủ, đủ điều kiện thành lập.")
    find(browser, "#complete").click()
    wait(browser, "#task-done")
    shot(browser, "13-task-completed")
    go(browser, server, "#/notifications")
    wait(browser, "#notifications")
    shot(browser, "14-notifications")


def test_leader_sees_the_overdue_step_and_the_dossier(server, browser):
    server.clock.advance(timedelta(days=3))  # step 4 (1 working day) is now late
    login(browser, server, "cb.snv.giamdoc")
    go(browser, server, "#/reports")
    wait_text(browser, "#report-overdue", server.state["code"])  # the reports API (or the dossier list)
    overdue = wait_text(browser, "#overdue-steps", server.state["code"])
    assert "Quá hạn" in overdue.text and "4. Trình phê duyệt" in overdue.text
    shot(browser, "15-leader-report-overdue")
    go(browser, server, f"#/dossiers/{server.state['dossier_id']}")
    wait(browser, '#dossier-diagram .djs-element[data-element-id="Step_4"]')
    classes = lambda el_id: find(browser, f'.djs-element[data-element-id="{el_id}"]').get_attribute("class")  # noqa: E731
    assert "mf-done" in classes("Step_3")
    assert "mf-current" in classes("Step_4") and "mf-late" in classes("Step_4")
    assert "bpmn.io" in find(browser, "#dossier-diagram .bjs-powered-by").get_attribute("href")  # watermark kept
    shot(browser, "16-dossier-view")
    find(browser, "#mf-lang").click()
    wait_text(browser, "#mf-nav", "Inbox")
    shot(browser, "17-dossier-view-english")
    find(browser, "#mf-lang").click()


def test_expired_token_is_refreshed_and_a_lost_session_keeps_the_draft(server, browser):
    login(browser, server, "cb.snv.giamdoc")
    step_id = next(s["id"] for s in call_api(server, "GET", f"dossiers/{server.state['dossier_id']}",
                                               token=token(server, "cb.snv.giamdoc"))["current_steps"])
    server.clock.advance(timedelta(minutes=20))  # past the 15-minute access token: the console refreshes
    go(browser, server, f"#/tasks/{step_id}")
    claim = wait(browser, "#claim")
    claim.click()
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, TIMEOUT).until(ec.staleness_of(claim))  # the page re-renders once claimed
    form = wait(browser, "#complete-form")
    set_input(form.find_element("name", "comment"), "Đề nghị bổ sung ý kiến Sở Tư pháp")
    browser.execute_script("const a = JSON.parse(sessionStorage.getItem('mf-auth'));"
                           "a.access_token = 'revoked'; a.refresh_token = 'revoked-refresh-token';"
                           "sessionStorage.setItem('mf-auth', JSON.stringify(a));")
    find(browser, "#complete").click()
    form = wait(browser, "#login-form")
    shot(browser, "18-session-lost-login")
    form.find_element("name", "username").send_keys("cb.snv.giamdoc")
    form.find_element("name", "password").send_keys(server.demo_password)
    form.find_element("css selector", "button[type=submit]").click()
    form = wait(browser, "#complete-form")
    assert form.find_element("name", "comment").get_attribute("value") == "Đề nghị bổ sung ý kiến Sở Tư pháp"
    wait(browser, "#complete-form [data-draft-restored]")
    shot(browser, "19-draft-restored")


def test_a_page_still_loading_does_not_paint_over_the_next_one(server, browser):
    """Issue 8: a view whose API answer comes after the user moved on used to replace the page shown since."""
    from selenium.webdriver.support.ui import WebDriverWait
    login(browser, server, "cb.snv.giamdoc")
    wait(browser, "#overdue-steps")  # the home page is complete: nothing of it is still on the way
    browser.execute_script("""
      const original = window.fetch;
      let release; const held = new Promise((resolve) => { release = resolve; });
      Object.assign(window, { mfRelease: release, mfHeld: 0, mfStale: 0 });
      window.addEventListener('mf-stale-page', () => { window.mfStale += 1; });
      window.fetch = async (url, opts) => {  // the notifications' answer is held until the test releases it
        const res = await original(url, opts);
        if (String(url).includes('/notifications')) { window.mfHeld += 1; await held; }
        return res;
      };""")
    go(browser, server, "#/notifications")
    WebDriverWait(browser, TIMEOUT).until(lambda d: d.execute_script("return window.mfHeld") >= 1)
    go(browser, server, f"#/dossiers/{server.state['dossier_id']}")
    wait(browser, '#dossier-diagram .djs-element[data-element-id="Step_4"]')
    browser.execute_script("window.mfRelease();")
    WebDriverWait(browser, TIMEOUT).until(lambda d: d.execute_script("return window.mfStale") >= 1)
    assert find(browser, "#dossier-code").text == server.state["code"]
    assert not browser.find_elements("css selector", "#notifications")
    shot(browser, "20-late-page-not-painted")


def test_calls_that_expire_together_refresh_the_login_once(server, browser):
    """Each refresh rotates the refresh token: a call whose token was replaced while it was on the way retries."""
    login(browser, server, "cb.snv.giamdoc")
    wait(browser, "#overdue-steps")
    server.clock.advance(timedelta(minutes=20))  # the dossier page's two parallel calls both get token_expired
    browser.execute_script("""
      const original = window.fetch, expired = `Bearer ${JSON.parse(sessionStorage.getItem('mf-auth')).access_token}`;
      let retried; const firstRetryAnswered = new Promise((resolve) => { retried = resolve; });
      Object.assign(window, { mfRefreshes: 0, mfExpired: 0 });
      window.fetch = async (url, opts) => {
        const bearer = (opts && opts.headers && opts.headers.Authorization) || '';
        if (String(url).endsWith('/auth/refresh')) window.mfRefreshes += 1;
        const res = await original(url, opts);
        if (res.ok && bearer && bearer !== expired) retried();
        // the second expired call is slow: its 401 arrives once the first one has refreshed and retried
        if (res.status === 401 && (window.mfExpired += 1) > 1) await firstRetryAnswered;
        return res;
      };""")
    go(browser, server, f"#/dossiers/{server.state['dossier_id']}")
    wait(browser, '#dossier-diagram .djs-element[data-element-id="Step_4"]')
    assert wait(browser, "#dossier-code").text == server.state["code"]
    assert browser.execute_script("return [window.mfExpired, window.mfRefreshes]") == [2, 1]
    shot(browser, "21-refreshed-once")


def test_leader_assigns_a_step_and_an_officer_sees_the_dossier_diagram(server, browser):
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait
    receipt = call_api(server, "POST", f"procedures/{KEY}/dossiers", {
        "applicant": {"name": "Trần Thị Bình"}, "documents": [{"name": "Tờ trình"}], "data": {}},
        token=token(server, "cb.ttpvhcc.snv"))
    first_two_steps_over_the_api(server, receipt["id"])
    step = next(s for s in call_api(server, "GET", f"dossiers/{receipt['id']}", token=token(server, "admin", ADMIN_PASSWORD))["current_steps"])
    assert step["status"] == "ready"  # step 3 waits in the division (CB-SNV-XDCQ) for someone to take it
    login(browser, server, "cb.snv.xdcq.truongphong")
    go(browser, server, f"#/tasks/{step['id']}")
    form = wait(browser, "#assign-form")
    find(browser, "#assign").click()  # nobody chosen: the API's 422 lands on the field
    wait(browser, '#assign-form .mf-field-error[data-error-for="assignee_id"]')
    choice = Select(form.find_element("name", "assignee_id"))
    choice.select_by_value(next(o.get_attribute("value") for o in choice.options if "cb.snv.xdcq.chuyenvien" in o.text))
    find(browser, "#assign").click()
    WebDriverWait(browser, TIMEOUT).until(ec.staleness_of(form))  # the page re-renders once assigned
    wait_text(browser, "#mf-view .mf-card", "Lương Văn Tùng")
    # the step is now the officer's: the leader is told who has it and offered release, not forms the API refuses
    assert "Lương Văn Tùng" in wait(browser, "#claimed-by-other").text
    assert find(browser, "#unclaim")
    assert not browser.find_elements("css selector", "#complete-form, #return-form")
    shot(browser, "22-leader-assigned")
    assigned = call_api(server, "GET", f"tasks/{step['id']}", token=token(server, "cb.snv.xdcq.chuyenvien"))
    assert (assigned["status"], assigned["assignee"]["username"]) == ("claimed", "cb.snv.xdcq.chuyenvien")
    # the officer opens the dossier: its diagram (the definition's BPMN) is theirs to see
    login(browser, server, "cb.snv.xdcq.chuyenvien")
    go(browser, server, f"#/dossiers/{receipt['id']}")
    wait(browser, '#dossier-diagram .djs-element[data-element-id="Step_3"]')
    assert "mf-current" in find(browser, '.djs-element[data-element-id="Step_3"]').get_attribute("class")
    assert not browser.find_elements("css selector", "#dossier-diagram .mf-problem")
    shot(browser, "23-officer-dossier-diagram")


def test_reception_step_takes_documents_as_rows_not_json(server, browser):
    from selenium.webdriver.support.ui import Select
    receipt = call_api(server, "POST", f"procedures/{KEY}/dossiers", {
        "applicant": {"name": "Phạm Văn Đức"}, "documents": [{"name": "Tờ trình"}], "data": {}},
        token=token(server, "cb.ttpvhcc.snv"))
    step = call_api(server, "GET", f"dossiers/{receipt['id']}", token=token(server, "cb.ttpvhcc.snv"))["current_steps"][0]
    login(browser, server, "cb.ttpvhcc.snv")
    go(browser, server, f"#/tasks/{step['id']}")
    form = wait(browser, "#complete-form")
    assert not form.find_elements("css selector", 'textarea[name="documents_received"]')  # no JSON to type
    set_input(form.find_element("name", "applicant_name"), "Phạm Văn Đức")
    set_input(form.find_element("name", "id_number"), "012345678902")
    set_input(form.find_element("name", "documents_received.0.copies"), "2")
    find(browser, "#complete").click()  # the first row has no name: the API's error lands on that cell
    wait(browser, '#complete-form .mf-field-error[data-error-for="documents_received.0.name"]')
    shot(browser, "24-rows-field-error")
    set_input(form.find_element("name", "documents_received.0.name"), "Tờ trình thành lập đội")
    Select(form.find_element("name", "documents_received.0.copy_kind")).select_by_value("ban_chinh")
    find(browser, 'button[data-add-row="documents_received"]').click()
    set_input(form.find_element("name", "documents_received.1.name"), "Danh sách đội viên")
    find(browser, 'button[data-add-row="documents_received"]').click()
    set_input(form.find_element("name", "documents_received.2.name"), "Bản nháp bỏ đi")
    form.find_elements("css selector", 'button[data-remove-row="documents_received"]')[1].click()  # the middle row
    assert form.find_element("name", "documents_received.1.name").get_attribute("value") == "Bản nháp bỏ đi"
    set_input(form.find_element("name", "documents_received.1.name"), "Danh sách đội viên")
    set_input(form.find_element("name", "documents_received.1.copies"), "1")
    shot(browser, "25-rows-filled")
    find(browser, "#complete").click()
    wait(browser, "#task-done")
    done = call_api(server, "GET", f"tasks/{step['id']}", token=token(server, "cb.ttpvhcc.snv"))
    assert done["data"]["documents_received"] == [
        {"name": "Tờ trình thành lập đội", "copy_kind": "ban_chinh", "copies": 2},
        {"name": "Danh sách đội viên", "copies": 1}]


def test_editor_page_without_bpmn_js(server, browser, monkeypatch):
    from app.console import routes
    monkeypatch.setattr(routes, "bpmn_js_installed", lambda: False)
    login(browser, server, "thietke.quytrinh")
    go(browser, server, f"#/editor/{KEY}/1")
    assert "Trình soạn thảo BPMN chưa được cài đặt (cần Node.js: make console)" in wait(browser, "#editor-missing").text
    shot(browser, "24-editor-not-installed")
