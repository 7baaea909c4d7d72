"""Crash consistency, fast: gunicorn (2 workers) on a fresh PostgreSQL schema, workers SIGKILLed at random.

Client threads move NA-3857 dossiers step by step while a worker is killed every 1–3 s; then the database is
checked (engine state == open step rows, no step completed twice, no 200 lost, audit for every completion, no
pending due work of closed dossiers). The long version with figures: ``bench/crash_consistency.py``.
"""
from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECONDS = float(os.environ.get("CRASH_SECONDS", "25"))


def test_killed_workers_leave_every_dossier_consistent(migrated_database):
    if not migrated_database.startswith("postgresql"):
        pytest.skip("crash consistency needs PostgreSQL (gunicorn workers writing concurrently); "
                    "set TEST_DATABASE_URL — bench/crash_consistency.py runs the long version")
    from bench.crash_consistency import run

    result = run(seconds=SECONDS, clients=4, workers=2, kill_low=1.0, kill_high=3.0, seed=20260302)
    figures = result["figures"]
    assert not result["violations"], (result["violations"], figures)
    assert figures["kills"] >= 3, figures
    assert figures["steps_completed"] >= 10, figures  # the run did real work between the kills
