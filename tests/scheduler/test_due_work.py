"""Due work on one process (SQLite and PostgreSQL): idempotent scheduling, leases, retries, incidents."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.notifications.models import Notification
from app.scheduler import due_work
from app.scheduler.due_work_models import DueWork
from app.scheduler.runner import tick

LEASE = timedelta(minutes=5)


def _notify(session, clock, n: int, officer_id: int, *, due_in=timedelta(0), prefix="k"):
    for i in range(n):
        due_work.schedule(session=session, kind="notify", due_at=clock.now() + due_in, dedupe_key=f"{prefix}{i}",
                          now=clock.now(), payload={"officer_id": officer_id, "text": f"Nhắc việc {i}"})
    session.commit()


@pytest.fixture()
def officer(auth):
    return auth.create("canbo", "officer")


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_scheduling_twice_is_a_no_op(session, clock, officer):
    assert due_work.schedule(session=session, kind="notify", due_at=clock.now(), dedupe_key="same",
                             payload={"officer_id": officer, "text": "a"}) is True
    assert due_work.schedule(session=session, kind="notify", due_at=clock.now() + timedelta(hours=1),
                             dedupe_key="same", payload={"officer_id": officer, "text": "b"}) is False
    session.commit()
    row = session.scalar(select(DueWork))
    assert _count(session, DueWork) == 1 and row.payload["text"] == "a"


def test_only_due_items_are_claimed_and_each_runs_once(session, clock, officer):
    _notify(session, clock, 5, officer)
    _notify(session, clock, 3, officer, due_in=timedelta(hours=2), prefix="later")
    assert due_work.run_until_idle(session=session, worker_id="w1", now=clock.now()) == 5
    assert _count(session, Notification) == 5
    assert _count(session, DueWork, DueWork.status == "done") == 5
    clock.advance(timedelta(hours=2))
    assert due_work.run_until_idle(session=session, worker_id="w2", now=clock.now()) == 3
    assert due_work.run_until_idle(session=session, worker_id="w2", now=clock.now()) == 0
    assert _count(session, Notification) == 8


def test_single_process_exactly_once_with_interleaved_workers(session, clock, officer):
    _notify(session, clock, 300, officer)
    claimed = 0
    while True:
        batch = sum(due_work.work_batch(session=session, worker_id=w, now=clock.now(), limit=7) for w in "abc")
        claimed += batch
        if batch == 0:
            break
    assert claimed == 300
    assert _count(session, Notification) == 300
    assert session.scalar(select(func.count(func.distinct(Notification.dedupe_key)))) == 300
    assert _count(session, DueWork, DueWork.status != "done") == 0


def test_leased_items_wait_for_the_lease_and_the_old_owner_is_fenced_off(session, clock, officer):
    _notify(session, clock, 3, officer)
    stale = due_work.claim(session=session, worker_id="dead", now=clock.now(), lease=LEASE)
    session.commit()
    assert len(stale) == 3
    assert due_work.claim(session=session, worker_id="w2", now=clock.now() + timedelta(minutes=4)) == []
    clock.advance(LEASE + timedelta(seconds=1))
    assert due_work.run_until_idle(session=session, worker_id="w2", now=clock.now()) == 3
    # the "dead" worker wakes up: its lease is gone, nothing runs twice
    with pytest.raises(due_work.LeaseLost):
        due_work.run_one(session=session, item=stale[0], now=clock.now())
    session.rollback()
    assert _count(session, Notification) == 3


def test_items_due_while_down_fire_at_next_start(app, session, clock, officer):
    for hours in (1, 5, 30):  # all fall due while no scheduler runs
        due_work.schedule(session=session, kind="notify", due_at=clock.now() + timedelta(hours=hours),
                          dedupe_key=f"down{hours}", payload={"officer_id": officer, "text": "x"})
    session.commit()
    clock.advance(timedelta(days=2))
    result = tick(app, "restarted")
    assert result["daily_digest"] == 1  # today's digest got scheduled too (no leaders: no notice)
    assert result["due_work"] == 4
    assert _count(session, Notification) == 3


def test_cancel_by_step_and_key(session, clock, officer):
    for kind in ("step_due_soon", "step_overdue"):
        due_work.schedule(session=session, kind=kind, due_at=clock.now(), dedupe_key=f"step:7:{kind}", step_id=7)
    due_work.schedule(session=session, kind="notify", due_at=clock.now(), dedupe_key="n1",
                      payload={"officer_id": officer, "text": "x"})
    assert due_work.cancel(session=session, step_id=7, now=clock.now()) == 2
    assert due_work.cancel(session=session, dedupe_key="n1", now=clock.now()) == 1
    assert due_work.cancel(session=session, dedupe_key="n1", now=clock.now()) == 0
    session.commit()
    assert due_work.claim(session=session, worker_id="w", now=clock.now()) == []
    # a late duplicate does not revive cancelled work
    assert due_work.schedule(session=session, kind="notify", due_at=clock.now(), dedupe_key="n1") is False
    with pytest.raises(ValueError):
        due_work.cancel(session=session)


def test_failures_back_off_then_become_an_incident_and_can_be_retried(client, admin_headers, session, clock):
    calls = []

    def explode(session_, item, now):
        calls.append(item.id)
        session_.add(Notification(recipient_officer_id=1, kind="x", text="should roll back", dedupe_key=f"x{len(calls)}",
                                  created_at=now, webhook_attempts=0))
        session_.flush()
        raise RuntimeError("hỏng")

    due_work.register_handler("test_explode", explode)
    due_work.schedule(session=session, kind="test_explode", due_at=clock.now(), dedupe_key="boom")
    session.commit()
    delays = []
    for attempt in range(1, due_work.MAX_ATTEMPTS + 1):
        assert due_work.work_batch(session=session, worker_id="w", now=clock.now()) == 1
        row = session.scalar(select(DueWork))
        assert row.attempts == attempt and "hỏng" in row.last_error
        if attempt < due_work.MAX_ATTEMPTS:
            delays.append(row.due_at - clock.now())
            assert due_work.work_batch(session=session, worker_id="w", now=clock.now()) == 0  # not yet
            clock.set(row.due_at)
    assert delays == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert row.status == "failed"
    assert _count(session, Notification) == 0  # every failed run rolled back its effects
    incidents = client.get("/api/v1/scheduler/due-work", headers=admin_headers, query_string={"status": "failed"})
    assert incidents.status_code == 200
    assert [i["dedupe_key"] for i in incidents.get_json()] == ["boom"]
    retried = client.post(f"/api/v1/scheduler/due-work/{row.id}/retry", headers=admin_headers)
    assert retried.status_code == 200 and retried.get_json()["status"] == "pending"
    assert retried.get_json()["attempts"] == 0
    again = client.post(f"/api/v1/scheduler/due-work/{row.id}/retry", headers=admin_headers)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert client.post("/api/v1/scheduler/due-work/999/retry", headers=admin_headers).status_code == 404


def test_unknown_kind_is_recorded_not_lost(session, clock):
    due_work.schedule(session=session, kind="no_such_kind", due_at=clock.now(), dedupe_key="u")
    session.commit()
    due_work.work_batch(session=session, worker_id="w", now=clock.now())
    row = session.scalar(select(DueWork))
    assert row.status == "pending" and row.attempts == 1 and "NoHandler" in row.last_error


def test_incident_endpoint_is_for_admins_and_validates(client, auth, admin_headers):
    auth.create("lanhdao", "leader")
    assert client.get("/api/v1/scheduler/due-work", headers=auth.headers("lanhdao")).status_code == 403
    bad = client.get("/api/v1/scheduler/due-work", headers=admin_headers, query_string={"status": "weird"})
    assert bad.status_code == 422


def test_claim_statement_is_one_update_with_skip_locked():
    from sqlalchemy.dialects import postgresql

    from tests.conftest import DEFAULT_NOW

    sql = str(due_work.claim_statement(worker_id="w", now=DEFAULT_NOW, limit=10, lease=LEASE)
              .compile(dialect=postgresql.dialect()))
    assert sql.startswith("UPDATE due_work SET")
    assert "FOR UPDATE SKIP LOCKED" in sql and "RETURNING" in sql and "status = 'pending'" in sql
