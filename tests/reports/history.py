"""A known history, driven over the API with the moved clock, that every report test checks by hand.

Calendar: March 2026 has no holiday; sessions 07:00–11:30 and 13:30–17:00 (8 working hours a day).
CB = cb_luu_tru_cap_lai_giay_chung_nhan (3 days = 24 h; steps 2, 4, 8, 4, 4, 2 h, step 7 not counted),
NA = na_khau_tru_kinh_phi_boi_thuong (168 h; step 1 4 h). The report period is 09/03–20/03/2026; the
reports are read on Monday 23/03/2026 at 10:00. Times below are Hanoi time.

| dossier | received | what happens | in the period |
|---|---|---|---|
| D1 CB | Mon 02/03 08:00 | steps 1–2 at once; step 3 done Tue 10/03 10:00, then 4–7 | carried over, finished late |
| D2 CB | Tue 03/03 09:00 | steps 1–2 at once; step 3 claimed, never done | carried over, open, overdue |
| D3 CB | Mon 02/03 08:00 | all steps at once | nothing (done before) |
| D4 CB | Mon 09/03 08:00 | all steps at once | received, finished early |
| D5 CB | Mon 09/03 08:00 | 1–2 at once; 3 done Thu 12/03 07:30, then 4–7 | received, finished on time |
| D6 CB | Mon 09/03 08:00 | 1–2 at once; 3 done Fri 13/03 09:00, then 4–7 | received, finished late |
| D9 CB | Mon 09/03 08:00 | 1–2 at once; step 3 never done | received, open, overdue |
| D7 CB | Tue 10/03 08:00 | withdrawn Tue 10/03 10:00 | received, withdrawn |
| D8 CB online | Wed 18/03 08:00 | step 1 at once; step 2 open | received, open within deadline |
| D10 NA online | Wed 18/03 08:00 | step 1 open | received, open within deadline |
| D11 CB | Thu 19/03 08:00 | paused Thu 19/03 09:00, never resumed | received, paused |
| D12 CB | Mon 23/03 08:00 | step 1 open | nothing (after the period) |
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import DEMO_PASSWORD

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CB = "cb_luu_tru_cap_lai_giay_chung_nhan"
NA = "na_khau_tru_kinh_phi_boi_thuong"
CB_CLERK = "cb.ttpvhcc.snv"
NA_CLERK = "na.hn.motcua"
CB_ACTOR = {"Step_1": CB_CLERK, "Step_2": "cb.snv.vp.chanhvanphong", "Step_3": "cb.snv.vp.chuyenvien",
            "Step_4": "cb.snv.vp.chanhvanphong", "Step_5": "cb.snv.giamdoc", "Step_6": "cb.snv.vanthu",
            "Step_7": CB_CLERK}
FORWARD = {
    "Step_1": {"applicant_name": "Nguyễn Văn An", "id_number": "040190001234",
               "documents_received": [{"name": "Đơn đề nghị", "copy_kind": "ban_chinh", "copies": 1}]},
    "Step_2": {"approved": True},
    "Step_3": {"opinion": "Đủ điều kiện", "approved": True},
    "Step_4": {"approved": True},
    "Step_5": {"approved": True},
    "Step_6": {"document_number": "12/SNV-VP", "signed_on": "2026-03-10"},
    "Step_7": {"method": "truc_tiep"},
}
APPLICANT = {"name": "Nguyễn Văn An", "id_number": "040190001234"}


def local(text: str) -> datetime:
    """``"2026-03-09 08:00"`` in Hanoi time."""
    return datetime.fromisoformat(text).replace(tzinfo=HANOI)


class History:
    def __init__(self, app: Any, client: Any, clock: Any) -> None:
        self.app, self.client, self.clock = app, client, clock
        self.ids: dict[str, int] = {}
        self.codes: dict[str, str] = {}
        self._tokens: dict[tuple[str, datetime], str] = {}

    def h(self, username: str) -> dict[str, str]:
        key = (username, self.clock.now())
        if key not in self._tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.get_json()
            self._tokens[key] = r.get_json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    def at(self, text: str) -> None:
        moment = local(text)
        assert moment >= self.clock.now(), text
        self.clock.advance(moment - self.clock.now())

    def receive(self, name: str, key: str = CB, *, online: bool = False) -> None:
        clerk = CB_CLERK if key == CB else NA_CLERK
        body = {"applicant": APPLICANT, "channel": "online" if online else "direct"}
        r = self.client.post(f"/api/v1/procedures/{key}/dossiers", json=body, headers=self.h(clerk))
        assert r.status_code == 201, r.get_json()
        self.ids[name], self.codes[name] = r.get_json()["id"], r.get_json()["code"]

    def current(self, name: str) -> dict:
        r = self.client.get(f"/api/v1/dossiers/{self.ids[name]}", headers=self.h(CB_CLERK))
        assert r.status_code == 200, r.get_json()
        steps = r.get_json()["current_steps"]
        assert len(steps) == 1, steps
        return steps[0]

    def forward(self, name: str, *spec_ids: str) -> None:
        for spec_id in spec_ids:
            step = self.current(name)
            assert step["spec_id"] == spec_id, step
            r = self.client.post(f"/api/v1/tasks/{step['id']}/complete", json={"data": FORWARD[spec_id]},
                                 headers=self.h(CB_ACTOR[spec_id]))
            assert r.status_code == 200, r.get_json()

    def claim(self, name: str, username: str) -> None:
        step = self.current(name)
        r = self.client.post(f"/api/v1/tasks/{step['id']}/claim", json={}, headers=self.h(username))
        assert r.status_code == 200, r.get_json()

    def post(self, name: str, action: str, body: dict, username: str = CB_CLERK) -> None:
        r = self.client.post(f"/api/v1/dossiers/{self.ids[name]}/{action}", json=body, headers=self.h(username))
        assert r.status_code == 200, r.get_json()

    def pause(self, name: str) -> None:
        """Pause over the API; while the permission table has no row for it yet, through the same service."""
        body = {"kind": "supplementation", "reason": "Chờ bổ sung giấy tờ"}
        r = self.client.post(f"/api/v1/dossiers/{self.ids[name]}/pause", json=body, headers=self.h(CB_CLERK))
        if r.status_code == 403 and r.get_json()["code"] == "no_permission_rule":
            from app import flows as service
            from app.extensions import db
            from app.org.models import Officer

            with self.app.app_context():
                clerk = db.session.query(Officer).filter_by(username=CB_CLERK).one()
                service.pause(session=db.session, dossier_id=self.ids[name], officer=clerk, now=self.clock.now(),
                              **body)
                db.session.commit()
            return
        assert r.status_code == 200, r.get_json()

    def build(self) -> History:
        ALL = ("Step_1", "Step_2", "Step_3", "Step_4", "Step_5", "Step_6", "Step_7")
        self.at("2026-03-02 08:00")
        self.receive("D1")
        self.receive("D3")
        self.forward("D3", *ALL)
        self.forward("D1", "Step_1", "Step_2")
        self.at("2026-03-03 09:00")
        self.receive("D2")
        self.forward("D2", "Step_1", "Step_2")
        self.claim("D2", "cb.snv.vp.chuyenvien")
        self.at("2026-03-09 08:00")
        for name in ("D4", "D5", "D6", "D9"):
            self.receive(name)
        self.forward("D4", *ALL)
        for name in ("D5", "D6", "D9"):
            self.forward(name, "Step_1", "Step_2")
        self.at("2026-03-10 08:00")
        self.receive("D7")
        self.at("2026-03-10 10:00")
        self.forward("D1", *ALL[2:])
        self.post("D7", "withdraw", {"reason": "Người nộp xin rút hồ sơ"})
        self.at("2026-03-12 07:30")
        self.forward("D5", *ALL[2:])
        self.at("2026-03-13 09:00")
        self.forward("D6", *ALL[2:])
        self.at("2026-03-18 08:00")
        self.receive("D8", online=True)
        self.forward("D8", "Step_1")
        self.receive("D10", NA, online=True)
        self.at("2026-03-19 08:00")
        self.receive("D11")
        self.at("2026-03-19 09:00")
        self.pause("D11")
        self.at("2026-03-23 08:00")
        self.receive("D12")
        self.at("2026-03-23 10:00")
        return self
