"""Drive dossiers over the API with the clock moved, and the scheduler by calling its tick directly."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.models import Notification
from app.org.models import Officer, Unit
from app.scheduler import due_work
from tests.dossiers.flow import FORWARD, Flow

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CB = "cb_tiep_nhan_doi_tuong_bao_tro_xa_hoi"

#: One demo officer per unit, to act on the CB-2022-2025-QT17 steps.
CB_ACTOR = {"CB-TTPVHCC-SYT": "cb.ttpvhcc.syt", "CB-HA-VHXH-LD": "cb.ha.vhxh.truongphong",
            "CB-HA-VHXH": "cb.ha.vhxh.congchuc", "CB-HA-LD": "cb.ha.chutich", "CB-HA-VT": "cb.ha.vanthu",
            "CB-SYT-BTXH-LD": "cb.syt.btxh.truongphong", "CB-SYT-BTXH": "cb.syt.btxh.chuyenvien",
            "CB-SYT-LD": "cb.syt.giamdoc", "CB-SYT-VT": "cb.syt.vanthu", "CB-TTBTXH-CTXH": "cb.ttbtxh.vienchuc",
            "CB-TTBTXH-LD": "cb.ttbtxh.giamdoc"}
#: Form data that moves a step forward, by form.
BY_FORM = {"tiep_nhan_ho_so": FORWARD["Step_1"], "lanh_dao_xem_xet": {"approved": True, "comment": "Đồng ý"},
           "tham_dinh_ho_so": FORWARD["Step_3"], "ky_ban_hanh": FORWARD["Step_6"], "tra_ket_qua": FORWARD["Step_7"]}


def vn(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def iso(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> str:
    return vn(year, month, day, hour, minute).isoformat()


class Deadlines(Flow):
    def __init__(self, app, client, clock) -> None:
        super().__init__(client, clock)
        self.app = app

    def h(self, username: str, **extra: str) -> dict[str, str]:
        from tests.conftest import TEST_PASSWORD

        if username != "admin":
            return super().h(username, **extra)
        r = self.client.post("/api/v1/auth/token", json={"username": "admin", "password": TEST_PASSWORD})
        assert r.status_code == 200, r.get_json()
        return {"Authorization": f"Bearer {r.get_json()['access_token']}", **extra}

    def start_cb(self) -> dict:
        from tests.dossiers.flow import APPLICANT, DOCUMENTS

        r = self.client.post(f"/api/v1/procedures/{CB}/dossiers",
                             json={"applicant": APPLICANT, "documents": DOCUMENTS, "data": {}},
                             headers=self.h("cb.ttpvhcc.syt"))
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def open_step(self, dossier_id: int, username: str = "admin") -> dict:
        steps = self.dossier(dossier_id, username)["current_steps"]
        assert len(steps) == 1, steps
        return steps[0]

    def forward_cb(self, dossier_id: int) -> dict:
        step = self.open_step(dossier_id)
        return self.complete(step["id"], CB_ACTOR[step["unit"]["code"]], BY_FORM[step["form"]])

    def post(self, path: str, username: str, body: dict, expect: int) -> dict:
        r = self.client.post(f"/api/v1/dossiers/{path}", json=body, headers=self.h(username))
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def tick(self, worker: str = "scheduler-1") -> int:
        """One scheduler pass over due work, at the clock's time (what APScheduler calls every few seconds)."""
        with self.app.app_context():
            return due_work.due_work_tick(db.session, self.clock.now()) if worker == "scheduler-1" else \
                due_work.work_batch(session=db.session, worker_id=worker, now=self.clock.now())

    def notices(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        """(kind, recipient username or unit code, text) of every notice, oldest first."""
        with self.app.app_context():
            rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
            out = []
            for row in rows:
                if kind is not None and row.kind != kind:
                    continue
                who = (db.session.get(Officer, row.recipient_officer_id).username if row.recipient_officer_id
                       else db.session.get(Unit, row.recipient_unit_id).code)
                out.append((row.kind, who, row.text))
            return out


@pytest.fixture()
def dl(demo, client, clock):
    return Deadlines(demo, client, clock)
