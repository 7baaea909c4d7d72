"""Procedures under design stay in their agency's tree, and a draft shows nowhere before it is published.

A designer of an agency lists, opens, uploads and submits only procedures of that agency's tree; an agency
admin reads every procedure but changes only its tree's. Outside it a URL answers exactly as a key or a version
that does not exist, an ``agency_id`` exactly as an agency that does not exist, and reusing another agency's
process id is a taken key that says nothing of that procedure. Issue #25, item 4.
"""
from __future__ import annotations

import json

import pytest

from app.definitions.shipped import PROJECT_DIR, catalog_entries
from app.extensions import db
from app.org.models import Agency, Officer
from tests.conftest import TEST_PASSWORD
from tests.permissions.conftest import NA

#: A Cao Bằng procedure (agency CB-SNV), published by the demo.
CB = "cb_luu_tru_cap_lai_giay_chung_nhan"
MISSING = "khong_co_quy_trinh"
PARALLEL = PROJECT_DIR / "tests" / "engine" / "data" / "parallel.bpmn"
DRAFT_NAME = "Tên nháp chưa thẩm định"


def _bpmn(key: str) -> bytes:
    return (PROJECT_DIR / "bpmn_models" / f"{key}.bpmn").read_bytes()


def _agency_id(app, code: str) -> int:
    with app.app_context():
        return db.session.query(Agency).filter_by(code=code).one().id


def _officer_of(app, auth, username: str, role: str, agency: str) -> dict[str, str]:
    """An officer of ``role`` whose home agency (``officers.agency_id``) is ``agency``."""
    officer_id = auth.create(username, role)
    with app.app_context():
        db.session.get(Officer, officer_id).agency_id = _agency_id(app, agency)
        db.session.commit()
    return auth.headers(username, TEST_PASSWORD)


@pytest.fixture()
def na_designer(app, auth, demo) -> dict[str, str]:
    return _officer_of(app, auth, "na.thietke", "designer", "NA-HN")


@pytest.fixture()
def na_admin(app, auth, demo) -> dict[str, str]:
    return _officer_of(app, auth, "na.quantri", "admin", "NA-HN")


def _upload(client, headers, data: bytes, **query):
    return client.post("/api/v1/process-definitions", query_string=query, data=data,
                       headers={**headers, "Content-Type": "application/xml"})


def _problem(response, *swap: tuple[str, str]) -> dict:
    """The problem body without its path, with the names in ``swap`` replaced (to compare two answers)."""
    text = json.dumps({k: v for k, v in response.get_json().items() if k != "instance"}, ensure_ascii=False)
    for old, new in swap:
        text = text.replace(old, new)
    return json.loads(text)


def _same_as_missing(client, method: str, path: str, headers, body=None) -> None:
    """``path`` (naming CB) answers exactly as the same path naming a key that does not exist."""
    call = getattr(client, method)
    kwargs = {"headers": headers} if body is None else {"headers": headers, "json": body}
    a, b = call(path, **kwargs), call(path.replace(CB, MISSING), **kwargs)
    assert a.status_code == b.status_code == 404, (path, a.get_json(), b.get_json())
    assert _problem(a) == _problem(b, (MISSING, CB)), path


def _in_review_cb_draft(client, designer) -> int:
    """A new version of the CB-SNV procedure by the demo's designer (no home agency), sent for review."""
    r = _upload(client, designer, _bpmn(CB))
    assert r.status_code == 201, r.get_json()
    number = r.get_json()["version"]
    assert client.post(f"/api/v1/process-definitions/{CB}/versions/{number}/submit", headers=designer).status_code == 200
    return number


def _publish(client, headers, key: str, version: int, lanes: dict | None = None):
    return client.post(f"/api/v1/process-definitions/{key}/versions/{version}/publish", headers=headers,
                       json={"decision_number": "7/QĐ", "decision_date": "2026-03-01", "lane_bindings": lanes or {}})


# --- designers ------------------------------------------------------------------------------------------

def test_a_designer_lists_only_its_agencys_tree(client, role_headers, na_designer) -> None:
    _in_review_cb_draft(client, role_headers["designer"])
    assert _upload(client, role_headers["admin"], PARALLEL.read_bytes()).status_code == 201  # of no agency
    keys = [d["key"] for d in client.get("/api/v1/process-definitions", headers=na_designer).get_json()]
    assert keys == [NA, "parallel"]
    assert client.get("/api/v1/process-definitions", headers=na_designer, query_string={"q": "luu tru"}).get_json() == []
    everyone = [d["key"] for d in client.get("/api/v1/process-definitions", headers=role_headers["designer"]).get_json()]
    assert CB in everyone  # a designer without a home agency designs for every agency


def test_another_agencys_procedure_is_not_said_to_exist_to_a_designer(client, role_headers, na_designer) -> None:
    draft = _in_review_cb_draft(client, role_headers["designer"])
    client.post(f"/api/v1/process-definitions/{CB}/versions/{draft}/return", headers=role_headers["admin"])
    base = f"/api/v1/process-definitions/{CB}"
    for suffix in ("", "/versions/1", f"/versions/{draft}", "/versions/1/bpmn", f"/versions/{draft}/comments"):
        _same_as_missing(client, "get", base + suffix, na_designer)
    _same_as_missing(client, "post", f"{base}/versions/{draft}/submit", na_designer)
    _same_as_missing(client, "post", f"{base}/versions/{draft}/comments", na_designer, {"text": "Ý kiến"})
    assert client.get(f"{base}/versions/{draft}", headers=role_headers["admin"]).get_json()["status"] == "draft"
    assert client.get(f"/api/v1/process-definitions/{NA}/versions/1", headers=na_designer).status_code == 200


def test_a_designers_new_procedure_belongs_to_its_home_agency(app, client, na_designer) -> None:
    r = _upload(client, na_designer, PARALLEL.read_bytes())
    assert r.status_code == 201, r.get_json()
    got = client.get("/api/v1/process-definitions/parallel", headers=na_designer).get_json()
    assert got["agency_id"] == _agency_id(app, "NA-HN")  # agency_id omitted: the designer's home agency


def test_a_designer_uploads_for_no_agency_outside_its_tree(app, client, role_headers, na_designer) -> None:
    other, missing = (_upload(client, na_designer, PARALLEL.read_bytes(), agency_id=agency)
                      for agency in (_agency_id(app, "CB-SNV"), 987654))
    assert other.status_code == missing.status_code == 422
    assert _problem(other) == _problem(missing)  # another agency is refused as one that does not exist
    below = _upload(client, na_designer, PARALLEL.read_bytes(), agency_id=_agency_id(app, "NA-HN-TTPVHCC"))
    assert below.status_code == 201, below.get_json()  # an agency below the home agency is in the tree
    versions = client.get("/api/v1/process-definitions/parallel", headers=role_headers["admin"]).get_json()["versions"]
    assert len(versions) == 1


def test_reusing_another_agencys_process_id_is_a_taken_key(client, role_headers, na_designer) -> None:
    r = _upload(client, na_designer, _bpmn(CB), name=DRAFT_NAME)
    assert r.status_code == 409 and r.get_json()["code"] == "key_taken"
    said = json.dumps(r.get_json(), ensure_ascii=False)
    assert "CB-SNV" not in said and "Cao Bằng" not in said and "Sở Nội vụ" not in said
    admin = role_headers["admin"]
    assert [v["version"] for v in client.get(f"/api/v1/process-definitions/{CB}", headers=admin).get_json()["versions"]] == [1]
    # a new key may not replace another agency's procedure either: that one is as if it did not exist
    a = _upload(client, na_designer, PARALLEL.read_bytes(), replaces=CB)
    b = _upload(client, na_designer, PARALLEL.read_bytes(), replaces=MISSING)
    assert a.status_code == b.status_code == 404
    assert _problem(a) == _problem(b, (MISSING, CB))
    assert client.get("/api/v1/process-definitions/parallel", headers=admin).status_code == 404


# --- a draft shows nowhere before it is published ---------------------------------------------------------

def _catalog_entry(client, headers, key: str, **query) -> dict | None:
    entries = client.get("/api/v1/procedures", headers=headers, query_string=query).get_json()
    return next((e for e in entries if e["key"] == key), None)


def _shown_names(client, login, receipt) -> tuple[str, str]:
    lookup = client.get(f"/api/v1/public/dossiers/{receipt['code']}", query_string={"secret": receipt["lookup_secret"]})
    dossier = client.get(f"/api/v1/dossiers/{receipt['id']}", headers=login("na.hn.motcua"))
    assert lookup.status_code == dossier.status_code == 200
    return lookup.get_json()["procedure"], dossier.get_json()["procedure_name"]


def test_a_draft_shows_nowhere_until_it_is_published(client, login, role_headers, na_dossier) -> None:
    admin, designer = role_headers["admin"], role_headers["designer"]
    published = _catalog_entry(client, admin, NA)
    process = f'<bpmn:process id="{NA}" name="'
    data = _bpmn(NA).replace(f'{process}{published["name"]}"'.encode(), f'{process}{DRAFT_NAME}"'.encode())
    assert DRAFT_NAME.encode() in data  # the BPMN's process name: what renamed the procedure at upload
    r = _upload(client, designer, data, code="9.999999", kind="interconnected_same_level")
    assert r.status_code == 201, r.get_json()
    draft = r.get_json()

    # the catalog, its search and export, the public lookup and dossiers show the published version …
    shown = _catalog_entry(client, admin, NA)
    assert (shown["name"], shown["code"], shown["kind"], shown["version"]) == (
        published["name"], published["code"], published["kind"], 1)
    assert _catalog_entry(client, admin, NA, q="ten nhap") is None
    assert _catalog_entry(client, admin, NA, q="9.999999") is None
    for status in ("draft", "in_review"):
        assert client.get("/api/v1/procedures", headers=admin, query_string={"status": status}).status_code == 422
    export = client.get("/api/v1/procedures/export", headers=admin, query_string={"format": "csv"})
    assert export.status_code == 200 and DRAFT_NAME not in export.data.decode("utf-8-sig")
    assert _shown_names(client, login, na_dossier) == (published["name"], published["name"])
    assert client.get(f"/api/v1/process-definitions/{NA}", headers=designer).get_json()["name"] == published["name"]
    assert draft["name"] == DRAFT_NAME  # … the designers see what the draft brings

    # publishing it is what renames the procedure
    number = draft["version"]
    assert client.post(f"/api/v1/process-definitions/{NA}/versions/{number}/submit", headers=designer).status_code == 200
    assert _catalog_entry(client, admin, NA)["name"] == published["name"]
    lanes = next(e for e in catalog_entries() if e["key"] == NA)["lanes"]
    assert _publish(client, admin, NA, number, lanes).status_code == 200
    shown = _catalog_entry(client, admin, NA)
    assert (shown["name"], shown["code"], shown["kind"], shown["version"]) == (
        DRAFT_NAME, "9.999999", "interconnected_same_level", number)
    assert _catalog_entry(client, admin, NA, q="ten nhap")["version"] == number
    assert _shown_names(client, login, na_dossier) == (DRAFT_NAME, DRAFT_NAME)


# --- agency admins ------------------------------------------------------------------------------------

def test_an_agency_admin_reads_every_procedure_but_changes_only_its_trees(client, role_headers, na_admin) -> None:
    draft = _in_review_cb_draft(client, role_headers["designer"])
    base = f"/api/v1/process-definitions/{CB}"
    assert client.get(base, headers=na_admin).status_code == 200
    assert client.get(f"{base}/versions/{draft}", headers=na_admin).get_json()["status"] == "in_review"
    _same_as_missing(client, "post", f"{base}/versions/{draft}/publish", na_admin,
                     {"decision_number": "7/QĐ", "decision_date": "2026-03-01"})
    _same_as_missing(client, "post", f"{base}/versions/{draft}/return", na_admin)
    _same_as_missing(client, "post", f"{base}/versions/{draft}/comments", na_admin, {"text": "Ý kiến"})
    _same_as_missing(client, "post", f"{base}/versions/1/abolish", na_admin, {"reason": "Bãi bỏ"})
    assert _upload(client, na_admin, _bpmn(CB)).get_json()["code"] == "key_taken"
    assert client.get(f"{base}/versions/1", headers=na_admin).get_json()["status"] == "published"
    assert client.get(f"{base}/versions/{draft}/comments", headers=na_admin).get_json() == []
    # the system admin still publishes it; the agency admin abolishes its own agency's procedure
    assert _publish(client, role_headers["admin"], CB, draft).status_code == 200
    r = client.post(f"/api/v1/process-definitions/{NA}/versions/1/abolish", headers=na_admin, json={"reason": "Bãi bỏ"})
    assert r.status_code == 200 and r.get_json()["status"] == "abolished"


def test_an_agency_admin_does_not_publish_a_procedure_into_another_agency(app, client, role_headers, na_admin) -> None:
    designer, cb_snv = role_headers["designer"], _agency_id(app, "CB-SNV")
    r = _upload(client, designer, _bpmn(NA), agency_id=cb_snv)
    assert r.status_code == 201, r.get_json()
    number = r.get_json()["version"]
    assert client.post(f"/api/v1/process-definitions/{NA}/versions/{number}/submit", headers=designer).status_code == 200
    lanes = next(e for e in catalog_entries() if e["key"] == NA)["lanes"]
    refused = _publish(client, na_admin, NA, number, lanes)
    assert refused.status_code == 422 and "agency_id" in refused.get_json()["errors"]
    assert client.get(f"/api/v1/process-definitions/{NA}", headers=na_admin).get_json()["agency_id"] == _agency_id(app, "NA-HN")
    assert _publish(client, role_headers["admin"], NA, number, lanes).status_code == 200  # the system admin may
    assert client.get(f"/api/v1/process-definitions/{NA}", headers=na_admin).get_json()["agency_id"] == cb_snv


def test_a_procedure_never_published_follows_its_latest_upload(client, role_headers) -> None:
    admin = role_headers["admin"]
    for name in ("Tên đầu tiên", "Tên sửa lại"):
        assert _upload(client, admin, PARALLEL.read_bytes(), name=name).status_code == 201
    assert client.get("/api/v1/process-definitions/parallel", headers=admin).get_json()["name"] == "Tên sửa lại"
