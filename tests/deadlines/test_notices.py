"""Due-soon, overdue and escalation notices appear exactly when the clock passes their times, and once.

NA-3857, received Mon 02/03/2026 08:00; Step_1 (4 h, the one-stop desk NA-HN-TTPVHCC-MC, no leader of its
own, so its leaders are the commune's: na.hn.chutich) is due at 14:00. Times, by hand:
due soon (25 % = 1 h left) 11:00 · overdue 14:00 · unit leader (+PT4H) Tue 08:00 · agency leader (+P1D) Tue 14:00.
The dossier (due Tue 31/03 08:00) has its apology deadline one working day earlier: Mon 30/03 08:00.
"""
from __future__ import annotations

from sqlalchemy import select

from app.dossiers.models import Step
from app.extensions import db
from app.scheduler.due_work_models import DueWork
from tests.deadlines.conftest import vn
from tests.dossiers.flow import ACTOR, FORWARD

DESK = "NA-HN-TTPVHCC-MC"
CHAIR = "na.hn.chutich"


def kinds(dl):
    return [(kind, who) for kind, who, _ in dl.notices()]


def test_notices_fire_when_the_clock_passes_and_only_once(dl):
    dossier_id = dl.start()["id"]
    step_id = dl.current(dossier_id, "Step_1")["id"]

    dl.clock.set(vn(2026, 3, 2, 10, 59))
    dl.tick()
    assert dl.notices() == []
    dl.clock.set(vn(2026, 3, 2, 11, 0))
    dl.tick()
    dl.tick()
    dl.tick("scheduler-2")  # a second scheduler process finds nothing left
    assert kinds(dl) == [("step_due_soon", DESK)]
    kind, _, text = dl.notices()[0]
    assert dl.dossier(dossier_id)["code"] in text and "14:00 02/03/2026 (+07:00)" in text and "Kiểm tra" in text
    assert dl.act(step_id, "claim", "na.hn.motcua", expect=200)["deadline"]["status"] == "due_soon"

    dl.clock.set(vn(2026, 3, 2, 13, 59))
    dl.tick()
    assert len(dl.notices()) == 1
    dl.clock.set(vn(2026, 3, 2, 14, 0))
    dl.tick()
    dl.tick("scheduler-2")
    assert kinds(dl)[1:] == [("step_overdue", DESK), ("step_overdue", CHAIR)]
    with dl.app.app_context():
        assert db.session.get(Step, step_id).overdue_at == vn(2026, 3, 2, 14, 0)
    task = dl.client.get(f"/api/v1/tasks/{step_id}", headers=dl.h("na.hn.motcua")).get_json()
    assert task["deadline"]["status"] == "overdue" and task["deadline"]["remaining_minutes"] == 0

    dl.clock.set(vn(2026, 3, 3, 7, 59))
    dl.tick()
    assert len(dl.notices()) == 3
    dl.clock.set(vn(2026, 3, 3, 8, 0))
    dl.tick()
    assert kinds(dl)[3:] == [("escalate_unit_leader", CHAIR)]
    dl.clock.set(vn(2026, 3, 3, 14, 0))
    dl.tick()
    dl.tick()
    assert kinds(dl)[4:] == [("escalate_agency_leader", CHAIR)]

    # completing the step (late) cancels nothing left for it, and its result and time used are recorded
    done = dl.complete(step_id, "na.hn.motcua", FORWARD["Step_1"])
    assert done["result"] == "late" and done["deadline"]["time_used_minutes"] == 12 * 60  # Mon 08:00 → Tue 14:00
    with dl.app.app_context():
        pending = db.session.scalars(select(DueWork.kind).where(DueWork.step_id == step_id,
                                                                DueWork.status == "pending")).all()
    assert pending == []


def test_step_two_escalates_to_the_division_head_then_the_chair(dl):
    dossier_id = dl.start()["id"]
    dl.forward(dossier_id, "Step_1")  # at 08:00: Step_2 (NA-HN-KTHTDT-LD, 4 h) due 14:00 Mon
    step = dl.current(dossier_id, "Step_2")
    assert step["due_at"] == vn(2026, 3, 2, 14).isoformat()
    dl.act(step["id"], "claim", ACTOR["Step_2"])
    dl.clock.set(vn(2026, 3, 3, 14))
    dl.tick()
    notices = kinds(dl)
    # claimed: the due-soon notice goes to the assignee; the overdue one to the unit and its leader
    assert notices == [("step_due_soon", ACTOR["Step_2"]), ("step_overdue", "NA-HN-KTHTDT-LD"),
                       ("step_overdue", ACTOR["Step_2"]), ("escalate_unit_leader", ACTOR["Step_2"]),
                       ("escalate_agency_leader", CHAIR)]


def test_scheduler_down_for_a_week_fires_everything_once(dl):
    dossier_id = dl.start()["id"]
    dl.clock.set(vn(2026, 3, 9, 9))  # a week later, the scheduler comes back
    assert dl.tick() > 0
    dl.tick()
    dl.tick("scheduler-2")
    assert [k for k, _ in kinds(dl)] == ["step_due_soon", "step_overdue", "step_overdue", "escalate_unit_leader",
                                         "escalate_agency_leader"]
    assert dl.dossier(dossier_id)["deadline"]["status"] == "on_track"  # the dossier itself is due on 31/03


def test_dossier_overdue_and_apology_deadline(dl):
    dossier_id = dl.start()["id"]
    for spec_id in ("Step_1", "Step_2"):
        dl.forward(dossier_id, spec_id)  # Step_3 (appraiser, 112 h) due Fri 20/03 08:00
    dl.clock.set(vn(2026, 3, 30, 7, 59))
    dl.tick()
    assert "apology_deadline" not in [k for k, _ in kinds(dl)]
    dl.clock.set(vn(2026, 3, 30, 8, 0))
    dl.tick()
    apology = [(who, text) for kind, who, text in dl.notices() if kind == "apology_deadline"]
    assert [who for who, _ in apology] == ["NA-HN-KTHTDT", "na.hn.ktht.truongphong"]
    assert "Mẫu 04" in apology[0][1] and "08:00 31/03/2026 (+07:00)" in apology[0][1]
    dl.clock.set(vn(2026, 3, 31, 8, 0))
    dl.tick()
    dl.tick("scheduler-2")
    assert [who for kind, who in kinds(dl) if kind == "dossier_overdue"] == ["NA-HN-KTHTDT", CHAIR]
    assert dl.dossier(dossier_id)["deadline"]["status"] == "overdue"


def test_daily_digest_lists_each_leaders_overdue_and_due_today(dl):
    from app.deadlines.scheduled import schedule_deadline_digest

    dossier_id = dl.start()["id"]
    dl.forward(dossier_id, "Step_1")  # Step_2 (NA-HN-KTHTDT-LD) due Mon 14:00
    dl.clock.set(vn(2026, 3, 2, 8, 30))
    with dl.app.app_context():
        assert schedule_deadline_digest(db.session, dl.clock.now()) == 1
        assert schedule_deadline_digest(db.session, dl.clock.now()) == 0
        db.session.commit()
    dl.tick()
    dl.tick("scheduler-2")
    digests = dl.notices("deadline_digest")
    # the division's leader, and the commune chairman whose leadership unit sits above it (units.parent_id);
    # each once although two schedulers ticked
    assert sorted(who for _, who, _ in digests) == ["na.hn.chutich", "na.hn.ktht.truongphong"]
    assert all("0 bước quá hạn, 1 bước đến hạn hôm nay" in text for _, _, text in digests)


def test_three_scheduler_processes_on_postgresql_fire_each_notice_once(dl, migrated_database):
    """Twenty dossiers, a week of missed ticks, three scheduler processes at once: every notice exactly once."""
    from sqlalchemy import func

    from app.notifications.models import Notification
    from tests.scheduler.test_exactly_once_pg import _finish, _spawn

    with dl.app.app_context():
        if db.session.get_bind().dialect.name != "postgresql":
            import pytest
            pytest.skip("needs PostgreSQL (real concurrent schedulers); the single-process runs are above")
    for _ in range(20):
        dl.start()
    later = vn(2026, 3, 9, 9)
    outputs = [_finish(p) for p in [_spawn(migrated_database, later, batch=5) for _ in range(3)]]
    assert outputs
    with dl.app.app_context():
        by_kind = dict(db.session.execute(select(Notification.kind, func.count()).group_by(Notification.kind)).all())
        pending = db.session.scalar(select(func.count()).select_from(DueWork).where(
            DueWork.status == "pending", DueWork.due_at <= later))
    # per dossier: due soon (desk), overdue (desk + chair), unit leader (chair), agency leader (chair)
    assert by_kind == {"step_due_soon": 20, "step_overdue": 40, "escalate_unit_leader": 20,
                       "escalate_agency_leader": 20}
    assert pending == 0
