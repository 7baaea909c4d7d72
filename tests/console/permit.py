"""The API side of the console's document and desk tests: calls as a user, and the hand-drawn permit
(``tests/documents/data/cap_phep_thu_nghiem.bpmn`` with its components) published on the module's server."""
from __future__ import annotations

import json

import requests

from tests.console.conftest import ADMIN_PASSWORD
from tests.console.test_console_e2e import TIMEOUT, token
from tests.documents.driver import BPMN, COMPONENTS, KEY, LANES


def api(server, method, path, username=None, password=None, expect=(200, 201), **kwargs):
    headers = {"Authorization": f"Bearer {token(server, username, password)}"} if username else {}
    r = requests.request(method, f"{server.url}/api/v1/{path}", headers=headers, timeout=TIMEOUT, **kwargs)
    assert r.status_code in expect, (r.status_code, r.text)
    return r.json() if r.content else None


def admin(server, method, path, **kwargs):
    return api(server, method, path, "admin", ADMIN_PASSWORD, **kwargs)


def publish_permit(server) -> None:
    """Publish the permit once on this server (nothing to do when it is in the catalog already)."""
    if any(p["key"] == KEY for p in admin(server, "GET", "procedures?page_size=100")):
        return
    agency_id = next(a["id"] for a in admin(server, "GET", "agencies?page_size=100") if a["code"] == "NA-HN")
    version = admin(server, "POST", f"process-definitions?agency_id={agency_id}",
                    files={"file": (BPMN.name, BPMN.read_bytes(), "application/xml")},
                    data={"components": json.dumps(COMPONENTS, ensure_ascii=False)})
    assert version["publishable"], version["errors"]
    n = version["version"]
    admin(server, "POST", f"process-definitions/{KEY}/versions/{n}/submit")
    admin(server, "POST", f"process-definitions/{KEY}/versions/{n}/publish",
          json={"decision_number": "9/QĐ-UBND", "decision_date": "2026-03-01", "lane_bindings": LANES})
