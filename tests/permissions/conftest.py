"""Principals for the permission tests: one demo officer per role (all of agency NA-HN or system-wide)."""
from __future__ import annotations

import pytest

from tests.conftest import DEMO_PASSWORD, TEST_PASSWORD

#: role → (username, password); the demo organisation (processes/organisation.json) provides them.
PRINCIPALS = {
    "admin": ("admin", TEST_PASSWORD),
    "designer": ("thietke.quytrinh", DEMO_PASSWORD),
    "leader": ("na.hn.ktht.truongphong", DEMO_PASSWORD),
    "officer": ("na.hn.ktht.chuyenvien", DEMO_PASSWORD),
    "clerk": ("na.hn.motcua", DEMO_PASSWORD),
    "auditor": ("kiemtra.noibo", DEMO_PASSWORD),
}
#: Officers of another agency (Cao Bằng) than the NA-HN dossiers the tests create.
FOREIGN = {"leader": "cb.ha.vhxh.truongphong", "officer": "cb.ha.vhxh.congchuc", "clerk": "cb.ttpvhcc.snv"}

NA = "na_khau_tru_kinh_phi_boi_thuong"
APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "040190001234", "phone": "0912345678",
             "address": "Xóm 3, xã Hưng Nguyên, Nghệ An"}
DOCUMENTS = [{"name": "Đơn đề nghị khấu trừ kinh phí bồi thường", "copy_kind": "ban_chinh", "copies": 1}]


@pytest.fixture()
def login(client):
    def headers(username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert r.status_code == 200, r.get_json()
        return {"Authorization": f"Bearer {r.get_json()['access_token']}"}

    return headers


@pytest.fixture()
def role_headers(demo, login):
    return {role: login(user, password) for role, (user, password) in PRINCIPALS.items()}


@pytest.fixture()
def na_dossier(demo, client, login):
    """A dossier of NA-HN received by its one-stop desk; returns the receipt (with its lookup secret)."""
    r = client.post(f"/api/v1/procedures/{NA}/dossiers", headers=login("na.hn.motcua"),
                    json={"applicant": APPLICANT, "documents": DOCUMENTS, "data": {}})
    assert r.status_code == 201, r.get_json()
    return r.get_json()
