"""Organisation CRUD over the API: agencies as a tree, units, officers; Vietnamese kept exactly."""
from __future__ import annotations


def _create_agency(client, headers, code, name, parent_id=None, kind="other"):
    r = client.post("/api/v1/agencies", headers=headers,
                    json={"code": code, "name": name, "kind": kind, "parent_id": parent_id})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_agency_tree_with_vietnamese_names(client, admin_headers):
    province = _create_agency(client, admin_headers, "CB", "Ủy ban nhân dân tỉnh Cao Bằng", kind="province")
    dept = _create_agency(client, admin_headers, "CB-SNV", "Sở Nội vụ tỉnh Cao Bằng", province["id"], "department")
    commune = _create_agency(client, admin_headers, "CB-XA-HOA-AN", "UBND xã Hòa An", province["id"], "commune")

    r = client.get(f"/api/v1/agencies?parent_id={province['id']}", headers=admin_headers)
    assert r.status_code == 200
    names = [a["name"] for a in r.get_json()]
    assert names == ["Sở Nội vụ tỉnh Cao Bằng", "UBND xã Hòa An"]  # ordered by code, accents intact
    assert "Sở Nội vụ".encode() in r.data  # raw UTF-8 on the wire, not \\u escapes
    assert r.headers["X-Pagination"]

    r = client.get(f"/api/v1/agencies/{dept['id']}", headers=admin_headers)
    assert r.get_json()["parent_id"] == province["id"]
    assert r.get_json()["created_at"].endswith("+07:00")

    # moving an agency under its own child would make a loop
    r = client.patch(f"/api/v1/agencies/{province['id']}", headers=admin_headers, json={"parent_id": commune["id"]})
    assert r.status_code == 422
    assert "parent_id" in r.get_json()["errors"]

    r = client.delete(f"/api/v1/agencies/{province['id']}", headers=admin_headers)
    assert r.status_code == 409 and r.get_json()["code"] == "in_use"
    r = client.delete(f"/api/v1/agencies/{commune['id']}", headers=admin_headers)
    assert r.status_code == 204
    assert client.get(f"/api/v1/agencies/{commune['id']}", headers=admin_headers).status_code == 404


def test_units_and_officers(client, admin_headers, auth):
    agency = _create_agency(client, admin_headers, "NA-XA", "UBND xã Diễn Châu")
    r = client.post("/api/v1/units", headers=admin_headers,
                    json={"code": "NA-XA-KT", "name": "Phòng Kinh tế, Hạ tầng và Đô thị", "agency_id": agency["id"]})
    assert r.status_code == 201
    unit = r.get_json()
    r = client.post("/api/v1/officers", headers=admin_headers, json={
        "username": "nguyenvana", "full_name": "Nguyễn Văn Ánh", "password": "mật-khẩu-đủ-dài",
        "unit_ids": [unit["id"]], "roles": ["officer", "leader"]})
    assert r.status_code == 201, r.get_json()
    officer = r.get_json()
    assert officer["full_name"] == "Nguyễn Văn Ánh"
    assert officer["agency_id"] == agency["id"]  # taken from the unit when not given
    assert officer["roles"] == ["leader", "officer"]
    assert "password" not in officer and "password_hash" not in officer

    r = client.get(f"/api/v1/officers?unit_id={unit['id']}", headers=admin_headers)
    assert [o["username"] for o in r.get_json()] == ["nguyenvana"]

    # the new officer can log in with the Vietnamese password
    assert auth.token("nguyenvana", "mật-khẩu-đủ-dài")["officer"]["username"] == "nguyenvana"

    r = client.delete(f"/api/v1/units/{unit['id']}", headers=admin_headers)
    assert r.status_code == 409
    r = client.patch(f"/api/v1/units/{unit['id']}", headers=admin_headers, json={"name": "Phòng Kinh tế"})
    assert r.get_json()["name"] == "Phòng Kinh tế"


def test_duplicate_username_is_409_and_nothing_written(client, admin_headers, app):
    body = {"username": "tranthib", "full_name": "Trần Thị B", "password": "long-enough-pass"}
    assert client.post("/api/v1/officers", headers=admin_headers, json=body).status_code == 201
    r = client.post("/api/v1/officers", headers=admin_headers, json={**body, "full_name": "Khác"})
    assert r.status_code == 409
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["errors"] == {"username": ["Tên đăng nhập đã tồn tại."]}
    r = client.get("/api/v1/officers", headers=admin_headers)
    assert sorted(o["full_name"] for o in r.get_json()) == ["Admin", "Trần Thị B"]


def test_unknown_unit_refused_with_field_error(client, admin_headers):
    r = client.post("/api/v1/officers", headers=admin_headers, json={
        "username": "x1", "full_name": "X", "password": "long-enough-pass", "unit_ids": [999]})
    assert r.status_code == 422
    assert "unit_ids" in r.get_json()["errors"]


def test_only_admin_changes_organisation(client, auth, admin_headers):
    auth.create("officer1", "officer")
    headers = auth.headers("officer1")
    r = client.post("/api/v1/agencies", headers=headers, json={"code": "X", "name": "X"})
    assert r.status_code == 403
    assert r.get_json()["code"] == "forbidden"
    assert client.get("/api/v1/officers", headers=headers).status_code == 403
    assert client.get("/api/v1/agencies", headers=headers).status_code == 200


def test_disabling_an_officer_revokes_tokens(client, auth, admin_headers):
    officer_id = auth.create("leaving", "officer")
    headers = auth.headers("leaving")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    r = client.patch(f"/api/v1/officers/{officer_id}", headers=admin_headers, json={"is_active": False})
    assert r.status_code == 200
    r = client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"
    r = client.post("/api/v1/auth/token", json={"username": "leaving", "password": "correct-horse-battery"})
    assert r.status_code == 401 and r.get_json()["code"] == "bad_credentials"
