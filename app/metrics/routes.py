"""``GET /metrics`` in the Prometheus text format (see :mod:`app.metrics` for access and multiprocess mode)."""
from __future__ import annotations

import hmac
import ipaddress
import os
import time
from datetime import datetime

from flask import Flask, Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.dossiers.models import OPEN_STATUSES, Dossier, DossierStatus, Step
from app.errors import Forbidden, Unauthorized
from app.extensions import db
from app.scheduler.due_work_models import DueWork
from app.scheduler.models import SchedulerHeartbeat

blp = Blueprint("metrics", __name__, url_prefix="", description="Số đo cho Prometheus (metrics)")

#: Request metrics live in their own registry (not the global one) so building many apps in one process
#: (tests) never registers them twice; in multiprocess mode values go to PROMETHEUS_MULTIPROC_DIR anyway.
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("motcua_http_requests_total", "HTTP requests by endpoint, method and status",
                   ("endpoint", "method", "status"), registry=REGISTRY)
LATENCY = Histogram("motcua_http_request_duration_seconds", "HTTP request latency by endpoint, method and status",
                    ("endpoint", "method", "status"), registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _record(response: Response) -> Response:
    rule = request.url_rule
    endpoint = rule.rule if rule is not None else "unmatched"  # the route template keeps cardinality bounded
    labels = (endpoint, request.method, str(response.status_code))
    REQUESTS.labels(*labels).inc()
    started = g.get("metrics_started")
    if started is not None:
        LATENCY.labels(*labels).observe(time.perf_counter() - started)
    return response


@blp.record_once
def _install(state) -> None:
    app: Flask = state.app
    # First of all before_request hooks, so a request refused by the guard is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_record)


class _DatabaseCollector:
    """Business gauges computed once per scrape from the database."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now

    def collect(self):
        s, now = self.session, self.now
        by_status = GaugeMetricFamily("motcua_dossiers", "Dossiers by status", labels=["status"])
        for status, count in s.execute(select(Dossier.status, func.count()).group_by(Dossier.status)):
            by_status.add_metric([status], count)
        yield by_status
        overdue = s.scalar(select(func.count()).select_from(Step).join(Dossier, Dossier.id == Step.dossier_id).where(
            Step.status.in_(OPEN_STATUSES), Step.due_at.is_not(None), Step.due_at < now, Dossier.status != DossierStatus.PAUSED))
        yield GaugeMetricFamily("motcua_overdue_steps", "Open steps past their due time (paused dossiers left out)",
                                value=overdue)
        last_tick = s.scalar(select(func.max(SchedulerHeartbeat.last_tick_at)))
        lag = GaugeMetricFamily("motcua_scheduler_lag_seconds", "Seconds since the last scheduler tick (any worker)")
        if last_tick is not None:
            lag.add_metric([], max((now - last_tick).total_seconds(), 0.0))
        yield lag
        oldest = s.scalar(select(func.min(DueWork.due_at)).where(DueWork.status == "pending", DueWork.due_at <= now))
        yield GaugeMetricFamily("motcua_due_work_oldest_pending_seconds",
                                "How long the oldest due, still pending work has waited (0: none)",
                                value=0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0))
        failed = s.scalar(select(func.count()).select_from(DueWork).where(DueWork.status == "failed"))
        yield GaugeMetricFamily("motcua_jobs_failed", "Due work that failed and waits for an administrator",
                                value=failed)


def _setting(name: str) -> str:
    return (current_app.config.get(name) or os.environ.get(name) or "").strip()


def _address_allowed() -> bool:
    allowed = [a.strip() for a in _setting("METRICS_ALLOW_FROM").split(",") if a.strip()]
    if not allowed or not request.remote_addr:
        return False
    try:
        client = ipaddress.ip_address(request.remote_addr)
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(a, strict=False) for a in allowed)


def check_access() -> None:
    token = _setting("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and header[:7].lower() == "bearer " and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return
    if _address_allowed():
        return
    officer = g.get("officer")  # the guard tries a token on public views
    if officer is not None and officer.has_role("admin"):
        return
    if officer is None:
        raise Unauthorized(headers={"WWW-Authenticate": 'Bearer realm="motcua-flow-metrics"'})
    raise Forbidden()


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.doc(responses={"200": {"description": "Prometheus text format",
                                "content": {"text/plain": {"schema": {"type": "string"}}}}})
    def get(self):
        """Request counts and latency, dossiers by status, overdue steps, scheduler lag, due work, failed jobs."""
        check_access()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            requests_registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(requests_registry)
        else:
            requests_registry = REGISTRY
        business = CollectorRegistry(auto_describe=False)
        business.register(_DatabaseCollector(db.session, utcnow()))
        body = generate_latest(requests_registry) + generate_latest(business)
        return Response(body, status=200, content_type=CONTENT_TYPE_LATEST)
