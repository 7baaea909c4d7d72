"""The applicant's side in the console: the clerk asks for the applicant's consent to e-mail notices at reception
(refused without it), the dossier page shows the notice pending, then sent once the scheduler delivered it to a
real SMTP server; a leader sends a dead letter again and reads the satisfaction report (table and XLSX) after a
rating; the admin saves a notice template (an unknown placeholder is named next to the text) and previews it.

Tests run in file order and share the server's state (the module's ``server.state``).
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.applicant.servers import smtp_server
from tests.console.conftest import ADMIN_PASSWORD, START, Server, _require_browser
from tests.console.test_console_e2e import TIMEOUT, find, go, login, set_input, shot, wait, wait_text
from tests.dossiers.flow import ACTOR, APPLICANT, CHAIR, CLERK, DOCUMENTS, FORWARD, NA

pytestmark = pytest.mark.slow
GOOD = {"access": 5, "papers": 4, "officers": 5, "timeliness": 4, "result": 5}
REFUSED = "hop-thu-da-xoa@test.vn"  # the SMTP server answers 550 for it: a dead letter at once


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """conftest's server, with an e-mail channel to a real SMTP server (its mailbox in ``state["mailbox"]``)."""
    _require_browser()
    import flask_migrate
    from werkzeug.serving import make_server

    from app import create_app
    from app.bootstrap import bootstrap
    from app.clock import FrozenClock
    from app.extensions import db

    with smtp_server() as (smtp_port, mailbox):
        clock = FrozenClock(START)
        database = tmp_path_factory.mktemp("applicant-console-db") / "console.sqlite3"
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "CLOCK": clock, "SCHEDULER_ENABLED": False,
            "SECRET_KEY": "console-e2e-secret-key-0123456789-abcdefghijklmnop", "LOG_LEVEL": "WARNING",
            "DOCUMENT_STORAGE_ROOT": str(tmp_path_factory.mktemp("applicant-console-documents")),
            "DOCUMENT_STAGING_DIR": str(tmp_path_factory.mktemp("applicant-console-staging")),
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "APPLICANT_CHANNELS": {"email": {"host": "127.0.0.1", "port": smtp_port,
                                             "sender": "Một cửa <motcua@test.vn>", "timeout": 5}}})
        with app.app_context():
            flask_migrate.upgrade()
            bootstrap(session=db.session, now=clock.now(), admin_password=ADMIN_PASSWORD)
            db.session.commit()
            db.session.remove()
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield Server(url=f"http://127.0.0.1:{httpd.server_port}", app=app, clock=clock,
                         demo_password=os.environ.get("DEMO_PASSWORD") or "motcua-demo-2026",
                         state={"mailbox": mailbox})
        finally:
            httpd.shutdown()
            thread.join(timeout=5)
            with app.app_context():
                db.engine.dispose()


# --- helpers ------------------------------------------------------------------------------------------

_tokens: dict[tuple[str, str], str] = {}


def call(server, method, path, username=None, expect=(200, 201), **kwargs):
    """The API as a user; one login per user (the clock is frozen: logins are limited per minute)."""
    headers = {}
    if username:
        key = (server.url, username)
        if key not in _tokens:
            password = ADMIN_PASSWORD if username == "admin" else server.demo_password
            r = requests.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": password},
                              timeout=TIMEOUT)
            assert r.status_code == 200, r.text
            _tokens[key] = r.json()["access_token"]
        headers["Authorization"] = f"Bearer {_tokens[key]}"
    r = requests.request(method, f"{server.url}/api/v1/{path}", headers=headers, timeout=TIMEOUT, **kwargs)
    assert r.status_code in expect, (r.status_code, r.text)
    return r.json() if r.content else None


def deliver(server) -> None:
    """The scheduler's delivery pass, in the test (the server runs no scheduler)."""
    from app.extensions import db
    from app.scheduler import due_work
    with server.app.app_context():
        due_work.run_until_idle(session=db.session, worker_id="t", now=server.clock.now())
        db.session.remove()


def finished_dossier(server, **body) -> dict:
    """A dossier of NA-3857 received and taken to its end over the API (its result returned)."""
    receipt = call(server, "POST", f"procedures/{NA}/dossiers", CLERK,
                   json={"applicant": APPLICANT, "documents": DOCUMENTS, "data": {}, **body})
    for spec_id, data in FORWARD.items():
        steps = call(server, "GET", f"dossiers/{receipt['id']}", CLERK)["current_steps"]
        step = next(s for s in steps if s["spec_id"] == spec_id)
        call(server, "POST", f"tasks/{step['id']}/complete", ACTOR[spec_id], json={"data": data})
    assert call(server, "GET", f"dossiers/{receipt['id']}", CLERK)["status"] == "finished"
    return receipt


def notice_row(browser, event_name):
    """The row of the dossier page's notices table for an event (its Vietnamese name)."""
    rows = browser.find_elements("css selector", "#applicant-notices tbody tr")
    return next(r for r in rows if r.find_element("css selector", "td").text == event_name)


# --- the story ----------------------------------------------------------------------------------------

def test_clerk_asks_for_consent_and_the_received_notice_is_sent(server, browser):
    mailbox = server.state["mailbox"]
    login(browser, server, CLERK)
    go(browser, server, f"#/reception?key={NA}")
    form = wait(browser, "#reception-form")
    notify = find(browser, '#reception-form fieldset[data-field="notify"]')
    assert "Thông báo cho người nộp" in notify.text and "Thư điện tử" in notify.text
    set_input(form.find_element("name", "applicant.name"), "Nguyễn Thị Hoa")
    set_input(form.find_element("name", "applicant.phone"), "0912345678")
    set_input(form.find_element("name", "applicant.email"), "hoa.nguyen@test.vn")
    find(browser, 'input[data-notify-channel="email"]').click()
    form.find_element("css selector", "button[type=submit]").click()
    # no consent: the API's 422 is said next to the fieldset, nothing received
    error = wait(browser, '#reception-form .mf-field-error[data-error-for="notify"]')
    assert "chưa đồng ý" in error.text
    assert find(browser, "#reception-form .mf-problem").get_attribute("data-code") == "notice_consent_missing"
    shot(browser, "applicant-01-reception-consent-missing")
    find(browser, "#notify-consent").click()
    form.find_element("css selector", "button[type=submit]").click()
    code = wait(browser, "#dossier-code").text
    secret = wait(browser, "#lookup-secret").text
    assert find(browser, "#lookup-link").get_attribute("href") == f"{server.url}/tra-cuu/{code}?secret={secret}"
    shot(browser, "applicant-02-reception-received")

    find(browser, "#open-dossier").click()
    wait_text(browser, "#applicant-notices", "Tiếp nhận hồ sơ")
    row = notice_row(browser, "Tiếp nhận hồ sơ")
    assert "Thư điện tử" in row.text and "hoa.nguyen@test.vn" in row.text
    assert row.find_element("css selector", "[data-notice-status]").text == "Đang chờ gửi"
    assert not row.find_elements("css selector", "button[data-retry-notice]")  # nothing to send again
    assert not mailbox.subjects()

    deliver(server)
    browser.refresh()
    wait_text(browser, "#applicant-notices [data-notice-status]", "Đã gửi")
    assert "Đã gửi" in notice_row(browser, "Tiếp nhận hồ sơ").text
    assert mailbox.subjects() == [f"Đã tiếp nhận hồ sơ {code}"]
    assert "hoa.nguyen@test.vn" in str(mailbox.messages[0]["To"])
    browser.execute_script("document.getElementById('applicant-notices').scrollIntoView()")
    shot(browser, "applicant-03-dossier-notice-sent")


def test_leader_sends_a_dead_letter_again_and_reads_the_satisfaction_report(server, browser, tmp_path):
    mailbox = server.state["mailbox"]
    mailbox.refused.add(REFUSED)
    receipt = finished_dossier(server, applicant={**APPLICANT, "email": REFUSED},
                               notify={"channels": ["email"], "consent": True})
    deliver(server)  # the address is refused for good: dead letters at once
    failed = [n for n in call(server, "GET", f"dossiers/{receipt['id']}/applicant-notices", CHAIR)
              if n["status"] == "failed"]
    assert {n["event"] for n in failed} >= {"received", "returned"}

    login(browser, server, CHAIR)
    go(browser, server, f"#/dossiers/{receipt['id']}")
    wait_text(browser, "#applicant-notices", "Gửi lỗi")
    row = notice_row(browser, "Đã trả kết quả")
    assert "Gửi lỗi" in row.text and "SMTP" in row.text
    mailbox.refused.discard(REFUSED)  # the mailbox is back
    row.find_element("css selector", "button[data-retry-notice]").click()
    wait_text(browser, "#applicant-notices", "Đang chờ gửi")
    assert "Đang chờ gửi" in notice_row(browser, "Đã trả kết quả").text
    deliver(server)
    browser.refresh()
    wait_text(browser, "#applicant-notices", "Đã gửi")
    assert "Đã gửi" in notice_row(browser, "Đã trả kết quả").text
    assert any(s.startswith(f"Đã trả kết quả hồ sơ {receipt['code']}") for s in mailbox.subjects())

    go(browser, server, "#/reports")
    section = wait_text(browser, "#satisfaction", "Mức độ hài lòng")
    wait_text(browser, "#satisfaction-table", "Chưa có đánh giá nào trong kỳ.")
    assert find(browser, '#satisfaction input[name="from"]').get_attribute("value") == f"{START.year}-01-01"
    assert find(browser, '#satisfaction input[name="to"]').get_attribute("value") == START.date().isoformat()
    shot(browser, "applicant-04-satisfaction-empty")
    rating = call(server, "POST", f"public/dossiers/{receipt['code']}/rating",
                  json={"secret": receipt["lookup_secret"], "scores": GOOD})
    assert rating["total"] == 23
    find(browser, "#satisfaction-form button[type=submit]").click()
    table = wait_text(browser, "#satisfaction-table", "Tổng số")
    headings = [th.text for th in table.find_elements("css selector", "th")]
    assert headings[0] == "Đơn vị" and headings[1] == "Số lượt đánh giá"
    assert headings[2:7] == ["Thông tin về thủ tục được công khai đầy đủ, dễ tìm, dễ hiểu",  # Decision 766's order
                             "Giấy tờ phải nộp và số lần phải bổ sung đúng như đã công khai",
                             "Thái độ, sự hướng dẫn của công chức tiếp nhận và giải quyết",
                             "Thời gian giải quyết so với ngày hẹn trả kết quả",
                             "Kết quả giải quyết đúng quy định, đầy đủ, chính xác"]
    assert headings[-3:] == ["Điểm trung bình", "Tỷ lệ hài lòng", "Số đánh giá chưa hài lòng"]
    total = [td.text for td in table.find_elements("css selector", "tr.mf-total td")]
    assert total[:2] == ["Tổng số", "1"] and total[-3:] == ["4,60", "100%", "0"]
    assert not any(raw in section.text for raw in ("satisfied_rate", "overall", "timeliness", "null"))
    shot(browser, "applicant-05-satisfaction-by-unit")

    # by month, then the same report as a spreadsheet (fetched with the token)
    from selenium.webdriver.support.ui import Select
    Select(find(browser, '#satisfaction select[name="group_by"]')).select_by_value("month")
    find(browser, "#satisfaction-form button[type=submit]").click()
    wait_text(browser, "#satisfaction-table th", "Tháng")
    months = [r.find_element("css selector", "td").text for r in browser.find_elements("css selector", "#satisfaction-table tbody tr")]
    assert months == ["01/2026", "02/2026", "03/2026", "Tổng số"]
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    find(browser, "#satisfaction-xlsx").click()
    target = tmp_path / f"muc-do-hai-long_{START.year}-01-01_{START.date().isoformat()}.xlsx"
    deadline = time.monotonic() + TIMEOUT
    while not (target.exists() and target.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.read_bytes()[:2] == b"PK"  # an XLSX is a zip
    shot(browser, "applicant-06-satisfaction-by-month")
    find(browser, "#mf-lang").click()  # the English labels render too
    wait_text(browser, "#satisfaction", "Satisfaction")
    assert "Ratings" in find(browser, "#satisfaction-table").text
    shot(browser, "applicant-07-satisfaction-english")
    find(browser, "#mf-lang").click()
    wait_text(browser, "#satisfaction", "Mức độ hài lòng")


def test_admin_saves_a_notice_template_and_previews_it(server, browser):
    from selenium.webdriver.support.ui import Select
    login(browser, server, "admin", ADMIN_PASSWORD)
    go(browser, server, "#/notice-templates")
    form = wait(browser, "#template-form")
    wait_text(browser, "#notice-templates", "Chưa có mẫu nào được lưu")
    Select(form.find_element("name", "event")).select_by_value("received")
    assert "{ma_ho_so}" in find(browser, "#template-placeholders").text
    assert "{ly_do}" not in find(browser, "#template-placeholders").text  # not a reception's
    Select(form.find_element("name", "channel")).select_by_value("email")
    find(browser, "#template-built-in").click()  # the built-in wording, to start from
    assert form.find_element("name", "subject").get_attribute("value") == "Đã tiếp nhận hồ sơ {ma_ho_so}"
    assert form.find_element("name", "body").get_attribute("value").startswith("Kính gửi {nguoi_nop},")
    set_input(form.find_element("name", "subject"), "Hồ sơ {ma_ho_so} đã được tiếp nhận")
    set_input(form.find_element("name", "body"), "Kính gửi {nguoi_nop}, lý do: {ly_do}.")
    form.find_element("css selector", "button[type=submit]").click()
    error = wait(browser, '#template-form .mf-field-error[data-error-for="body"]')
    assert "{ly_do}" in error.text
    assert not find(browser, '[data-field="subject"]').find_elements("css selector", ".mf-field-error")
    shot(browser, "applicant-08-template-invalid")

    set_input(form.find_element("name", "body"), "Kính gửi {nguoi_nop}, hồ sơ {ma_ho_so} hẹn trả {ngay_hen_tra}.")
    find(browser, "#template-preview").click()
    wait_text(browser, "#preview-body", "Kính gửi Nguyễn Thị Hoa, hồ sơ 000.00.21.H40-260302-0001 hẹn trả")
    assert find(browser, "#preview-subject").text == "Hồ sơ 000.00.21.H40-260302-0001 đã được tiếp nhận"
    form.find_element("css selector", "button[type=submit]").click()
    wait_text(browser, "#template-form .mf-ok", "Đã lưu mẫu thông báo.")
    listed = wait_text(browser, "#notice-templates", "Hồ sơ {ma_ho_so} đã được tiếp nhận")
    assert "Tiếp nhận hồ sơ" in listed.text and "Thư điện tử" in listed.text and "mọi thủ tục" in listed.text
    saved = [t for t in call(server, "GET", "notice-templates", "admin")["templates"] if not t["built_in"]]
    assert [(t["event"], t["channel"], t["procedure_key"]) for t in saved] == [("received", "email", None)]
    shot(browser, "applicant-09-template-saved")

    find(browser, f'button[data-delete-template="{saved[0]["id"]}"]').click()
    wait_text(browser, "#notice-templates", "Chưa có mẫu nào được lưu")
    assert not [t for t in call(server, "GET", "notice-templates", "admin")["templates"] if not t["built_in"]]
