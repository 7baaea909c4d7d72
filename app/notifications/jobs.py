"""Due-work handlers of notifications, registered on import (``app.notifications.routes`` imports this).

- ``notify``: payload ``{"officer_id"|"unit_id", "text", "kind"?, "dedupe_key"?}`` → one notice. Any
  capability can schedule a notice for later with ``due_work.schedule(kind="notify", …)``.
- ``daily_digest``: payload ``{"day": "YYYY-MM-DD"}`` → one notice per active leader (lãnh đạo) with
  their unread count. Scheduled once per working day by the ``daily_digest`` tick handler (unique key
  ``daily_digest:<day>``, so any number of schedulers create it once).
- ``webhook_delivery``: payload ``{"notification_id", "url"}`` → POST with ``Idempotency-Key``; failures
  retry with backoff and end as ``failed`` (and the notice's ``webhook_status`` = ``failed``).
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from app.notifications import service, webhook
from app.notifications.models import Notification
from app.org.leaders import active_leaders
from app.scheduler import due_work
from app.scheduler.due_work import ClaimedWork
from app.scheduler.runner import SCHEDULE, register_tick_handler

DIGEST_AT = time(7, 0)  # local time the daily digest is due


def _config(key: str, default=None):
    return current_app.config.get(key, default) if has_app_context() else default


def webhook_url() -> str | None:
    return _config("NOTIFICATION_WEBHOOK_URL") or None


def handle_notify(session: Session, item: ClaimedWork, now: datetime) -> None:
    payload = item.payload
    service.notify(session=session, now=now, kind=payload.get("kind", "notify"), text=payload["text"],
                   dedupe_key=payload.get("dedupe_key") or f"due_work:{item.dedupe_key}",
                   officer_id=payload.get("officer_id"), unit_id=payload.get("unit_id"),
                   dossier_id=item.dossier_id, step_id=item.step_id, webhook_url=webhook_url())


def handle_daily_digest(session: Session, item: ClaimedWork, now: datetime) -> None:
    day = date.fromisoformat(item.payload["day"])
    leaders = active_leaders(session)
    for leader in leaders:
        unread = service.unread_count(session=session, officer=leader)
        service.notify(session=session, now=now, kind="daily_digest", officer_id=leader.id,
                       dedupe_key=f"daily_digest:{day.isoformat()}:{leader.id}", webhook_url=webhook_url(),
                       text=f"Tổng hợp ngày {day:%d/%m/%Y}: có {unread} thông báo chưa đọc.")


def handle_webhook_delivery(session: Session, item: ClaimedWork, now: datetime) -> None:
    notice = session.get(Notification, item.payload["notification_id"])
    if notice is None or notice.webhook_status == "delivered":
        return
    webhook.post(url=item.payload.get("url") or webhook_url() or "", notice=notice,
                 timeout=_config("NOTIFICATION_WEBHOOK_TIMEOUT", webhook.TIMEOUT_SECONDS))
    notice.webhook_status = "delivered"
    notice.webhook_attempts = item.attempts + 1
    notice.webhook_delivered_at = now


def give_up_webhook(session: Session, item: ClaimedWork, now: datetime, error: str) -> None:
    notice = session.get(Notification, item.payload.get("notification_id"))
    if notice is not None:
        notice.webhook_status = "failed"
        notice.webhook_attempts = item.attempts + 1


def schedule_daily_digest(session: Session, now: datetime) -> int:
    """Tick handler: make sure today's digest is scheduled on a working day (idempotent by its key)."""
    from app.calendar.service import calendar_for_agency

    tz = ZoneInfo(_config("TIMEZONE", "Asia/Ho_Chi_Minh"))
    today = now.astimezone(tz).date()
    cal = calendar_for_agency(session=session, agency_id=None, around=now, tz=tz.key)
    if not cal.is_working_day(today):
        return 0
    due_at = datetime.combine(today, DIGEST_AT, tzinfo=tz)
    created = due_work.schedule(session=session, kind="daily_digest", due_at=due_at, now=now,
                                dedupe_key=f"daily_digest:{today.isoformat()}", payload={"day": today.isoformat()})
    return int(created)


due_work.register_handler("notify", handle_notify)
due_work.register_handler("daily_digest", handle_daily_digest)
due_work.register_handler(service.WEBHOOK_KIND, handle_webhook_delivery, on_give_up=give_up_webhook)
register_tick_handler("daily_digest", schedule_daily_digest, order=SCHEDULE)
