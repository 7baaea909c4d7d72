"""Notifications: created once by key, the inbox (own and units'), the daily digest, webhook delivery."""
from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.notifications import service
from app.notifications.models import Notification
from app.org import service as org_service
from app.scheduler import due_work
from app.scheduler.due_work_models import DueWork
from app.scheduler.runner import tick


@pytest.fixture()
def people(app, auth, clock):
    with app.app_context():
        agency = org_service.create_agency(session=db.session, now=clock.now(),
                                           agency_in={"code": "XA", "name": "Xã A", "parent_id": None})
        org_service.create_unit(session=db.session, now=clock.now(),
                                unit_in={"code": "MC", "name": "Bộ phận một cửa", "agency_id": agency.id})
        db.session.commit()
    return {"clerk": auth.create("vanthu", "clerk", unit_codes=("MC",)), "leader": auth.create("lanhdao", "leader"),
            "other": auth.create("khac", "officer")}


def test_notify_creates_once_per_key(session, clock, people):
    first = service.notify(session=session, now=clock.now(), kind="notify", text="Hồ sơ sắp đến hạn",
                           dedupe_key="once", officer_id=people["clerk"])
    again = service.notify(session=session, now=clock.now(), kind="notify", text="Hồ sơ sắp đến hạn",
                           dedupe_key="once", officer_id=people["clerk"])
    session.commit()
    assert first is not None and again is None
    assert session.scalar(select(func.count()).select_from(Notification)) == 1


def test_inbox_shows_own_and_unit_notices_and_marks_read(app, client, auth, session, clock, people):
    from app.org.models import Unit

    unit = session.scalar(select(Unit).where(Unit.code == "MC"))
    service.notify(session=session, now=clock.now(), kind="notify", text="Cho bộ phận một cửa", dedupe_key="u1",
                   unit_id=unit.id)
    clock.advance(timedelta(minutes=1))
    service.notify(session=session, now=clock.now(), kind="notify", text="Cho văn thư", dedupe_key="o1",
                   officer_id=people["clerk"])
    service.notify(session=session, now=clock.now(), kind="notify", text="Cho người khác", dedupe_key="x1",
                   officer_id=people["other"])
    session.commit()
    headers = auth.headers("vanthu")
    inbox = client.get("/api/v1/notifications", headers=headers).get_json()
    assert [n["text"] for n in inbox] == ["Cho văn thư", "Cho bộ phận một cửa"]
    read = client.post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    assert client.post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=headers).status_code == 200
    unread = client.get("/api/v1/notifications", headers=headers, query_string={"unread": "true"}).get_json()
    assert [n["text"] for n in unread] == ["Cho bộ phận một cửa"]
    other_id = session.scalar(select(Notification.id).where(Notification.dedupe_key == "x1"))
    assert client.post(f"/api/v1/notifications/{other_id}/read", headers=headers).status_code == 404
    assert client.get("/api/v1/notifications").status_code == 401


def test_daily_digest_once_per_leader_per_working_day(app, session, clock, people):
    service.notify(session=session, now=clock.now(), kind="notify", text="chưa đọc", dedupe_key="d1",
                   officer_id=people["leader"])
    session.commit()
    for worker in ("s1", "s2", "s3"):  # three schedulers tick the same morning
        tick(app, worker)
    digests = session.scalars(select(Notification).where(Notification.kind == "daily_digest")).all()
    assert len(digests) == 1 and digests[0].recipient_officer_id == people["leader"]
    assert "02/03/2026" in digests[0].text and "1 thông báo chưa đọc" in digests[0].text
    clock.advance(timedelta(days=5))  # Saturday: no digest
    tick(app, "s1")
    assert session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.kind == "daily_digest")) == 1


class _Receiver(BaseHTTPRequestHandler):
    """Records each POST; the fixture makes a subclass per test with its own list and status."""

    received: ClassVar[list[tuple[dict, dict]]] = []
    status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def receiver():
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()
    thread.join()


def test_webhook_delivery_with_idempotency_key(app, session, clock, people, receiver):
    handler, url = receiver
    app.config["NOTIFICATION_WEBHOOK_URL"] = url
    due_work.schedule(session=session, kind="notify", due_at=clock.now(), dedupe_key="hook1",
                      payload={"officer_id": people["clerk"], "text": "Hồ sơ quá hạn"})
    session.commit()
    due_work.run_until_idle(session=session, worker_id="w", now=clock.now())
    assert len(handler.received) == 1
    headers, body = handler.received[0]
    notice = session.scalar(select(Notification))
    assert headers["Idempotency-Key"] == notice.webhook_idempotency_key
    assert body["text"] == "Hồ sơ quá hạn" and body["id"] == notice.id
    assert notice.webhook_status == "delivered" and notice.webhook_attempts == 1


def test_webhook_failures_retry_then_give_up(app, session, clock, people, receiver):
    handler, url = receiver
    handler.status = 503
    app.config["NOTIFICATION_WEBHOOK_URL"] = url
    service.notify(session=session, now=clock.now(), kind="notify", text="x", dedupe_key="h2",
                   officer_id=people["clerk"], webhook_url=url)
    session.commit()
    for _ in range(due_work.MAX_ATTEMPTS):
        due_work.run_until_idle(session=session, worker_id="w", now=clock.now())
        clock.advance(timedelta(hours=1))
    assert len(handler.received) == due_work.MAX_ATTEMPTS
    keys = {h["Idempotency-Key"] for h, _ in handler.received}
    assert len(keys) == 1  # the same key on every retry
    item = session.scalar(select(DueWork).where(DueWork.kind == "webhook_delivery"))
    notice = session.scalar(select(Notification))
    assert item.status == "failed" and "503" in item.last_error
    assert notice.webhook_status == "failed" and notice.webhook_attempts == due_work.MAX_ATTEMPTS
