"""Delivery of an applicant notice: the due work ``applicant_notice`` (payload ``{"notice_id"}``).

Registered ``external``: the handler reads the notice, hands it to the provider, then records the outcome,
and the item is marked done after that, so a slow provider holds no write lock. A provider that is down
raises :class:`~app.applicant_notices.channels.ChannelError`: the item is retried with backoff
(:data:`~app.applicant_notices.service.DELIVERY_ATTEMPTS`), then the notice is ``failed`` — a dead letter an
operator lists and sends again. A refusal for good (:class:`PermanentError`) is a dead letter at once.
Delivery is at least once: a crash between the send and the commit sends again with the same idempotency key.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from app.applicant_notices import service
from app.applicant_notices.channels import Channel, Outgoing, PermanentError
from app.applicant_notices.models import ApplicantNotice, NoticeConsent
from app.dossiers.models import Dossier
from app.scheduler import due_work
from app.scheduler.due_work import ClaimedWork


def _channels() -> dict[str, Channel]:
    return current_app.extensions.get("motcua.applicant_channels", {}) if has_app_context() else {}


def _opt_out_url(notice: ApplicantNotice, session: Session) -> str | None:
    """The e-mail's ``List-Unsubscribe`` link (the page that stops the notices)."""
    base, key = current_app.config.get("PUBLIC_BASE_URL"), current_app.config.get("SECRET_KEY")
    dossier = session.get(Dossier, notice.dossier_id)
    if not base or not key or dossier is None:
        return None
    return service.Links(base_url=base, secret_key=key).opt_out(dossier)


def deliver(session: Session, item: ClaimedWork, now: datetime) -> None:
    notice = session.get(ApplicantNotice, item.payload.get("notice_id"))
    if notice is None or notice.status in ("sent", "skipped"):
        return
    consent = session.get(NoticeConsent, notice.dossier_id)
    if consent is None or consent.opted_out_at is not None:
        notice.status, notice.last_error = "skipped", "Người nộp đã ngừng nhận thông báo."
        return
    channel = _channels().get(notice.channel)
    if channel is None:
        notice.status, notice.last_error = "failed", "Kênh không còn được cấu hình."
        return
    message = Outgoing(channel=notice.channel, event=notice.event, to=notice.recipient, subject=notice.subject,
                       text=notice.body, html=notice.html, key=notice.idempotency_key, params=notice.params or {},
                       unsubscribe_url=_opt_out_url(notice, session) if notice.channel == "email" else None)
    try:
        reference = channel.send(message)  # a ChannelError propagates: retried with backoff
    except PermanentError as exc:
        notice.status, notice.attempts, notice.last_error = "failed", item.attempts + 1, str(exc)[:2000]
        return
    notice.status, notice.sent_at, notice.attempts = "sent", now, item.attempts + 1
    notice.provider_ref, notice.last_error = (reference or "")[:255] or None, None


def give_up(session: Session, item: ClaimedWork, now: datetime, error: str) -> None:
    notice = session.get(ApplicantNotice, item.payload.get("notice_id"))
    if notice is not None and notice.status == "pending":
        notice.status, notice.attempts, notice.last_error = "failed", item.attempts + 1, error[:2000]


due_work.register_handler(service.DELIVERY_KIND, deliver, on_give_up=give_up,
                          max_attempts=service.DELIVERY_ATTEMPTS, external=True)
