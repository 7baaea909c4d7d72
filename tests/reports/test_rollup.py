"""The daily step rollup gives the summary by unit the very figures counted from ``steps`` — for every period,
however far the rollup is built, after a due time moved — and the new step columns are right (and backfilled)."""
from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text, update

from app.dossiers.models import Step
from app.extensions import db
from app.reports import queries, rollup, service
from app.reports.models import ReportRollupStale, ReportStepDay
from tests.reports.history import local

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0006_step_report_rollup.py"


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _live(session, f, p) -> dict:
    stmt = queries.step_summary(f=f, start=p.start, end=p.end, as_of=p.as_of, group="unit")
    return {r.key: dict(r._mapping) for r in session.execute(stmt)}


def _from_rollup(session, f, p) -> dict:
    return {r["key"]: r for r in service.step_counts(session=session, f=f, p=p, group_by="unit")}


def _check_every_period(session, now: datetime, days: list[date], filters: list) -> int:
    """Rollup (as far as built) + steps after it == steps alone, for every period within ``days``."""
    compared = 0
    for first in days:
        for last in days[days.index(first):]:
            p = service.period(first=first, last=last, now=now, tz=TZ.key, max_days=731)
            for f in filters:
                assert _from_rollup(session, f, p) == _live(session, f, p), (first, last, f)
                compared += 1
    return compared


def _filters(session) -> list:
    from app.org.models import Unit
    from app.reports.queries import Scope

    vp = session.scalar(select(Unit.id).where(Unit.code == "CB-SNV-VP"))
    return [service.filters(session=session, scope=None),
            service.filters(session=session, scope=None, agency="CB-SNV"),
            service.filters(session=session, scope=None, unit="CB-SNV-VP"),
            queries.Filters(scope=Scope(frozenset(), frozenset({vp})))]


def test_rollup_gives_the_figures_of_the_steps_for_every_period_and_extent(history, app, clock):
    now = clock.now()  # Monday 23/03/2026 10:00
    days = _days(date(2026, 3, 1), date(2026, 3, 23))
    with app.app_context():
        s = db.session
        filters = _filters(s)
        assert rollup.usable(session=s, tz=TZ) is None
        # built as far as 28/02 (nothing yet: every step started later), then 02/03, 09/03, 13/03, 19/03, 22/03
        for built_on in ("2026-03-01 09:00", "2026-03-03 00:20", "2026-03-10 08:00", "2026-03-14 08:00",
                         "2026-03-20 00:05", "2026-03-20 00:15", "2026-03-23 10:00"):
            rollup.build(session=s, now=local(built_on), tz=TZ)
            s.commit()
            extent = rollup.usable(session=s, tz=TZ)
            assert extent.start == date(2026, 3, 2)  # the first step
            assert extent.through == max(rollup.last_buildable_day(local(built_on), TZ), date(2026, 3, 1))
            assert _check_every_period(s, now, days if built_on.startswith("2026-03-23") else days[::3], filters)
        assert extent.through == date(2026, 3, 22)
        assert s.scalar(select(ReportStepDay.day).order_by(ReportStepDay.day).limit(1)) == date(2026, 3, 2)
        # the hand-computed figures of test_reports, now mostly from the rollup
        p = service.period(first=date(2026, 3, 9), last=date(2026, 3, 20), now=now, tz=TZ.key, max_days=731)
        report = service.summary(session=s, f=filters[0], p=p, group_by="unit", now=now)
        from tests.reports.test_reports import UNITS, strip

        assert {r["key"]: strip(r) for r in report["rows"]} == UNITS


def test_a_moved_due_time_makes_the_days_stale_until_rebuilt(history, app, clock):
    with app.app_context():
        s = db.session
        rollup.build(session=s, now=clock.now(), tz=TZ)
        s.commit()
        filters = _filters(s)[:2]
        before = {day: _live(s, filters[0], service.period(first=date(2026, 3, 1), last=day, now=clock.now(),
                                                            tz=TZ.key, max_days=731)) for day in _days(date(2026, 3, 3), date(2026, 3, 12))}
    # D2's step 3 (started 03/03, due 04/03 09:00, overdue since) is paused four working days: its due time moves
    # (to 10/03 09:00), so at the ends of 04/03 … 09/03 it is no longer counted overdue
    history.post("D2", "pause", {"kind": "supplementation", "reason": "Chờ bổ sung"})
    history.at("2026-03-27 10:00")
    history.post("D2", "resume", {})
    now = clock.now()
    with app.app_context():
        s = db.session
        stale = s.scalars(select(ReportRollupStale.since)).all()
        assert stale and min(stale) == local("2026-03-03 09:00")
        assert rollup.usable(session=s, tz=TZ).through == date(2026, 3, 2)
        after = {day: _live(s, filters[0], service.period(first=date(2026, 3, 1), last=day, now=now, tz=TZ.key,
                                                           max_days=731)) for day in before}
        assert after != before  # the figures of past periods moved: the rollup must follow
        days = _days(date(2026, 3, 1), date(2026, 3, 27))
        _check_every_period(s, now, days[::2], filters)
        assert rollup.tick(s, now) == 24  # the new days 23/03 … 26/03, and the stale ones 03/03 … 22/03
        s.commit()
        assert s.scalar(select(ReportRollupStale.id)) is None
        assert rollup.usable(session=s, tz=TZ).through == date(2026, 3, 26)
        _check_every_period(s, now, days[::2], filters)


def test_tick_builds_a_day_once_it_is_over(history, app, clock):
    with app.app_context():
        s = db.session
        assert rollup.tick(s, clock.now()) == 21  # 02/03 … 22/03
        s.commit()
        assert rollup.tick(s, clock.now()) == 0
        assert rollup.tick(s, local("2026-03-24 00:05")) == 0  # grace: a request may still commit on 23/03
        assert rollup.tick(s, local("2026-03-24 00:15")) == 1
        s.commit()
        assert rollup.usable(session=s, tz=TZ).through == date(2026, 3, 23)
        # stale days are rebuilt at most every 10 minutes (they are counted from steps meanwhile)
        s.add(ReportRollupStale(since=local("2026-03-20 08:00")))
        s.commit()
        assert rollup.usable(session=s, tz=TZ).through == date(2026, 3, 19)
        assert rollup.tick(s, local("2026-03-24 00:20")) == 0
        assert rollup.tick(s, local("2026-03-24 00:25")) == 4  # 20/03 … 23/03
        s.commit()
        assert rollup.usable(session=s, tz=TZ).through == date(2026, 3, 23)
        # another timezone: everything is rebuilt in it
        assert rollup.build(session=s, now=local("2026-03-24 00:15"), tz=ZoneInfo("UTC")) == 21  # 23/03 17:15 UTC
        assert rollup.usable(session=s, tz=TZ) is None
        s.rollback()


def test_step_columns_are_set_as_steps_begin_and_end_and_backfilled(history, app, clock):
    """Copies of the dossier, the end and why cancelled; the migration's backfill finds the same values."""
    from tests.dossiers.flow import Flow

    flow = Flow(history.client, clock)
    diagram = Path(__file__).resolve().parents[1] / "engine" / "data" / "boundary_timers.bpmn"
    from tests.conftest import TEST_PASSWORD

    r = flow.client.post("/api/v1/auth/token", json={"username": "admin", "password": TEST_PASSWORD})
    h = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    with app.app_context():
        from app.org.models import Agency

        agency_id = db.session.scalar(select(Agency.id).where(Agency.code == "NA-HN"))
    assert flow.client.post(f"/api/v1/process-definitions?agency_id={agency_id}", data=diagram.read_bytes(),
                            headers={**h, "Content-Type": "application/xml"}).status_code == 201
    assert flow.client.post("/api/v1/process-definitions/boundary_timers/versions/1/submit", headers=h).status_code == 200
    assert flow.client.post("/api/v1/process-definitions/boundary_timers/versions/1/publish", headers=h, json={
        "decision_number": "1/QĐ", "decision_date": "2026-03-01",
        "lane_bindings": {"*": "NA-HN-KTHTDT"}}).status_code == 200
    receipt = flow.start("boundary_timers", channel="postal")
    clock.advance(timedelta(minutes=6))
    fired_at = clock.now()
    with app.app_context():
        from app.deadlines import hooks as deadlines
        from app.dossiers import service as dossiers
        from app.dossiers.models import Dossier

        assert len(dossiers.advance_timers(db.session, db.session.get(Dossier, receipt["id"]), fired_at, life=deadlines)) == 2
        db.session.commit()
    columns = (Step.id, Step.agency_id, Step.procedure_key, Step.channel, Step.ended_at, Step.cancel_reason)
    with app.app_context():
        s = db.session
        timer = {row.status: row for row in s.execute(select(Step.status, *columns[1:]).where(
            Step.dossier_id == receipt["id"]))}
        assert timer["cancelled"][-2:] == (fired_at, "interrupted")
        assert timer["cancelled"][1:4] == (agency_id, "boundary_timers", "postal")
        d7 = s.execute(select(Step.status, Step.ended_at, Step.cancel_reason, Step.channel).where(
            Step.dossier_id == history.ids["D7"])).one()
        assert tuple(d7) == ("cancelled", local("2026-03-10 10:00"), "withdrawn", "direct")
        assert set(s.scalars(select(Step.channel).where(Step.dossier_id == history.ids["D8"]))) == {"online"}
        assert s.scalar(select(Step.id).where(Step.status == "completed", Step.ended_at != Step.completed_at)) is None
        assert s.scalar(select(Step.id).where(Step.status.in_(("ready", "claimed")), Step.ended_at.is_not(None))) is None
        expected = s.execute(select(*columns).order_by(Step.id)).all()
        assert len(expected) > 40

        s.execute(update(Step).values(agency_id=None, procedure_key=None, channel="direct", ended_at=None,
                                      cancel_reason=None))
        spec = importlib.util.spec_from_file_location("migration_0006", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.backfill(s.connection())
        assert s.execute(select(*columns).order_by(Step.id)).all() == expected
        s.rollback()
        assert s.execute(text("SELECT count(*) FROM steps WHERE agency_id IS NULL")).scalar() == 0


def test_events_at_midnight_fall_on_the_right_day(history, app, clock):
    """A step ending at 00:00 is still open at the end of the day before (the reports' ``ended >= end``)."""
    history.at("2026-03-24 00:00")
    history.forward("D8", "Step_2")  # ends step 2, starts step 3 at midnight
    history.receive("D13")
    history.post("D9", "withdraw", {"reason": "Người nộp xin rút hồ sơ"})
    history.at("2026-03-25 10:00")
    with app.app_context():
        s = db.session
        rollup.build(session=s, now=clock.now(), tz=TZ)
        s.commit()
        assert rollup.usable(session=s, tz=TZ).through == date(2026, 3, 24)
        _check_every_period(s, clock.now(), _days(date(2026, 3, 20), date(2026, 3, 25)), _filters(s)[:1])
