"""The dossier's documents end to end over the API: components, uploads, versions, what steps produce,
signatures, results through the public lookup, reuse, and every refusal leaving nothing half-recorded."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import func, select

from app.documents.models import Document, StoredFile
from app.dossiers.models import Dossier
from app.extensions import db
from tests.documents import pki
from tests.documents.driver import APPRAISER, BPMN, CHAIR, COMPONENTS, KEY, Docs, docx, png
from tests.dossiers.flow import APPLICANT, CLERK


@pytest.fixture()
def docs(demo, client, clock) -> Docs:
    driver = Docs(client, clock)
    driver.publish()
    return driver


@pytest.fixture()
def ca(clock):
    now = clock.now()
    authority = pki.make_ca(not_before=now - timedelta(days=365), not_after=now + timedelta(days=3650))
    signer = pki.issue_signer(authority, "Nguyễn Văn Hùng", not_before=now - timedelta(days=30),
                              not_after=now + timedelta(days=700))
    return authority, signer


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- components travel with the version -------------------------------------------------------------

def test_components_are_checked_at_the_door_and_frozen_once_submitted(demo, client, clock):
    d = Docs(client, clock)
    without = d.upload_procedure(components=[c for c in COMPONENTS if c["key"] != "giay_phep"])
    assert not without["publishable"]
    unknown = [e for e in without["errors"] if e["code"] == "component_unknown"]
    assert [e["element_id"] for e in unknown] == ["Ky_duyet"] and unknown[0]["line"]
    r = client.put(f"/api/v1/process-definitions/{KEY}/versions/1/components", json=COMPONENTS, headers=d.admin)
    assert r.status_code == 200 and r.get_json()["publishable"], r.get_json()
    shown = client.get(f"/api/v1/process-definitions/{KEY}/versions/1/components", headers=d.admin).get_json()
    assert [c["key"] for c in shown] == ["don_de_nghi", "ban_ve", "du_thao", "giay_phep"]
    assert shown[1] == {**shown[1], "copy_kind": "ban_sao", "copies": 2, "max_bytes": 4096, "required": False}
    bad = client.put(f"/api/v1/process-definitions/{KEY}/versions/1/components",
                     json=[{"key": "a", "name": "A", "result": True, "required": True}], headers=d.admin)
    assert bad.status_code == 422 and bad.get_json()["code"] == "components_invalid"
    twice = client.put(f"/api/v1/process-definitions/{KEY}/versions/1/components",
                       json=[{"key": "a", "name": "A"}, {"key": "a", "name": "B"}], headers=d.admin)
    assert twice.status_code == 422 and "components[1].key" in twice.get_json()["errors"]
    assert client.post(f"/api/v1/process-definitions/{KEY}/versions/1/submit", headers=d.admin).status_code == 200
    frozen = client.put(f"/api/v1/process-definitions/{KEY}/versions/1/components", json=COMPONENTS, headers=d.admin)
    assert frozen.status_code == 409


def test_an_amendment_keeps_the_components_and_the_catalog_lists_them(docs, client):
    r = client.post(f"/api/v1/process-definitions?agency_id={docs.agency_id()}",
                    headers={**docs.admin, "Content-Type": "application/xml"}, data=BPMN.read_bytes())
    assert r.status_code == 201 and r.get_json()["version"] == 2
    assert [c["key"] for c in r.get_json()["components"]] == [c["key"] for c in COMPONENTS]
    entry = next(e for e in client.get("/api/v1/procedures", headers=docs.h(CLERK)).get_json() if e["key"] == KEY)
    assert [c["name"] for c in entry["components"]][0] == "Đơn đề nghị cấp giấy phép"
    assert {s["id"]: s["produces"] for s in entry["steps"]}["Ky_duyet"] == "giay_phep"


# --- reception ---------------------------------------------------------------------------------------

def test_a_reception_missing_a_required_component_is_a_422_naming_it(docs, app):
    before = _count(app, Dossier)
    refused = docs.receive(documents=[{"component": "ban_ve"}], expect=422)
    assert refused["code"] == "component_missing" and "Đơn đề nghị cấp giấy phép" in refused["detail"]
    assert refused["errors"] == {"documents": ["don_de_nghi"]}
    assert docs.receive(documents=[{"component": "nope"}], expect=422)["code"] == "component_unknown"
    assert _count(app, Dossier) == before
    receipt = docs.receive(documents=[{"component": "don_de_nghi"}, {"component": "ban_ve"}, {"name": "Ảnh chân dung"}])
    assert [(p["name"], p["copy_kind"], p["copies"]) for p in receipt["documents"]] == [
        ("Đơn đề nghị cấp giấy phép", "ban_chinh", 1), ("Bản vẽ thiết kế", "ban_sao", 2), ("Ảnh chân dung", "ban_chinh", 1)]
    html = docs.client.get(f"/api/v1/dossiers/{receipt['id']}/receipt?format=html", headers=docs.h(CLERK)).text
    assert "Bản vẽ thiết kế" in html
    desk = docs.dossier(receipt["id"])["receiving_unit"]  # the desk and the deciding agency, two facts
    assert desk["code"] == "NA-HN-TTPVHCC-MC" and receipt["receiving_unit"] == desk["name"]


def test_a_reception_with_its_files_and_a_refused_file_means_no_dossier(docs, app):
    pdf = pki.make_pdf("Đơn đề nghị")
    receipt = docs.receive_with({"don_de_nghi": (pdf, "Đơn đề nghị.pdf")})
    assert [p["name"] for p in receipt["documents"]] == ["Đơn đề nghị cấp giấy phép"]  # form 01 lists it
    components = docs.client.get(f"/api/v1/dossiers/{receipt['id']}/components", headers=docs.h(CLERK)).get_json()
    current = {c["key"]: c["current"] for c in components}
    assert current["don_de_nghi"]["filename"] == "Đơn đề nghị.pdf" and current["don_de_nghi"]["kind"] == "pdf"
    assert current["don_de_nghi"]["step_id"] is None and current["du_thao"] is None
    assert {c["key"]: c["produced_at"] for c in components}["giay_phep"] == ["Ky_duyet"]
    before, stored = _count(app, Dossier), _count(app, Document)
    exe = b"MZ\x90\x00" + b"\x00" * 200
    refused = docs.receive_with({"don_de_nghi": (pdf, "a.pdf"), "ban_ve": (exe, "ban_ve.pdf")}, expect=422)
    assert refused["code"] == "file_executable"
    assert (_count(app, Dossier), _count(app, Document)) == (before, stored)
    # a reception the checklist refuses stores none of its files
    files_before = sorted(app.extensions["motcua.storage"].keys())
    missing = docs.receive_with({"ban_ve": (pki.make_pdf("bản vẽ mới"), "ban_ve.pdf")}, expect=422)
    assert missing["code"] == "component_missing"
    assert sorted(app.extensions["motcua.storage"].keys()) == files_before


# --- files at steps, versions, what a step produces -----------------------------------------------------

def test_officers_add_files_step_by_step_and_a_step_needs_what_it_produces(docs, app):
    dossier = docs.receive()
    work = docs.step(dossier["id"], "Tham_dinh")
    assert work["produces"] == "du_thao"
    missing = docs.complete(work["id"], APPRAISER, {}, expect=422)
    assert missing["code"] == "document_missing" and missing["errors"] == {"produces": ["du_thao"]}
    assert docs.upload(dossier["id"], "du_thao", docx(), "du-thao.docx", APPRAISER, expect=403)["code"] == "step_required"
    first = docs.upload(dossier["id"], "du_thao", docx("v1"), "Dự thảo.docx", APPRAISER, step_id=work["id"], note="bản đầu")
    second = docs.upload(dossier["id"], "du_thao", docx("v2"), "Dự thảo (sửa).docx", APPRAISER, step_id=work["id"])
    assert (first["version"], second["version"], first["kind"], first["uploaded_by"]["username"]) == (1, 2, "docx", APPRAISER)
    assert first["note"] == "bản đầu" and second["step_id"] == work["id"]
    docs.complete(work["id"], APPRAISER, {})
    sign = docs.step(dossier["id"], "Ky_duyet")
    # the appraiser's step is done: attaching at it now, or at a step of another unit, is refused
    assert docs.upload(dossier["id"], "du_thao", docx(), "x.docx", APPRAISER, step_id=work["id"], expect=409)["code"] == "step_completed"
    assert docs.upload(dossier["id"], "du_thao", docx(), "x.docx", APPRAISER, step_id=sign["id"], expect=403)["code"] == "not_your_unit"
    other = docs.receive()
    wrong = docs.upload(other["id"], "du_thao", docx(), "x.docx", CHAIR, step_id=sign["id"], expect=422)
    assert wrong["code"] == "step_not_in_dossier"
    listed = docs.client.get(f"/api/v1/dossiers/{dossier['id']}/documents", headers=docs.h(CHAIR)).get_json()
    assert [(d["component"], d["version"]) for d in listed] == [("du_thao", 1), ("du_thao", 2)]


def test_the_signed_decision_is_verified_and_returned_to_the_applicant(docs, client, ca):
    authority, signer = ca
    receipt = docs.receive()
    dossier_id, secret = receipt["id"], receipt["lookup_secret"]
    work = docs.step(dossier_id, "Tham_dinh")
    docs.upload(dossier_id, "du_thao", docx(), "du-thao.docx", APPRAISER, step_id=work["id"])
    docs.complete(work["id"], APPRAISER, {})
    sign = docs.step(dossier_id, "Ky_duyet")
    unsigned = docs.upload(dossier_id, "giay_phep", pki.make_pdf("Giấy phép"), "Giấy phép.pdf", CHAIR, step_id=sign["id"])
    assert unsigned["signature_status"] is None
    assert docs.complete(sign["id"], CHAIR, {}, expect=422)["code"] == "signature_required"
    signed = pki.sign_pdf(pki.make_pdf("Giấy phép số 12"), signer, signing_time=docs.clock.now())
    untrusted = docs.upload(dossier_id, "giay_phep", signed, "Giấy phép.pdf", CHAIR, step_id=sign["id"])
    assert untrusted["signature_status"] == "untrusted" and untrusted["signatures"][0]["signer"] == "Nguyễn Văn Hùng"
    refused = docs.complete(sign["id"], CHAIR, {}, expect=422)
    assert refused["code"] == "signature_required" and "tin cậy" in refused["detail"]
    docs.trust(pki.ca_pem(authority))
    modified = docs.upload(dossier_id, "giay_phep", pki.append_change(signed), "GP.pdf", CHAIR, step_id=sign["id"])
    assert modified["signature_status"] == "modified"
    assert docs.complete(sign["id"], CHAIR, {}, expect=422)["code"] == "signature_required"
    valid = docs.upload(dossier_id, "giay_phep", signed, "Giấy phép số 12.pdf", CHAIR, step_id=sign["id"])
    before_signing = client.get(f"/api/v1/public/dossiers/{receipt['code']}?secret={secret}").get_json()
    assert before_signing["results"] == []  # the signer's step is still open: not the result yet
    report = valid["signatures"][0]
    assert valid["signature_status"] == "valid" and report["trusted"] and report["intact"]
    assert report["covers_whole_file"] and not report["modified_after_signing"]
    docs.complete(sign["id"], CHAIR, {})
    sheet = client.get(f"/api/v1/dossiers/{dossier_id}/control-sheet", headers=docs.h(CLERK)).get_json()
    assert [(d["component"], d["version"], d["signature_status"]) for d in sheet["documents"]][-1] == ("giay_phep", 4, "valid")
    assert sheet["documents"][-1]["signers"] == ["Nguyễn Văn Hùng"] and sheet["documents"][0]["step"] == "Tham_dinh"
    html = client.get(f"/api/v1/dossiers/{dossier_id}/control-sheet?format=html", headers=docs.h(CLERK)).text
    assert "Chữ ký số hợp lệ: Nguyễn Văn Hùng" in html
    # the applicant sees the result, and only the result
    lookup = client.get(f"/api/v1/public/dossiers/{receipt['code']}?secret={secret}").get_json()
    assert lookup["results"] == [{"id": valid["id"], "name": "Giấy phép số 12.pdf", "size": len(signed), "signed": True}]
    got = client.get(f"/api/v1/public/dossiers/{receipt['code']}/results/{valid['id']}/content?secret={secret}")
    assert got.status_code == 200 and got.data == signed and got.headers["ETag"] == f'"{valid["sha256"]}"'
    assert "filename*=UTF-8''Gi%E1%BA%A5y%20ph%C3%A9p" in got.headers["Content-Disposition"]
    draft = docs.client.get(f"/api/v1/dossiers/{dossier_id}/documents", headers=docs.h(CLERK)).get_json()[0]
    assert draft["component"] == "du_thao"
    hidden = client.get(f"/api/v1/public/dossiers/{receipt['code']}/results/{draft['id']}/content?secret={secret}")
    assert hidden.status_code == 404
    wrong = client.get(f"/api/v1/public/dossiers/{receipt['code']}/results/{valid['id']}/content?secret=nope")
    assert wrong.status_code == 404


# --- download ----------------------------------------------------------------------------------------

def test_download_is_streamed_with_etag_and_ranges(docs):
    dossier = docs.receive()
    content = pki.make_pdf("x" * 400)
    doc = docs.upload(dossier["id"], "don_de_nghi", content, "don.pdf")
    whole = docs.content(dossier["id"], doc["id"])
    assert whole.status_code == 200 and whole.data == content and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Type"] == "application/pdf"
    assert docs.content(dossier["id"], doc["id"], **{"If-None-Match": whole.headers["ETag"]}).status_code == 304
    part = docs.content(dossier["id"], doc["id"], Range="bytes=5-14")
    assert part.status_code == 206 and part.data == content[5:15]
    assert part.headers["Content-Range"] == f"bytes 5-14/{len(content)}"
    tail = docs.content(dossier["id"], doc["id"], Range="bytes=-7")
    assert tail.status_code == 206 and tail.data == content[-7:]
    assert docs.content(dossier["id"], doc["id"], Range=f"bytes={len(content) + 5}-").status_code == 416
    stale = docs.content(dossier["id"], doc["id"], Range="bytes=0-3", **{"If-Range": '"other"'})
    assert stale.status_code == 200 and stale.data == content
    other = docs.receive()
    assert docs.content(other["id"], doc["id"]).status_code == 404  # another dossier's document is none of this one's


def test_a_file_is_stored_once_whatever_the_dossiers(docs, app):
    content = png()
    first, second = docs.receive(), docs.receive()
    a = docs.upload(first["id"], "don_de_nghi", content, "anh.png")
    b = docs.upload(second["id"], "don_de_nghi", content, "ảnh chụp.png")
    assert a["sha256"] == b["sha256"] and a["kind"] == "png"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.sha256 == a["sha256"])) == 1
        store = app.extensions["motcua.storage"]
        assert store.stat(a["sha256"]) == len(content)


# --- refusals ----------------------------------------------------------------------------------------

def test_oversized_wrong_kind_bad_name_and_closed_dossier_are_clear_refusals(docs, app):
    dossier = docs.receive()
    staging = app.config["DOCUMENT_STAGING_DIR"]
    big = docs.upload(dossier["id"], "ban_ve", b"%PDF-1.4\n" + b"0" * 9000, "ban-ve.pdf", expect=413)
    assert big["code"] == "file_too_large" and big["max_bytes"] == 4096
    wrong = docs.upload(dossier["id"], "don_de_nghi", docx(), "don.pdf", expect=415)
    assert wrong["code"] == "type_not_allowed"
    path = docs.upload(dossier["id"], "don_de_nghi", png(), "../../etc/passwd.png", expect=422)
    assert path["code"] == "filename_invalid"
    assert docs.upload(dossier["id"], "nope", png(), "a.png", expect=422)["code"] == "component_unknown"
    r = docs.client.post(f"/api/v1/dossiers/{dossier['id']}/withdraw", json={"reason": "Người nộp rút"},
                         headers=docs.h(CLERK))
    assert r.status_code == 200
    assert docs.upload(dossier["id"], "don_de_nghi", png(), "a.png", expect=409)["code"] == "dossier_closed"
    assert _count(app, Document) == 0
    from pathlib import Path
    assert not list(Path(staging).glob("upload-*"))


def test_a_body_past_the_limit_is_refused_from_its_length_before_it_is_read(docs, app):
    import io

    dossier = docs.receive()

    class Endless(io.RawIOBase):
        read_bytes = 0

        def readable(self):
            return True

        def read(self, size=-1):
            self.read_bytes += max(size, 0)
            return b"x" * max(size, 0)

    body = Endless()
    r = docs.client.post(f"/api/v1/dossiers/{dossier['id']}/components/ban_ve/documents",
                         headers={**docs.h(CLERK), "Content-Type": "multipart/form-data; boundary=b"},
                         environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(10 * 1024 * 1024)})
    assert r.status_code == 413 and r.get_json()["code"] == "file_too_large"
    assert body.read_bytes == 0


def test_an_interrupted_upload_leaves_nothing(docs, app):
    import io
    from pathlib import Path

    dossier = docs.receive()
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
            b"Content-Type: image/png\r\n\r\n" + png()[:20])
    r = docs.client.post(f"/api/v1/dossiers/{dossier['id']}/components/don_de_nghi/documents",
                         input_stream=io.BytesIO(body),
                         headers={**docs.h(CLERK), "Content-Type": "multipart/form-data; boundary=b",
                                  "Content-Length": str(len(body) + 5000)})
    assert 400 <= r.status_code < 500
    assert _count(app, Document) == 0 and _count(app, StoredFile) == 0
    assert not list(Path(app.config["DOCUMENT_STAGING_DIR"]).glob("upload-*"))


def test_a_store_that_is_down_is_a_503_with_nothing_recorded(docs, app):
    import socket

    from app.documents.storage import S3Storage

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dossier = docs.receive()
    app.extensions["motcua.storage"] = S3Storage(bucket="motcua", endpoint_url=f"http://127.0.0.1:{port}",
                                                 access_key="test", secret_key="test")
    r = docs.upload(dossier["id"], "don_de_nghi", png(), "a.png", expect=503)
    assert r["code"] == "storage_unavailable"
    assert _count(app, Document) == 0 and _count(app, StoredFile) == 0


# --- delete, reuse, audit ----------------------------------------------------------------------------

def test_delete_is_soft_and_audited(docs, client):
    dossier = docs.receive()
    one = docs.upload(dossier["id"], "don_de_nghi", png(), "a.png")
    two = docs.upload(dossier["id"], "don_de_nghi", pki.make_pdf(), "b.pdf")
    url = f"/api/v1/dossiers/{dossier['id']}/documents/{two['id']}"
    r = client.delete(url, json={"reason": "Quét nhầm trang"}, headers=docs.h(CLERK))
    assert r.status_code == 200 and r.get_json()["delete_reason"] == "Quét nhầm trang"
    assert r.get_json()["deleted_by"]["username"] == CLERK
    assert client.delete(url, json={"reason": "lần nữa"}, headers=docs.h(CLERK)).status_code == 409
    components = client.get(f"/api/v1/dossiers/{dossier['id']}/components", headers=docs.h(CLERK)).get_json()
    shown = next(c for c in components if c["key"] == "don_de_nghi")
    assert shown["current"]["id"] == one["id"] and shown["versions"] == 2
    assert docs.content(dossier["id"], two["id"]).status_code == 200  # kept for the trail
    audit = client.get(f"/api/v1/audit?object_type=dossier&object_id={dossier['id']}", headers=docs.admin).get_json()
    assert [e["action"] for e in audit if e["action"].startswith("document.")] == [
        "document.delete", "document.upload", "document.upload"]


def test_a_digitised_document_is_reused_for_the_same_applicant(docs, client):
    first = docs.receive()
    scan = docs.upload(first["id"], "don_de_nghi", png(), "CCCD.png")
    later = docs.receive()
    offered = client.get(f"/api/v1/documents/reusable?id_number={APPLICANT['id_number']}", headers=docs.h(CLERK))
    assert [d["id"] for d in offered.get_json()] == [scan["id"]]
    url = f"/api/v1/dossiers/{later['id']}/components/don_de_nghi/reuse"
    reused = client.post(url, json={"document_id": scan["id"]}, headers=docs.h(CLERK))
    assert reused.status_code == 201, reused.get_json()
    body = reused.get_json()
    assert body["sha256"] == scan["sha256"] and body["origin"]["document_id"] == scan["id"]
    assert body["origin"]["dossier_id"] == first["id"] and body["origin"]["uploaded_by"]["username"] == CLERK
    someone_else = docs.receive(applicant={**APPLICANT, "id_number": "001099000111"})
    other = client.post(f"/api/v1/dossiers/{someone_else['id']}/components/don_de_nghi/reuse",
                        json={"document_id": scan["id"]}, headers=docs.h(CLERK))
    assert other.status_code == 422 and other.get_json()["code"] == "applicant_mismatch"
    bad_kind = client.post(f"/api/v1/dossiers/{later['id']}/components/du_thao/reuse",
                           json={"document_id": scan["id"]}, headers=docs.h(CLERK))
    assert bad_kind.status_code == 415


def test_trust_anchors_are_checked_at_the_door(docs, client, ca):
    authority, signer = ca
    url = f"/api/v1/agencies/{docs.agency_id()}/trust-anchors"
    leaf = client.post(url, json={"pem": signer.cert.public_bytes(Encoding.PEM).decode()}, headers=docs.admin)
    assert leaf.status_code == 422 and leaf.get_json()["code"] == "anchor_not_ca"
    garbage = client.post(url, json={"pem": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"},
                          headers=docs.admin)
    assert garbage.status_code == 422
    added = docs.trust(pki.ca_pem(authority))
    assert "Tổ chức chứng thực thử nghiệm" in added["subject"]
    assert client.post(url, json={"pem": pki.ca_pem(authority).decode()}, headers=docs.admin).status_code == 409
    assert client.post(url, json={"pem": pki.ca_pem(authority).decode()}, headers=docs.h(CLERK)).status_code == 403
    assert [a["id"] for a in client.get(url, headers=docs.admin).get_json()] == [added["id"]]
    assert client.delete(f"{url}/{added['id']}", headers=docs.admin).status_code == 204


def test_the_integrity_check_finds_a_file_altered_in_the_store(docs, app):
    dossier = docs.receive()
    doc = docs.upload(dossier["id"], "don_de_nghi", png(), "a.png")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["documents", "check"])
    assert ok.exit_code == 0, ok.output
    path = app.extensions["motcua.storage"].local_path(doc["sha256"])
    path.write_bytes(b"changed")
    bad = runner.invoke(args=["documents", "check"])
    assert bad.exit_code == 1 and doc["sha256"] in bad.output


def test_health_says_whether_the_file_store_works(docs, app, client):
    from app.documents.storage import S3Storage

    body = client.get("/api/v1/health").get_json()
    assert (body["documents"], body["documents_backend"], body["status"]) == ("ok", "local", "ok")
    app.extensions["motcua.storage"] = S3Storage(bucket="motcua", endpoint_url="http://127.0.0.1:9",
                                                 access_key="test", secret_key="test")
    body = client.get("/api/v1/health").get_json()
    assert (body["documents"], body["status"]) == ("unavailable", "degraded")


def test_a_backup_carries_the_files_and_a_restore_puts_them_back(docs, app, tmp_path):
    dossier = docs.receive()
    doc = docs.upload(dossier["id"], "don_de_nghi", pki.make_pdf("sao lưu"), "don.pdf")
    runner = app.test_cli_runner()
    made = runner.invoke(args=["backup", "create", str(tmp_path / "b.backup")])
    assert made.exit_code == 0, made.output
    assert "1 stored files written" in made.output
    store = app.extensions["motcua.storage"]
    store.delete(doc["sha256"])
    assert runner.invoke(args=["documents", "check"]).exit_code == 1
    restored = runner.invoke(args=["backup", "restore", "--yes", str(tmp_path / "b.backup")])
    assert restored.exit_code == 0, restored.output
    assert "1 stored files restored" in restored.output
    assert runner.invoke(args=["documents", "check"]).exit_code == 0
    assert docs.content(dossier["id"], doc["id"]).data == pki.make_pdf("sao lưu")


def test_concurrent_uploads_to_one_component_become_successive_versions(docs, app):
    """Real threads: the dossier's row lock orders them; same bytes twice is no conflict on the stored file."""
    import io
    import threading

    dossier = docs.receive()
    headers = docs.h(CLERK)
    n = 4
    barrier, results = threading.Barrier(n), [None] * n
    content = png()

    def worker(i: int) -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            r = client.post(f"/api/v1/dossiers/{dossier['id']}/components/don_de_nghi/documents",
                            data={"file": (io.BytesIO(content), f"anh-{i}.png")}, content_type="multipart/form-data",
                            headers=headers)
            results[i] = (r.status_code, r.get_json())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [status for status, _ in results] == [201] * n, results
    assert sorted(body["version"] for _, body in results) == list(range(1, n + 1))
    assert _count(app, StoredFile) == 1


def test_another_agencys_officer_sees_no_document_of_the_dossier(docs, client):
    dossier = docs.receive()
    doc = docs.upload(dossier["id"], "don_de_nghi", png(), "a.png")
    outsider = docs.h("cb.snv.xdcq.chuyenvien")
    for url in (f"/api/v1/dossiers/{dossier['id']}/components", f"/api/v1/dossiers/{dossier['id']}/documents",
                f"/api/v1/dossiers/{dossier['id']}/documents/{doc['id']}/content"):
        assert client.get(url, headers=outsider).status_code == 404, url
    upload = client.post(f"/api/v1/dossiers/{dossier['id']}/components/don_de_nghi/documents", headers=outsider,
                         data={"file": (io.BytesIO(png()), "x.png")}, content_type="multipart/form-data")
    assert upload.status_code in (403, 404)
    offered = client.get(f"/api/v1/documents/reusable?id_number={APPLICANT['id_number']}", headers=outsider)
    assert offered.status_code == 200 and offered.get_json() == []
