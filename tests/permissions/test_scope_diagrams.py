"""The diagram of a dossier's procedure (``…/versions/{n}/bpmn``): officers and clerks read it as they read the dossier.

Officers and clerks read no procedure under design, so only a version dossiers run on, of a procedure of their
agencies or with a lane bound to one of their units; anything else is the same 404 as a version that does not exist.
"""
from __future__ import annotations

from tests.permissions.conftest import FOREIGN, NA, PRINCIPALS

#: Cao Bằng's social-protection procedure (agency CB-SYT) has lanes bound to units of the district CB-HA.
CB_SYT = "cb_tiep_nhan_doi_tuong_bao_tro_xa_hoi"


def _bpmn(key: str, version: int) -> str:
    return f"/api/v1/process-definitions/{key}/versions/{version}/bpmn"


def _same_404(client, headers, key: str, version: int) -> None:
    """``version`` of ``key`` answers exactly as a version that does not exist."""
    a, b = client.get(_bpmn(key, version), headers=headers), client.get(_bpmn(key, 987654), headers=headers)
    assert a.status_code == b.status_code == 404
    ja, jb = a.get_json(), b.get_json()
    assert (ja["code"], ja["title"], ja["detail"]) == (jb["code"], jb["title"], jb["detail"].replace("987654", str(version)))


def test_officers_and_clerks_read_the_diagram_of_their_dossiers(client, login, na_dossier) -> None:
    version = client.get(f"/api/v1/dossiers/{na_dossier['id']}", headers=login("na.hn.motcua")).get_json()["version"]
    for role in ("officer", "clerk"):
        r = client.get(_bpmn(NA, version), headers=login(PRINCIPALS[role][0]))
        assert r.status_code == 200, (role, r.get_json())
        assert r.mimetype == "application/xml" and b"definitions" in r.data


def test_another_agencys_diagram_is_not_said_to_exist(client, login, demo) -> None:
    for role in ("officer", "clerk"):
        _same_404(client, login(FOREIGN[role]), NA, 1)


def test_a_lane_bound_to_ones_unit_opens_another_agencys_diagram(client, login, demo) -> None:
    h = login(FOREIGN["officer"])  # CB-HA-VHXH: a lane of the CB-SYT procedure is bound to it
    assert client.get(_bpmn(CB_SYT, 1), headers=h).status_code == 200
    _same_404(client, login("na.hn.motcua"), CB_SYT, 1)  # the NA-HN desk: no lane of that procedure


def test_a_version_under_design_stays_with_the_designers(client, login, role_headers) -> None:
    xml = client.get(_bpmn(NA, 1), headers=role_headers["admin"]).data
    r = client.post("/api/v1/process-definitions", headers={**role_headers["designer"], "Content-Type": "application/xml"},
                    data=xml)
    assert r.status_code == 201, r.get_json()
    draft = r.get_json()["version"]
    assert draft > 1
    for role in ("officer", "clerk"):
        _same_404(client, login(PRINCIPALS[role][0]), NA, draft)
    for role in ("admin", "designer", "leader", "auditor"):
        assert client.get(_bpmn(NA, draft), headers=role_headers[role]).status_code == 200, role
