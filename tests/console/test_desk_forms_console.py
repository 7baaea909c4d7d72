"""The one-stop desk's forms on the console's dossier page: the clerk issues form 02 (phiếu yêu cầu bổ sung) for a
missing drawing, the dossier pauses; taking the supplement before the drawing came names it; the drawing uploaded
in the documents section, the supplement is taken and the dossier resumes; form 02 prints. Then the printable
forms 04 (after an extension) and 05 (after a stop).

Tests run in file order and share the server's state (the module's ``server.state``).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.console.permit import api, publish_permit
from tests.console.test_console_e2e import TIMEOUT, find, go, login, set_input, shot, wait, wait_text
from tests.documents.driver import CHAIR, KEY, png
from tests.dossiers.flow import APPLICANT, CLERK

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def published(server):
    publish_permit(server)


def _receive(server) -> dict:
    """A dossier received at the desk over the API, the desk's own step done: it is at the appraiser's division."""
    receipt = api(server, "POST", f"procedures/{KEY}/dossiers", CLERK,
                   json={"applicant": APPLICANT, "documents": [{"component": "don_de_nghi"}]})
    step = next(s for s in receipt["current_steps"] if s["spec_id"] == "Tiep_nhan")
    api(server, "POST", f"tasks/{step['id']}/complete", CLERK, json={"data": {}})
    return receipt


def _printed(browser, button, text):
    """Click a print button: the form opens in a new window (a blob of the HTML fetched with the token)."""
    from selenium.webdriver.support.ui import WebDriverWait
    main, before = browser.current_window_handle, set(browser.window_handles)
    button.click()
    WebDriverWait(browser, TIMEOUT).until(lambda d: len(set(d.window_handles) - before) == 1)
    browser.switch_to.window(next(iter(set(browser.window_handles) - before)))
    try:
        WebDriverWait(browser, TIMEOUT).until(lambda d: d.current_url.startswith("blob:") and text in d.page_source)
        return browser.page_source
    finally:
        browser.close()
        browser.switch_to.window(main)


def test_clerk_asks_for_the_drawing_takes_the_supplement_and_prints_form_02(server, browser, tmp_path):
    dossier = _receive(server)
    dossier_id = dossier["id"]
    server.state["dossier_id"] = dossier_id
    assert api(server, "GET", f"dossiers/{dossier_id}", CLERK)["status"] == "processing"

    login(browser, server, CLERK)
    go(browser, server, f"#/dossiers/{dossier_id}")
    form = wait(browser, "#supplement-form")
    assert "Yêu cầu bổ sung hồ sơ (Mẫu 02)" in form.text
    offered = [e.get_attribute("data-supplement-component")
               for e in form.find_elements("css selector", "input[type=checkbox][data-supplement-component]")]
    assert offered == ["don_de_nghi", "ban_ve", "khac"]  # not the result, nor the draft a step makes
    assert "Chưa có phiếu yêu cầu bổ sung nào." in find(browser, "#desk-forms").text
    # the reason is required: said next to its field, nothing sent
    find(browser, 'input[data-supplement-component="ban_ve"]').click()
    find(browser, "#supplement-submit").click()
    wait(browser, '#supplement-form .mf-field-error[data-error-for="reason"]')
    set_input(form.find_element("name", "items"), "Ký lại trang 2 của đơn\n\n")
    set_input(form.find_element("name", "reason"), "Hồ sơ thiếu bản vẽ thiết kế")
    find(browser, "#supplement-submit").click()

    # the page comes back paused, with the request's number
    wait_text(browser, "#dossier-status", "paused")
    asked = api(server, "GET", f"dossiers/{dossier_id}/supplement-requests", CLERK)
    assert len(asked) == 1 and asked[0]["items"] == ["Ký lại trang 2 của đơn"]
    request_id, number = asked[0]["id"], asked[0]["number"]
    assert number.endswith("/2026")
    wait_text(browser, "#desk-messages", f"số {number}")
    card = wait(browser, f'#supplement-requests [data-request="{request_id}"]')
    assert card.get_attribute("data-state") == "open"
    for text in (f"Phiếu số {number}", "Đang chờ bổ sung", "Bản vẽ thiết kế", "Ký lại trang 2 của đơn",
                 "Lý do: Hồ sơ thiếu bản vẽ thiết kế", "Thành phần hồ sơ"):
        assert text in card.text, text
    assert not browser.find_elements("css selector", "#supplement-form")  # one open request at a time

    # the printable form 02 (its HTML needs the bearer token)
    html = _printed(browser, card.find_element("css selector", f'button[data-print="{request_id}"]'), "Mẫu số 02")
    assert f"Số: {number}/PYCBS" in html and "Bản vẽ thiết kế" in html

    # taking the supplement before the drawing came: the API's 422, the component named (not its key)
    server.clock.advance(timedelta(minutes=30))
    card.find_element("css selector", f'button[data-answer-button="{request_id}"]').click()
    problem = wait(browser, f'form[data-answer="{request_id}"] .mf-problem[data-code="supplement_incomplete"]')
    assert "Bản vẽ thiết kế" in problem.text and "ban_ve" not in problem.text
    assert "mf-attention" in find(browser, '#dossier-components tr[data-component="ban_ve"]').get_attribute("class")
    shot(browser, "desk-01-supplement-incomplete")

    # the drawing uploaded through the documents section: the request says it came
    drawing = tmp_path / "Bản vẽ mặt bằng.png"
    drawing.write_bytes(png())
    row = find(browser, '#dossier-components tr[data-component="ban_ve"]')
    row.find_element("css selector", 'input[type=file][data-upload-file="ban_ve"]').send_keys(str(drawing))
    row.find_element("css selector", 'button[data-upload-button="ban_ve"]').click()
    wait_text(browser, "#dossier-components .mf-doc-messages", "phiên bản 1")
    wait(browser, f'#supplement-requests [data-request="{request_id}"] li[data-missing-component="ban_ve"][data-received="true"]')
    browser.execute_script("document.getElementById('desk-forms').scrollIntoView()")
    shot(browser, "desk-02-drawing-uploaded")

    answer = find(browser, f'form[data-answer="{request_id}"]')
    set_input(answer.find_element("name", "note"), "Đã nhận bản vẽ")
    answer.find_element("css selector", "button[type=submit]").click()
    wait_text(browser, "#dossier-status", "processing")
    wait_text(browser, "#desk-messages", f"Đã nhận bổ sung theo phiếu số {number}")
    card = wait(browser, f'#supplement-requests [data-request="{request_id}"][data-state="answered"]')
    assert "Đã nhận bổ sung" in card.text and "Đã nhận bản vẽ" in card.text
    assert not card.find_elements("css selector", "form[data-answer]")
    wait(browser, "#supplement-form")  # the dossier may be asked again
    size = browser.get_window_size()
    browser.set_window_size(1400, 1800)
    browser.execute_script("document.getElementById('dossier-components').scrollIntoView()")
    shot(browser, "desk-03-supplement-answered")
    browser.save_screenshot("/tmp/console_desk.png")
    browser.set_window_size(size["width"], size["height"])
    answered = api(server, "GET", f"dossiers/{dossier_id}/supplement-requests/{request_id}", CLERK)
    assert answered["answered_by"]["username"] == CLERK and answered["answer_note"] == "Đã nhận bản vẽ"
    assert api(server, "GET", f"dossiers/{dossier_id}", CLERK)["status"] == "processing"


def test_forms_04_and_05_print_after_an_extension_and_a_stop(server, browser):
    dossier_id = server.state["dossier_id"]
    login(browser, server, CLERK)
    go(browser, server, f"#/dossiers/{dossier_id}")
    wait(browser, "#supplement-form")
    assert not browser.find_elements("css selector", "#print-apology, #print-stop-notice")

    due = datetime.fromisoformat(api(server, "GET", f"dossiers/{dossier_id}", CLERK)["due_at"])
    api(server, "POST", f"dossiers/{dossier_id}/extension", CHAIR,
         json={"reason": "Chờ ý kiến cơ quan thuế", "new_due_at": (due + timedelta(days=7)).isoformat()})
    browser.refresh()
    html = _printed(browser, wait(browser, "#print-apology"), "Mẫu số 04")
    assert "Chờ ý kiến cơ quan thuế" in html
    assert "Chờ ý kiến cơ quan thuế" in find(browser, "#desk-extension").text

    api(server, "POST", f"dossiers/{dossier_id}/stop", CHAIR, json={"reason": "Hồ sơ giả mạo giấy tờ"})
    browser.refresh()
    wait_text(browser, "#dossier-status", "stopped")
    html = _printed(browser, wait(browser, "#print-stop-notice"), "Mẫu số 05")
    assert "Hồ sơ giả mạo giấy tờ" in html
    assert not browser.find_elements("css selector", "#supplement-form")  # a closed dossier is asked nothing
    assert find(browser, "#print-apology").is_displayed()
    shot(browser, "desk-04-forms-04-05")


def test_a_form_pdf_is_opened_and_kept_with_the_dossier(server, browser):
    """The PDF button beside a form: the PDF opens in a new tab and stays a document of the dossier."""
    from selenium.webdriver.support.ui import WebDriverWait
    dossier_id = server.state["dossier_id"]
    login(browser, server, CLERK)
    go(browser, server, f"#/dossiers/{dossier_id}")
    button = wait(browser, f'[data-pdf="dossiers/{dossier_id}/stop-notice"]')
    main, before = browser.current_window_handle, set(browser.window_handles)
    button.click()
    WebDriverWait(browser, TIMEOUT).until(lambda d: len(set(d.window_handles) - before) == 1)
    browser.switch_to.window(next(iter(set(browser.window_handles) - before)))
    WebDriverWait(browser, TIMEOUT).until(lambda d: d.current_url.startswith("blob:"))
    browser.close()
    browser.switch_to.window(main)
    listed = api(server, "GET", f"dossiers/{dossier_id}/documents", CLERK)
    assert [d["form_ref"] for d in listed if d["form_ref"]] == ["05"]


def test_the_leader_opens_the_tracking_book_for_a_period(server, browser):
    login(browser, server, CHAIR)
    go(browser, server, "#/reports")
    section = wait(browser, "#tracking-book")
    assert "Sổ theo dõi hồ sơ (Mẫu 07)" in section.text
    first = section.find_element("css selector", 'input[name="from"]')
    browser.execute_script("arguments[0].value = '2026-01-01'", first)
    html = _printed(browser, section.find_element("css selector", '[data-book="html"]'), "Mẫu số 07")
    code = api(server, "GET", f"dossiers/{server.state['dossier_id']}", CLERK)["code"]
    assert code in html and "Tổng số" in html
    shot(browser, "desk-05-tracking-book")


def test_the_clerk_refuses_a_dossier_at_reception_and_prints_form_03(server, browser):
    login(browser, server, CLERK)
    go(browser, server, f"#/reception?key={KEY}")
    form = wait(browser, "#reception-form")
    set_input(form.find_element("name", "applicant.name"), "Lê Văn Tám")
    refusal = wait(browser, "#refusal-form")
    refusal.find_element("css selector", "button[type=submit]").click()  # no reason: said next to the field
    wait(browser, '#refusal-form .mf-field-error[data-error-for="reason"]')
    set_input(refusal.find_element("name", "reason"), "Không thuộc thẩm quyền giải quyết của UBND xã")
    refusal.find_element("css selector", "button[type=submit]").click()
    code = wait(browser, "#refusal-code").text
    assert code.startswith("NA-HN-")
    html = _printed(browser, find(browser, "#print-refusal"), "Mẫu số 03")
    assert "Không thuộc thẩm quyền giải quyết của UBND xã" in html and "Lê Văn Tám" in html
    assert find(browser, '#reception-form [name="applicant.name"]').get_attribute("value") == ""  # ready for the next
    found = api(server, "GET", f"dossiers?code={code}", CLERK)
    assert [d["status"] for d in found] == ["refused"]
    shot(browser, "desk-06-refusal")
