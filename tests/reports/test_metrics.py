"""``/metrics``: who may read it, and the figures it shows."""
from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from tests.reports.history import History


def samples(response) -> dict[tuple[str, tuple], float]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def _seed(app, clock) -> None:
    """One heartbeat 30 s old, one due item pending for 2 minutes, two failed jobs; no other due work."""
    from app.extensions import db
    from app.scheduler.due_work_models import DueWork
    from app.scheduler.models import SchedulerHeartbeat

    now = clock.now()
    with app.app_context():
        db.session.query(DueWork).delete()
        db.session.add(SchedulerHeartbeat(worker_id="w1", host="h", pid=1, started_at=now - timedelta(hours=1),
                                          last_tick_at=now - timedelta(seconds=30), ticks=5))
        db.session.add(DueWork(kind="x", due_at=now - timedelta(seconds=120), dedupe_key="a", status="pending",
                               payload={}, attempts=0))
        db.session.add(DueWork(kind="x", due_at=now + timedelta(hours=1), dedupe_key="b", status="pending",
                               payload={}, attempts=0))
        for key in ("c", "d"):
            db.session.add(DueWork(kind="x", due_at=now, dedupe_key=key, status="failed", payload={}, attempts=3))
        db.session.commit()


def test_metrics_figures_and_access(demo, client, clock, auth, monkeypatch, tmp_path):
    history = History(demo, client, clock)
    history.at("2026-03-02 08:00")
    history.receive("A")  # step 1 due 10:00
    history.receive("B")
    history.forward("B", "Step_1")  # B processing, its step 2 due 14:00
    history.at("2026-03-02 11:00")
    _seed(demo, clock)
    admin = auth.headers("admin")

    assert client.get("/api/v1/health").status_code in (200, 503)
    first = samples(client.get("/metrics", headers=admin))
    assert first[("motcua_dossiers", (("status", "received"),))] == 1
    assert first[("motcua_dossiers", (("status", "processing"),))] == 1
    assert first[("motcua_overdue_steps", ())] == 1  # A's step 1 (due 10:00); B's step 2 is due 14:00
    assert first[("motcua_scheduler_lag_seconds", ())] == 30
    assert first[("motcua_due_work_oldest_pending_seconds", ())] == 120
    assert first[("motcua_jobs_failed", ())] == 2
    health = ("motcua_http_requests_total", (("endpoint", "/api/v1/health"), ("method", "GET"), ("status", "200")))
    health_503 = (health[0], (*health[1][:2], ("status", "503")))
    assert first.get(health, 0) + first.get(health_503, 0) >= 1
    client.get("/api/v1/health")
    second = samples(client.get("/metrics", headers=admin))
    assert second.get(health, 0) + second.get(health_503, 0) == first.get(health, 0) + first.get(health_503, 0) + 1
    buckets = [k for k in second if k[0] == "motcua_http_request_duration_seconds_bucket"
               and ("endpoint", "/metrics") in k[1]]
    assert buckets, "latency histogram by endpoint"

    # refused: no token (401), a token without the admin role (403), a wrong metrics token (401)
    r = client.get("/metrics")
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    assert client.get("/metrics", headers=history.h("cb.snv.giamdoc")).status_code == 403
    demo.config["METRICS_TOKEN"] = "scrape-secret-0123456789"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    samples(client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789"}))
    # or from an allowed address (the test client is 127.0.0.1)
    demo.config["METRICS_ALLOW_FROM"] = "10.0.0.0/8"
    assert client.get("/metrics").status_code == 401
    demo.config["METRICS_ALLOW_FROM"] = "10.0.0.0/8, 127.0.0.1"
    samples(client.get("/metrics"))

    # multiprocess mode reads the workers' files; the database gauges are there all the same
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert samples(client.get("/metrics"))[("motcua_jobs_failed", ())] == 2
