"""Step and dossier due times of the two shipped procedures against a table checked by hand.

Working time (domain.md): Mon–Fri 07:00–11:30 and 13:30–17:00 (+07:00), 1 day = 8 h, a due time that lands
on a session end stays there; received after 15:00 counts from the next working day. Each step is completed
exactly at its due time, so the next one starts there (and every result is "on_time").
"""
from __future__ import annotations

from datetime import datetime

from tests.deadlines.conftest import iso, vn
from tests.dossiers.flow import ACTOR, FORWARD

# NA-3857-2025 (na_khau_tru_kinh_phi_boi_thuong, xã Hưng Nguyên), received Monday 02/03/2026 08:00.
NA_TABLE = [
    # step, limit, due                        hand check
    ("Step_1", 4 * 60, iso(2026, 3, 2, 14)),   # 08:00–11:30 = 3.5 h, + 0.5 h from 13:30
    ("Step_2", 4 * 60, iso(2026, 3, 3, 8)),    # Mon 14:00–17:00 = 3 h, + 1 h Tue from 07:00
    ("Step_3", 112 * 60, iso(2026, 3, 23, 8)),  # 14 working days after Tue 03/03 08:00 (no holiday in March)
    ("Step_4", 24 * 60, iso(2026, 3, 26, 8)),  # 3 days: Tue 24, Wed 25, Thu 26
    ("Step_5", 16 * 60, iso(2026, 3, 30, 8)),  # 2 days: Fri 27, (weekend), Mon 30
    ("Step_6", 8 * 60, iso(2026, 3, 31, 8)),   # 1 day
]
NA_DOSSIER_DUE = iso(2026, 3, 31, 8)  # PT168H = 21 working days from Mon 02/03 08:00 → Tue 31/03 08:00 (= the steps' sum)

# CB-2022-2025-QT17 (cb_tiep_nhan_doi_tuong_bao_tro_xa_hoi, Sở Y tế Cao Bằng), received Monday 02/03/2026 08:00.
CB_TABLE = [
    ("Step_I_1", 4 * 60, iso(2026, 3, 2, 14)),    # 0.5 day
    ("Step_I_2", 8 * 60, iso(2026, 3, 3, 14)),    # 1 day
    ("Step_I_3", 48 * 60, iso(2026, 3, 11, 14)),  # 6 days: Wed 4, Thu 5, Fri 6, Mon 9, Tue 10, Wed 11
    ("Step_I_4", 8 * 60, iso(2026, 3, 12, 14)),
    ("Step_I_5", 8 * 60, iso(2026, 3, 13, 14)),
    ("Step_I_6", 4 * 60, iso(2026, 3, 16, 8)),    # Fri 14:00–17:00 = 3 h, + 1 h Monday
    ("Step_II_1", 4 * 60, iso(2026, 3, 16, 14)),
    ("Step_II_2", 56 * 60, iso(2026, 3, 25, 14)),  # 7 days: Tue 17 … Wed 25
    ("Step_II_3", 8 * 60, iso(2026, 3, 26, 14)),
    ("Step_II_4", 4 * 60, iso(2026, 3, 27, 8)),
    ("Step_II_5", 4 * 60, iso(2026, 3, 27, 14)),
    ("Step_II_6", 40 * 60, iso(2026, 4, 3, 14)),   # 5 days: Mon 30, Tue 31, Wed 1, Thu 2, Fri 3
    ("Step_II_7", 4 * 60, iso(2026, 4, 6, 8)),
]
CB_DOSSIER_DUE = iso(2026, 4, 6, 8)  # P25D = 200 h = 25 working days → Mon 06/04 08:00 (= the steps' sum)


def test_na_3857_due_times_results_and_time_used(dl):
    receipt = dl.start()
    assert receipt["appointment_at"] == NA_DOSSIER_DUE
    dossier_id = receipt["id"]
    for spec_id, limit, due in NA_TABLE:
        step = dl.current(dossier_id, spec_id)
        assert (step["time_limit_minutes"], step["due_at"]) == (limit, due), spec_id
        assert step["deadline"]["status"] in ("on_track", "due_soon")
        dl.clock.set(datetime.fromisoformat(due))
        done = dl.complete(step["id"], ACTOR[spec_id], FORWARD[spec_id])
        assert done["result"] == "on_time" and done["deadline"]["time_used_minutes"] == limit, spec_id
    dl.forward(dossier_id, "Step_7")
    dossier = dl.dossier(dossier_id)
    assert dossier["status"] == "finished" and dossier["due_at"] == NA_DOSSIER_DUE
    assert dossier["result"] == "on_time"
    assert dossier["deadline"]["time_used_minutes"] == 168 * 60


def test_cb_qt17_due_times_across_two_levels(dl):
    receipt = dl.start_cb()
    assert receipt["appointment_at"] == CB_DOSSIER_DUE
    dossier_id = receipt["id"]
    for spec_id, limit, due in CB_TABLE:
        step = dl.open_step(dossier_id)
        assert (step["spec_id"], step["time_limit_minutes"], step["due_at"]) == (spec_id, limit, due)
        dl.clock.set(datetime.fromisoformat(due))
        assert dl.forward_cb(dossier_id)["result"] == "on_time"
    last = dl.open_step(dossier_id)
    assert last["spec_id"] == "Step_II_8" and last["due_at"] is None  # the return of results is not counted
    dl.forward_cb(dossier_id)
    dossier = dl.dossier(dossier_id, "admin")
    assert dossier["status"] == "finished" and dossier["result"] == "on_time"
    assert dossier["deadline"]["time_used_minutes"] == 200 * 60


def test_received_at_1530_counts_from_the_next_morning(dl):
    dl.clock.set(vn(2026, 3, 2, 15, 30))
    receipt = dl.start()
    assert receipt["counting_from"] == iso(2026, 3, 3, 7)
    # 21 days from Tue 03/03 07:00: day 1 ends Tue 17:00 (a session end stays), day 21 ends Tue 31/03 17:00
    assert receipt["appointment_at"] == iso(2026, 3, 31, 17)
    assert dl.current(receipt["id"], "Step_1")["due_at"] == iso(2026, 3, 3, 11)  # 07:00 + 4 h


def test_received_before_30_4_and_1_5_skips_the_holidays(dl):
    # Wed 22/04/2026: Mon 27/04 (Giỗ Tổ, moved from Sunday 26/04), Thu 30/04 and Fri 01/05 are days off
    dl.clock.set(vn(2026, 4, 22))
    receipt = dl.start()
    # 21 days: Thu 23 (1), Fri 24 (2), Tue 28 (3), Wed 29 (4), Mon 4/5 (5) … Mon 25/5 (20), Tue 26/5 (21)
    assert receipt["appointment_at"] == iso(2026, 5, 26)


def test_received_before_tet_2027(dl):
    # Mon 25/01/2027; Tết At Mùi 2027: Thu 04/02 … Wed 10/02 off
    dl.clock.set(vn(2027, 1, 25))
    receipt = dl.start_cb()
    # 25 days: Tue 26/1 (1) … Wed 3/2 (7), Thu 11/2 (8), Fri 12/2 (9), Mon 15/2 (10) … Fri 5/3 (24), Mon 8/3 (25)
    assert receipt["appointment_at"] == iso(2027, 3, 8)
    step = dl.open_step(receipt["id"])
    assert step["due_at"] == iso(2027, 1, 25, 14)
