"""A small driver for dossier tests: log in as the demo officers and move a dossier over the API."""
from __future__ import annotations

from typing import Any

from tests.conftest import DEMO_PASSWORD

NA = "na_khau_tru_kinh_phi_boi_thuong"
CLERK = "na.hn.motcua"
DIVISION_LEADER = "na.hn.ktht.truongphong"
APPRAISER = "na.hn.ktht.chuyenvien"
CHAIR = "na.hn.chutich"
RECORDS = "na.hn.vanthu"

APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "040190001234", "phone": "0912345678",
             "address": "Xóm 3, xã Hưng Nguyên, Nghệ An"}
DOCUMENTS = [{"name": "Đơn đề nghị khấu trừ kinh phí bồi thường", "copy_kind": "ban_chinh", "copies": 1},
             {"name": "Quyết định phê duyệt phương án bồi thường", "copy_kind": "ban_sao_chung_thuc", "copies": 1}]

#: Form data of each step of NA-3857 that lets the dossier go forward.
FORWARD = {
    "Step_1": {"applicant_name": "Nguyễn Thị Hoa", "id_number": "040190001234",
               "documents_received": [{"name": "Đơn đề nghị", "copy_kind": "ban_chinh", "copies": 1}]},
    "Step_2": {"approved": True, "comment": "Giao đồng chí Thắng thụ lý"},
    "Step_3": {"opinion": "Hồ sơ đủ điều kiện", "approved": True},
    "Step_4": {"approved": True},
    "Step_5": {"approved": True},
    "Step_6": {"document_number": "125/UBND-KTHT", "signed_on": "2026-03-04"},
    "Step_7": {"method": "truc_tiep", "receiver_name": "Nguyễn Thị Hoa"},
}
ACTOR = {"Step_1": CLERK, "Step_2": DIVISION_LEADER, "Step_3": APPRAISER, "Step_4": DIVISION_LEADER,
         "Step_5": CHAIR, "Step_6": RECORDS, "Step_7": CLERK}


class Flow:
    def __init__(self, client: Any, clock: Any, password: str = DEMO_PASSWORD) -> None:
        self.client, self.clock, self.password = client, clock, password
        self._tokens: dict[tuple[str, Any], str] = {}

    def h(self, username: str, **extra: str) -> dict[str, str]:
        key = (username, self.clock.now())
        if key not in self._tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": username, "password": self.password})
            assert r.status_code == 200, r.get_json()
            self._tokens[key] = r.get_json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[key]}", **extra}

    def start(self, key: str = NA, *, expect: int = 201, **body: Any) -> dict:
        payload = {"applicant": APPLICANT, "documents": DOCUMENTS, "data": {}, **body}
        r = self.client.post(f"/api/v1/procedures/{key}/dossiers", json=payload, headers=self.h(CLERK))
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def dossier(self, dossier_id: int, username: str = CLERK) -> dict:
        r = self.client.get(f"/api/v1/dossiers/{dossier_id}", headers=self.h(username))
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def current(self, dossier_id: int, spec_id: str | None = None) -> dict:
        steps = self.dossier(dossier_id)["current_steps"]
        if spec_id is not None:
            steps = [s for s in steps if s["spec_id"] == spec_id]
        assert len(steps) == 1, steps
        return steps[0]

    def act(self, step_id: int, action: str, username: str, body: dict | None = None, expect: int = 200,
            **headers: str) -> dict:
        r = self.client.post(f"/api/v1/tasks/{step_id}/{action}", json=body if body is not None else {},
                             headers=self.h(username, **headers))
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def complete(self, step_id: int, username: str, data: dict, expect: int = 200) -> dict:
        return self.act(step_id, "complete", username, {"data": data}, expect=expect)

    def forward(self, dossier_id: int, spec_id: str) -> dict:
        step = self.current(dossier_id, spec_id)
        return self.complete(step["id"], ACTOR[spec_id], FORWARD[spec_id])

    def publish_diagram(self, path: Any, key: str, *, admin: dict[str, str], agency_id: int, unit_code: str,
                        decision_number: str = "1/QĐ") -> None:
        """Upload, submit and publish a test diagram with every step (no lanes: lane ``*``) bound to one unit."""
        up = self.client.post(f"/api/v1/process-definitions?agency_id={agency_id}", data=path.read_bytes(),
                              headers={**admin, "Content-Type": "application/xml"})
        assert up.status_code == 201, up.get_json()
        assert self.client.post(f"/api/v1/process-definitions/{key}/versions/1/submit",
                                headers=admin).status_code == 200
        pub = self.client.post(f"/api/v1/process-definitions/{key}/versions/1/publish", headers=admin,
                               json={"decision_number": decision_number, "decision_date": "2026-03-01",
                                     "lane_bindings": {"*": unit_code}})
        assert pub.status_code == 200, pub.get_json()

    def run_to_end(self, dossier_id: int) -> None:
        for spec_id in FORWARD:
            self.forward(dossier_id, spec_id)
