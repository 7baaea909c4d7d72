"""The dossier's documents in the console (issue #17): the clerk receives a dossier with the scan of its required
paper through the reception checklist; the appraiser's step says what it must attach, takes the draft and
completes; the dossier page lists components, versions, signatures, and deletes a version with a reason.

Tests run in file order and share the server's state (the module's ``server.state``).
"""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.console.conftest import ARTIFACTS
from tests.console.permit import api, publish_permit
from tests.console.test_console_e2e import TIMEOUT, find, go, login, set_input, shot, wait, wait_text
from tests.documents import pki
from tests.documents.driver import APPRAISER, CHAIR, KEY, docx, png
from tests.dossiers.flow import CLERK

pytestmark = pytest.mark.slow
SIGNER = "Nguyễn Văn Hùng"


def _step(server, dossier_id, spec_id):
    steps = api(server, "GET", f"dossiers/{dossier_id}", CLERK)["current_steps"]
    return next(s for s in steps if s["spec_id"] == spec_id)


@pytest.fixture(scope="module", autouse=True)
def published(server):
    publish_permit(server)


def test_reception_with_a_scan_and_the_appraiser_attaches_the_draft(server, browser, tmp_path):
    scan = tmp_path / "Đơn đề nghị.pdf"
    scan.write_bytes(pki.make_pdf("Đơn đề nghị cấp giấy phép"))
    draft = tmp_path / "Dự thảo giấy phép.docx"
    draft.write_bytes(docx("Dự thảo giấy phép số 12"))

    # the clerk: the procedure's checklist, the required paper ticked; unticked, the API's 422 names it
    login(browser, server, CLERK)
    go(browser, server, f"#/reception?key={KEY}")
    form = wait(browser, "#reception-form")
    row = wait(browser, '#reception-components [data-field="components.don_de_nghi"]')
    assert "Đơn đề nghị cấp giấy phép" in row.text and row.find_elements("css selector", ".mf-required")
    box = find(browser, 'input[name="component.don_de_nghi"]')
    assert box.is_selected() and not find(browser, 'input[name="component.ban_ve"]').is_selected()
    assert not browser.find_elements("css selector", '[data-field="components.giay_phep"]')  # a result: not handed in
    assert not browser.find_elements("css selector", '[data-field="components.du_thao"]')  # a step makes it
    set_input(form.find_element("name", "applicant.name"), "Nguyễn Thị Hoa")
    set_input(form.find_element("name", "applicant.id_number"), "040190001234")
    box.click()
    form.find_element("css selector", "button[type=submit]").click()
    error = wait(browser, '#reception-form .mf-field-error[data-error-for="components.don_de_nghi"]')
    problem = find(browser, '#reception-form .mf-problem[data-code="component_missing"]')
    assert "Đơn đề nghị cấp giấy phép" in problem.text and "Đơn đề nghị cấp giấy phép" in error.text
    assert "don_de_nghi" not in problem.text + error.text
    shot(browser, "documents-01-reception-missing")
    # the scan attached: its box ticks itself, the reception goes as multipart with the file
    find(browser, 'input[type=file][data-file="don_de_nghi"]').send_keys(str(scan))
    assert box.is_selected()
    form.find_element("css selector", "button[type=submit]").click()
    code = wait(browser, "#dossier-code").text
    assert "Đơn đề nghị cấp giấy phép" in wait(browser, "#reception-papers").text
    shot(browser, "documents-02-reception-receipt")
    dossier_id = int(find(browser, "#open-dossier").get_attribute("href").rsplit("/", 1)[1])
    server.state.update(dossier_id=dossier_id, code=code)
    current = {c["key"]: c["current"] for c in api(server, "GET", f"dossiers/{dossier_id}/components", CLERK)}
    assert current["don_de_nghi"]["filename"] == scan.name and current["don_de_nghi"]["kind"] == "pdf"
    api(server, "POST", f"tasks/{_step(server, dossier_id, 'Tiep_nhan')['id']}/complete", CLERK, json={"data": {}})

    # the appraiser: the step says what it must attach; completing without it is the API's 422
    work = _step(server, dossier_id, "Tham_dinh")
    login(browser, server, APPRAISER)
    go(browser, server, f"#/tasks/{work['id']}")
    card = wait(browser, "#step-produces")
    assert "Bước này phải đính kèm: Dự thảo giấy phép" in card.text and "Chưa có tệp" in card.text
    find(browser, "#complete").click()
    refused = wait(browser, '#complete-form .mf-problem[data-code="document_missing"]')
    assert "phải đính kèm" in refused.text and "produces" not in refused.text
    card.find_element("css selector", 'input[type=file][data-upload-file="du_thao"]').send_keys(str(draft))
    card.find_element("css selector", 'button[data-upload-button="du_thao"]').click()
    wait_text(browser, "#task-documents .mf-doc-messages", "phiên bản 1")
    card = wait_text(browser, "#step-produces", draft.name)
    assert find(browser, '#step-produces [data-version-count="du_thao"]').text == "1"
    card.find_element("css selector", 'button[data-versions="du_thao"]').click()
    assert "Phiên bản 1" in wait(browser, '#step-produces table[data-versions-of="du_thao"]').text
    assert "Thẩm định, dự thảo giấy phép" in find(browser, '#step-produces table[data-versions-of="du_thao"]').text
    shot(browser, "documents-03-step-attached")
    find(browser, "#complete").click()
    wait(browser, "#task-done")
    listed = api(server, "GET", f"dossiers/{dossier_id}/documents", CLERK)
    attached = next(d for d in listed if d["component"] == "du_thao")
    assert (attached["version"], attached["step_id"], attached["uploaded_by"]["username"]) == (1, work["id"], APPRAISER)
    assert _step(server, dossier_id, "Ky_duyet")["status"] == "ready"


def test_the_dossier_page_lists_versions_signatures_and_deletes_with_a_reason(server, browser, tmp_path):
    dossier_id = server.state["dossier_id"]
    # the chair attaches a signed permit whose CA the agency does not trust (yet)
    now = server.clock.now()
    authority = pki.make_ca(not_before=now - timedelta(days=365), not_after=now + timedelta(days=3650))
    signer = pki.issue_signer(authority, SIGNER, not_before=now - timedelta(days=30), not_after=now + timedelta(days=700))
    signed = pki.sign_pdf(pki.make_pdf("Giấy phép số 12"), signer, signing_time=now)
    sign = _step(server, dossier_id, "Ky_duyet")
    permit = api(server, "POST", f"dossiers/{dossier_id}/components/giay_phep/documents", CHAIR,
                  files={"file": ("Giấy phép số 12.pdf", signed, "application/pdf")}, data={"step_id": str(sign["id"])})
    assert permit["signature_status"] == "untrusted"

    login(browser, server, CLERK)
    go(browser, server, f"#/dossiers/{dossier_id}")
    verdict = wait(browser, '#dossier-components tr[data-component="giay_phep"] [data-signature="untrusted"]')
    assert "Chưa được tin cậy" in verdict.text and SIGNER in verdict.text
    assert SIGNER in verdict.get_attribute("title")
    row = find(browser, '#dossier-components tr[data-component="don_de_nghi"]')
    assert "Bắt buộc" in row.text and "Đã nộp" in row.text and "Đơn đề nghị.pdf" in row.text
    permit_row = find(browser, '#dossier-components tr[data-component="giay_phep"]')
    assert "Kết quả" in permit_row.text
    assert not permit_row.find_elements("css selector", "button[data-delete]")  # the chair's step's: not the desk's
    assert "Bản sao · 2 bản" in find(browser, '#dossier-components tr[data-component="ban_ve"]').text

    # a Word file where only scans are taken: the API's 415 detail, in the component's form
    wrong = tmp_path / "don.docx"
    wrong.write_bytes(docx("không phải bản quét"))
    row.find_element("css selector", 'input[type=file][data-upload-file="don_de_nghi"]').send_keys(str(wrong))
    row.find_element("css selector", 'button[data-upload-button="don_de_nghi"]').click()
    problem = wait(browser, '#dossier-components form[data-upload="don_de_nghi"] .mf-problem')
    assert problem.get_attribute("data-code") and problem.text.strip()
    shot(browser, "documents-04-dossier-wrong-type")
    # a drawing past the component's 4 KB: the API's 413 detail
    big = tmp_path / "ban-ve.pdf"
    big.write_bytes(pki.make_pdf("bản vẽ " * 1500))
    drawing = find(browser, '#dossier-components tr[data-component="ban_ve"]')
    drawing.find_element("css selector", 'input[type=file][data-upload-file="ban_ve"]').send_keys(str(big))
    drawing.find_element("css selector", 'button[data-upload-button="ban_ve"]').click()
    too_large = wait(browser, '#dossier-components form[data-upload="ban_ve"] .mf-problem[data-code="file_too_large"]')
    assert "Bản vẽ thiết kế" in too_large.text
    # a photo instead: version 2
    photo = tmp_path / "Ảnh chụp đơn.png"
    photo.write_bytes(png())
    row = find(browser, '#dossier-components tr[data-component="don_de_nghi"]')
    row.find_element("css selector", 'input[type=file][data-upload-file="don_de_nghi"]').send_keys(str(photo))
    row.find_element("css selector", 'button[data-upload-button="don_de_nghi"]').click()
    wait_text(browser, "#dossier-components .mf-doc-messages", "phiên bản 2")
    row = wait_text(browser, '#dossier-components tr[data-component="don_de_nghi"]', photo.name)
    assert find(browser, '#dossier-components [data-version-count="don_de_nghi"]').text == "2"

    # delete version 2, with a reason (asked for in the page, not by window.prompt)
    row.find_element("css selector", "button[data-delete]").click()
    confirm = wait(browser, "#dossier-components form.mf-doc-delete")
    confirm.find_element("css selector", "button[type=submit]").click()
    wait(browser, '#dossier-components form.mf-doc-delete .mf-field-error[data-error-for="reason"]')
    set_input(confirm.find_element("name", "reason"), "Chụp nhầm trang")
    confirm.find_element("css selector", "button[type=submit]").click()
    wait_text(browser, "#dossier-components .mf-doc-messages", "Đã xoá")
    row = wait_text(browser, '#dossier-components tr[data-component="don_de_nghi"]', "Đơn đề nghị.pdf")
    row.find_element("css selector", 'button[data-versions="don_de_nghi"]').click()
    deleted = wait(browser, '#dossier-components table[data-versions-of="don_de_nghi"] tr.mf-deleted[data-version="2"]')
    assert deleted.find_element("css selector", "del").text == photo.name and "Chụp nhầm trang" in deleted.text
    find(browser, '#dossier-components tr[data-component="giay_phep"] button[data-versions="giay_phep"]').click()
    wait(browser, '#dossier-components table[data-versions-of="giay_phep"]')
    size = browser.get_window_size()
    browser.set_window_size(1400, 2000)  # the whole section in one picture
    browser.execute_script("document.getElementById('dossier-components').scrollIntoView()")
    shot(browser, "documents-05-dossier-components")
    browser.save_screenshot("/tmp/console_documents.png")
    browser.set_window_size(size["width"], size["height"])

    # the current scan downloads with the bearer token, under its own name
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path / "dl")})
    row = find(browser, '#dossier-components tr[data-component="don_de_nghi"]')
    row.find_element("css selector", "[data-current] button[data-download]").click()
    target = tmp_path / "dl" / "Đơn đề nghị.pdf"
    deadline = time.monotonic() + TIMEOUT
    while not (target.exists() and target.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.read_bytes() == pki.make_pdf("Đơn đề nghị cấp giấy phép")
    versions = {(d["component"], d["version"]): d for d in api(server, "GET", f"dossiers/{dossier_id}/documents", CLERK)}
    assert versions[("don_de_nghi", 2)]["delete_reason"] == "Chụp nhầm trang"
    assert ARTIFACTS.exists()
