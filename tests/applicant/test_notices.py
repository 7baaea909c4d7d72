"""The applicant is told of every event of their dossier, once per event and channel, over a real SMTP server
and an HTTP provider (SMS, Zalo ZNS); a provider that is down delays a notice, never loses or repeats it.

NA-3857 (Hưng Nguyên commune), received Mon 02/03/2026 08:00, appointment Tue 31/03 08:00.
"""
from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2
from sqlalchemy import func, select

from app.applicant_notices.models import ApplicantNotice
from app.dossiers.models import Dossier
from app.extensions import db
from tests.applicant.conftest import BASE_URL
from tests.deadlines.conftest import iso, vn
from tests.dossiers.flow import APPLICANT, CHAIR, CLERK, FORWARD, NA

EMAIL = "hoa.nguyen@example.vn"
ALL = {"channels": ["email", "sms", "zalo"], "consent": True}
RECORDS = "na.hn.vanthu"


def start(flow, notify=ALL, expect=201, **applicant):
    body = {"notify": notify} if notify is not None else {}
    return flow.start(applicant={**APPLICANT, "email": EMAIL, **applicant}, expect=expect, **body)


def pdf() -> bytes:
    document = pypdfium2.PdfDocument.new()
    document.new_page(595, 842)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_every_event_of_a_dossier_reaches_the_applicant_once_per_channel(flow, smtp, provider):
    _, mailbox = smtp
    receipt = start(flow)
    dossier_id, code = receipt["id"], receipt["code"]
    assert [(n["event"], n["channel"], n["status"]) for n in flow.notices(dossier_id)] == [
        ("received", "zalo", "pending"), ("received", "sms", "pending"), ("received", "email", "pending")]
    assert flow.deliver() == 3
    assert flow.deliver() == 0 and flow.deliver("scheduler-2") == 0  # nothing twice, whoever runs the scheduler

    mail = mailbox.messages[0]
    assert mail["To"] == EMAIL and mail["Subject"] == f"Đã tiếp nhận hồ sơ {code}"
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body(("plain",)).get_content()
    assert "Kính gửi Nguyễn Thị Hoa" in text and "08:00 ngày 31/03/2026" in text and "08:00 ngày 02/03/2026" in text
    link = f"{BASE_URL}/tra-cuu/{code}?t="
    assert link in text and link in mail.get_body(("html",)).get_content()
    assert str(mail["List-Unsubscribe"]).strip().startswith(f"<{BASE_URL}/tra-cuu/{code}/thong-bao?t=")
    sms = [r for r in provider.taken if r["path"] == "/sms"]
    zalo = [r for r in provider.taken if r["path"] == "/zalo"]
    assert len(sms) == 1 and sms[0]["body"]["to"] == APPLICANT["phone"] and code in sms[0]["body"]["text"]
    assert sms[0]["headers"]["Authorization"] == "Bearer sms-key" and sms[0]["key"]
    assert zalo[0]["body"]["phone"] == "84912345678" and zalo[0]["body"]["template_id"] == "ZNS-1"
    assert zalo[0]["body"]["template_data"]["ma_ho_so"] == code and zalo[0]["headers"]["access_token"] == "zalo-token"
    notices = flow.notices(dossier_id)
    assert {n["status"] for n in notices} == {"sent"} and {n["provider_ref"] for n in notices} >= {"sms-1", "zns-2"}

    # supplement requested (form 02): what is missing, then the answer resumes it
    asked = flow.client.post(f"/api/v1/dossiers/{dossier_id}/supplement-requests", headers=flow.h(CLERK), json={
        "items": ["Bản sao chứng thực quyết định phê duyệt phương án"], "reason": "Bản sao chưa chứng thực"})
    assert asked.status_code == 201, asked.get_json()
    flow.deliver()
    assert mailbox.subjects()[-1] == f"Hồ sơ {code} cần bổ sung"
    assert "Bản sao chứng thực quyết định phê duyệt phương án" in mailbox.texts()[-1]
    answered = flow.client.post(f"/api/v1/dossiers/{dossier_id}/supplement-requests/{asked.get_json()['id']}/answer",
                                json={}, headers=flow.h(CLERK))
    assert answered.status_code == 200, answered.get_json()

    # the one extension with apology (form 04): the new date and the reason
    for spec_id in ("Step_1", "Step_2", "Step_3"):
        flow.forward(dossier_id, spec_id)
    flow.clock.set(vn(2026, 3, 27, 10))
    extended = flow.client.post(f"/api/v1/dossiers/{dossier_id}/extension", headers=flow.h(CHAIR),
                                json={"reason": "Chờ ý kiến cơ quan thuế", "new_due_at": iso(2026, 4, 10, 17)})
    assert extended.status_code == 200, extended.get_json()
    flow.deliver()
    assert mailbox.subjects()[-1] == f"Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}"
    assert "17:00 ngày 10/04/2026" in mailbox.texts()[-1] and "Chờ ý kiến cơ quan thuế" in mailbox.texts()[-1]
    assert "xin lỗi" in mailbox.texts()[-1]

    # the result is signed off at Step 6 (its paper uploaded there): "result ready", then returned at Step 7
    flow.forward(dossier_id, "Step_4")
    flow.forward(dossier_id, "Step_5")
    step6 = flow.current(dossier_id, "Step_6")
    flow.act(step6["id"], "claim", RECORDS)
    up = flow.client.post(f"/api/v1/dossiers/{dossier_id}/components/van_ban_xac_nhan/documents",
                          data={"file": (io.BytesIO(pdf()), "van-ban-xac-nhan.pdf"), "step_id": str(step6["id"])},
                          content_type="multipart/form-data", headers=flow.h(RECORDS))
    assert up.status_code == 201, up.get_json()
    flow.complete(step6["id"], RECORDS, FORWARD["Step_6"])
    flow.deliver()
    assert mailbox.subjects()[-1] == f"Hồ sơ {code} đã có kết quả"
    flow.forward(dossier_id, "Step_7")
    flow.deliver()
    assert mailbox.subjects()[-1] == f"Đã trả kết quả hồ sơ {code} — mời đánh giá"
    assert f"{BASE_URL}/tra-cuu/{code}?t=" in mailbox.texts()[-1] and "#danh-gia" in mailbox.texts()[-1]

    events = [m["Subject"] for m in mailbox.messages]
    assert len(events) == len(set(events)) == 5  # received, supplement, extended, result ready, returned
    assert len([r for r in provider.taken if r["path"] == "/sms"]) == 5
    assert [r["body"]["template_id"] for r in provider.taken if r["path"] == "/zalo"] == [
        "ZNS-1", "ZNS-2", "ZNS-3", "ZNS-4", "ZNS-5"]
    assert all(n["status"] == "sent" for n in flow.notices(dossier_id))
    assert len(flow.notices(dossier_id)) == 15


def test_refused_stopped_withdrawn_and_transferred_are_told_too(flow, smtp):
    _, mailbox = smtp
    refused = flow.client.post(f"/api/v1/procedures/{NA}/refusals", headers=flow.h(CLERK), json={
        "applicant": {**APPLICANT, "email": EMAIL}, "reason": "Không thuộc thẩm quyền của xã",
        "notify": {"channels": ["email"], "consent": True}})
    assert refused.status_code == 201, refused.get_json()
    stopped = start(flow, notify={"channels": ["email"], "consent": True})
    withdrawn = start(flow, notify={"channels": ["email"], "consent": True})
    flow.forward(stopped["id"], "Step_1")
    r = flow.client.post(f"/api/v1/dossiers/{stopped['id']}/stop", json={"reason": "Người nộp đã mất năng lực"},
                         headers=flow.h(CHAIR))
    assert r.status_code == 200, r.get_json()
    r = flow.client.post(f"/api/v1/dossiers/{withdrawn['id']}/withdraw", json={"reason": "Người nộp xin rút"},
                         headers=flow.h(CLERK))
    assert r.status_code == 200, r.get_json()
    flow.deliver()
    subjects = mailbox.subjects()
    assert f"Hồ sơ {refused.get_json()['code']} không được tiếp nhận" in subjects
    assert f"Dừng xử lý hồ sơ {stopped['code']}" in subjects and f"Đã rút hồ sơ {withdrawn['code']}" in subjects
    refusal_text = next(t for t in mailbox.texts() if "Không thuộc thẩm quyền của xã" in t)
    assert "từ chối tiếp nhận" in refusal_text


def test_a_provider_down_delays_a_notice_it_neither_loses_nor_repeats_it(flow, smtp, provider):
    _, mailbox = smtp
    provider.fail_next = 2  # two 500s, then it takes the message
    receipt = start(flow, notify={"channels": ["sms"], "consent": True})
    assert flow.deliver() == 1
    notice = flow.notices(receipt["id"])[0]
    assert notice["status"] == "pending" and notice["delivery"]["attempts"] == 1
    assert "HTTP 500" in notice["delivery"]["last_error"]
    flow.clock.advance(timedelta(seconds=29))
    assert flow.deliver() == 0  # backoff: 30 s after the first failure
    flow.clock.advance(timedelta(seconds=1))
    flow.deliver()
    flow.clock.advance(timedelta(minutes=1))
    flow.deliver()
    assert flow.notices(receipt["id"])[0]["status"] == "sent"
    assert len(provider.requests) == 3 and len(provider.taken) == 1
    assert len({r["key"] for r in provider.requests}) == 1  # every attempt carried the same idempotency key

    # down altogether (connection refused) for longer than every attempt: a dead letter, then sent again
    provider.stop()
    try:
        second = start(flow, notify={"channels": ["sms"], "consent": True})
        for _ in range(20):
            flow.deliver()
            flow.clock.advance(timedelta(hours=1))
        dead = flow.notices(second["id"])[0]
        assert dead["status"] == "failed" and dead["attempts"] == 14 and "unreachable" in dead["last_error"]
        listed = flow.client.get("/api/v1/applicant-notices?status=failed", headers=flow.h(CHAIR)).get_json()
        assert [n["id"] for n in listed] == [dead["id"]]
    finally:
        provider.start()
    retried = flow.client.post(f"/api/v1/applicant-notices/{dead['id']}/retry", headers=flow.h(CHAIR))
    assert retried.status_code == 200 and retried.get_json()["status"] == "pending"
    again = flow.client.post(f"/api/v1/applicant-notices/{dead['id']}/retry", headers=flow.h(CHAIR))
    assert again.status_code == 409 and again.get_json()["code"] == "not_retryable"
    flow.deliver()
    assert flow.notices(second["id"])[0]["status"] == "sent"
    assert len([t for t in provider.taken if second["code"] in t["body"]["text"]]) == 1
    assert mailbox.messages == []


def test_a_zalo_error_answer_is_retried_and_an_smtp_refusal_is_a_dead_letter_at_once(flow, smtp, provider):
    provider.zalo_error = -124
    receipt = start(flow, notify={"channels": ["zalo"], "consent": True})
    flow.deliver()
    notice = flow.notices(receipt["id"])[0]
    assert notice["status"] == "pending" and "Zalo ZNS error -124" in notice["delivery"]["last_error"]
    provider.zalo_error = None
    flow.clock.advance(timedelta(seconds=30))
    flow.deliver()
    assert flow.notices(receipt["id"])[0]["status"] == "sent"

    # a mailbox the mail server refuses (550) fails for good at once: a dead letter, no retry
    smtp[1].refused.add("mat@example.vn")
    try:
        bad = start(flow, notify={"channels": ["email"], "consent": True}, email="mat@example.vn")
        flow.deliver()
        failed = flow.notices(bad["id"])[0]
        assert failed["status"] == "failed" and failed["attempts"] == 1 and "refused" in failed["last_error"]
        assert failed["delivery"] is None
    finally:
        smtp[1].refused.clear()


def test_a_refused_key_is_retried_a_refused_message_is_a_dead_letter(flow, provider):
    provider.fail_next, provider.fail_status = 1, 401  # the key refused: the channel's settings, retried
    first = start(flow, notify={"channels": ["sms"], "consent": True})
    flow.deliver()
    assert flow.notices(first["id"])[0]["status"] == "pending"
    flow.clock.advance(timedelta(seconds=30))
    flow.deliver()
    assert flow.notices(first["id"])[0]["status"] == "sent"
    provider.fail_next, provider.fail_status = 1, 400  # this message refused: no retry can help
    second = start(flow, notify={"channels": ["sms"], "consent": True})
    flow.deliver()
    dead = flow.notices(second["id"])[0]
    assert dead["status"] == "failed" and dead["attempts"] == 1 and "HTTP 400" in dead["last_error"]


def test_stopping_the_notices_skips_what_is_queued_and_tells_nothing_more(flow, smtp, provider):
    _, mailbox = smtp
    receipt = start(flow, notify={"channels": ["email", "sms"], "consent": True})
    stop = flow.client.post(f"/api/v1/public/dossiers/{receipt['code']}/notices/stop",
                            json={"secret": receipt["lookup_secret"]})
    assert stop.status_code == 204
    flow.deliver()
    assert mailbox.messages == [] and provider.taken == []
    assert {n["status"] for n in flow.notices(receipt["id"])} == {"skipped"}
    flow.forward(receipt["id"], "Step_1")
    r = flow.client.post(f"/api/v1/dossiers/{receipt['id']}/withdraw", json={"reason": "Xin rút"},
                         headers=flow.h(CLERK))
    assert r.status_code == 200
    assert len(flow.notices(receipt["id"])) == 2  # nothing new announced after the opt-out
    wrong = flow.client.post(f"/api/v1/public/dossiers/{receipt['code']}/notices/stop", json={"secret": "sai"})
    assert wrong.status_code == 404


def test_reception_refuses_a_choice_it_cannot_honour_and_stores_nothing(flow):
    def count():
        with flow.app.app_context():
            return db.session.scalar(select(func.count()).select_from(Dossier)), \
                db.session.scalar(select(func.count()).select_from(ApplicantNotice))

    before = count()
    no_consent = start(flow, notify={"channels": ["email"]}, expect=422)
    assert no_consent["code"] == "notice_consent_missing"
    no_mail = flow.start(applicant=APPLICANT, notify={"channels": ["email"], "consent": True}, expect=422)
    assert no_mail["code"] == "notice_address_missing" and "applicant.email" in no_mail["detail"]
    unknown = start(flow, notify={"channels": ["fax"], "consent": True}, expect=422)
    assert unknown["code"] == "validation_failed"
    assert count() == before
    nothing = start(flow, notify={"channels": [], "consent": False})
    assert flow.notices(nothing["id"]) == []


def test_without_providers_a_channel_is_unavailable(flow, migrated_database, clock):
    from app import create_app
    from tests.conftest import _config

    plain = create_app(_config(migrated_database, clock))  # the embedded default: no provider configured
    try:
        other = type(flow)(plain, plain.test_client(), clock)
        assert other.client.get("/api/v1/applicant-notices/channels", headers=other.h(CLERK)).get_json() == []
        refused = start(other, notify={"channels": ["email"], "consent": True}, expect=422)
        assert refused["code"] == "notice_channel_unavailable" and refused["available"] == []
        assert start(other, notify=None)["code"]  # without a choice the reception is as before
    finally:
        with plain.app_context():
            db.session.remove()
            db.engine.dispose()
    listed = flow.client.get("/api/v1/applicant-notices/channels", headers=flow.h(CLERK)).get_json()
    assert [c["channel"] for c in listed] == ["email", "sms", "zalo"]


def test_templates_are_checked_when_saved_and_used_per_procedure(flow, smtp, auth):
    _, mailbox = smtp
    admin = auth.headers("admin")
    bad = flow.client.post("/api/v1/notice-templates", headers=admin, json={
        "event": "received", "body": "Hồ sơ {ma_ho_so}, hẹn mới {ngay_hen_moi}"})
    assert bad.status_code == 422 and bad.get_json()["code"] == "template_invalid"
    assert "{ngay_hen_moi}" in bad.get_json()["errors"]["body"][0]
    for body in ("{ma_ho_so.__class__}", "{ma_ho_so!r}", "{ma_ho_so:>999999}", "{0}", "Hồ sơ {ma_ho_so"):
        r = flow.client.post("/api/v1/notice-templates", headers=admin, json={"event": "received", "body": body})
        assert r.status_code == 422, body
    saved = flow.client.post("/api/v1/notice-templates", headers=admin, json={
        "event": "received", "channel": "email", "procedure_key": NA, "subject": "[Hưng Nguyên] Hồ sơ {ma_ho_so}",
        "body": "Xã Hưng Nguyên đã nhận hồ sơ {ma_ho_so} của {nguoi_nop}; hẹn {ngay_hen_tra}. {{không phải chỗ điền}}",
        "html": "<p>Xã đã nhận hồ sơ <b>{ma_ho_so}</b> của {nguoi_nop}</p>"})
    assert saved.status_code == 200, saved.get_json()
    officer = flow.client.post("/api/v1/notice-templates", headers=flow.h(CHAIR), json={
        "event": "received", "body": "x"})
    assert officer.status_code == 403
    listed = flow.client.get("/api/v1/notice-templates", headers=admin).get_json()
    received = next(e for e in listed["events"] if e["event"] == "received")
    assert "ma_ho_so" in received["placeholders"] and "ngay_hen_moi" not in received["placeholders"]

    receipt = start(flow, notify={"channels": ["email"], "consent": True}, name="Trần <Văn> An")
    flow.deliver()
    mail = mailbox.messages[-1]
    assert mail["Subject"] == f"[Hưng Nguyên] Hồ sơ {receipt['code']}"
    text = mail.get_body(("plain",)).get_content()
    assert "của Trần <Văn> An; hẹn 08:00 ngày 31/03/2026. {không phải chỗ điền}" in text
    assert "của Trần &lt;Văn&gt; An" in mail.get_body(("html",)).get_content()  # values escaped in the HTML part

    assert flow.client.delete(f"/api/v1/notice-templates/{saved.get_json()['id']}", headers=admin).status_code == 204
    second = start(flow, notify={"channels": ["email"], "consent": True})
    flow.deliver()
    assert mailbox.messages[-1]["Subject"] == f"Đã tiếp nhận hồ sơ {second['code']}"  # the built-in one again
    preview = flow.client.post("/api/v1/notice-templates/preview", headers=admin, json={
        "event": "extended", "channel": "sms", "body": "Hẹn mới {ngay_hen_moi}: {ly_do}"}).get_json()
    assert preview["body"] == "Hẹn mới 08:00 ngày 07/04/2026: Cần xác minh thêm với cơ quan liên quan"


def test_a_bad_provider_setting_is_refused_when_the_app_is_created(migrated_database, clock):
    import pytest

    from app import create_app
    from app.config import SettingsError
    from tests.conftest import _config

    base = {**_config(migrated_database, clock), "PUBLIC_BASE_URL": BASE_URL}
    for channels, words in (
            ({"fax": {}}, "unknown channels"),
            ({"email": {"host": "127.0.0.1"}}, "sender"),
            ({"email": {"host": "127.0.0.1", "sender": "motcua@x.vn", "port": 70000}}, "port"),
            ({"sms": {"adapter": "http", "url": "ftp://x", "key": "k"}}, "url"),
            ({"zalo": {"adapter": "zalo_zns", "url": "https://z", "key": "k", "templates": {"received": "1"}}},
             "template id is needed"),
            ({"sms": {"adapter": "carrier-pigeon", "url": "https://x", "key": "k"}}, "adapter")):
        with pytest.raises(SettingsError, match=words):
            create_app({**base, "APPLICANT_CHANNELS": channels})
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        create_app({**_config(migrated_database, clock),
                    "APPLICANT_CHANNELS": {"sms": {"url": "https://x", "key": "k"}}})


def test_reception_offers_exactly_the_channels_notices_know():
    from app.applicant_notices.events import CHANNELS
    from app.dossiers.schemas import NOTICE_CHANNELS

    assert NOTICE_CHANNELS == CHANNELS


def test_agency_admin_touches_only_its_own(flow, smtp, provider, auth):
    """An admin of another agency retries none of NA-HN's notices and deletes none of its templates (404)."""
    from app.org import service as org
    from tests.conftest import TEST_PASSWORD

    provider.stop()
    try:
        receipt = start(flow, notify={"channels": ["sms"], "consent": True})
        for _ in range(16):
            flow.deliver()
            flow.clock.advance(timedelta(hours=1))
    finally:
        provider.start()
    dead = flow.notices(receipt["id"])[0]
    assert dead["status"] == "failed"
    with flow.app.app_context():
        now = flow.clock.now()
        other = org.create_agency(session=db.session, agency_in={"code": "OTHER", "name": "Sở khác"}, now=now)
        org.create_officer(session=db.session, now=now, officer_in={
            "username": "other-admin", "full_name": "Other", "password": TEST_PASSWORD, "roles": ["admin"],
            "agency_id": other.id})
        db.session.commit()
    outsider, admin = auth.headers("other-admin"), auth.headers("admin")
    assert flow.client.post(f"/api/v1/applicant-notices/{dead['id']}/retry", headers=outsider).status_code == 404
    assert flow.client.post("/api/v1/applicant-notices/999999/retry", headers=outsider).status_code == 404
    saved = flow.client.post("/api/v1/notice-templates", headers=admin, json={
        "event": "received", "procedure_key": NA, "body": "Hồ sơ {ma_ho_so}"}).get_json()
    assert saved["agency_id"] is not None
    assert flow.client.delete(f"/api/v1/notice-templates/{saved['id']}", headers=outsider).status_code == 404
    everyone = flow.client.post("/api/v1/notice-templates", headers=admin, json={"event": "stopped", "body": "x"})
    assert flow.client.delete(f"/api/v1/notice-templates/{everyone.get_json()['id']}",
                              headers=outsider).status_code == 403
    assert flow.notices(receipt["id"])[0]["status"] == "failed"
    listed = flow.client.get("/api/v1/notice-templates", headers=admin).get_json()["templates"]
    assert {t["id"] for t in listed if not t["built_in"]} == {saved["id"], everyone.get_json()["id"]}
    assert flow.client.post(f"/api/v1/applicant-notices/{dead['id']}/retry", headers=admin).status_code == 200


def test_a_transfer_tells_the_applicant_where_the_dossier_went(flow, smtp):
    """The permit of NA-HN handed to CB-HA's procedure of the same national code: one notice naming it."""
    from tests.documents.driver import KEY, LANES, Docs
    from tests.documents.test_transfer import TARGET, TARGET_LANES, _publish, _transfer

    _, mailbox = smtp
    docs = Docs(flow.client, flow.clock)
    _publish(docs, KEY, "NA-HN", LANES)
    _publish(docs, TARGET, "CB-HA", TARGET_LANES)
    r = flow.client.post(f"/api/v1/procedures/{KEY}/dossiers", headers=flow.h(CLERK), json={
        "applicant": {**APPLICANT, "email": EMAIL}, "documents": [{"component": "don_de_nghi"}],
        "notify": {"channels": ["email"], "consent": True}})
    assert r.status_code == 201, r.get_json()
    dossier = r.get_json()
    _transfer(docs, dossier["id"], {"agency_id": docs.agency_id("CB-HA"), "reason": "Thuộc thẩm quyền của xã Hà An"})
    flow.deliver()
    subjects = mailbox.subjects()
    assert subjects[0] == f"Đã tiếp nhận hồ sơ {dossier['code']}"
    assert subjects[1].startswith(f"Hồ sơ {dossier['code']} được chuyển đến ") and len(subjects) == 2
    assert "Thuộc thẩm quyền của xã Hà An" in mailbox.texts()[1]
