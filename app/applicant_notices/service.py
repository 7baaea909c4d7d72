"""Consent at reception, notices announced in the dossier's transaction, opt-out, and the operators' retry.

Keyword-only functions given the session and ``now``; they flush and never commit. :func:`announce` is what
``app.flows`` calls when an event of the dossier happens: it renders each chosen channel's notice now (the
words and the dates of that moment), writes it with a unique ``dedupe_key`` and schedules its delivery as due
work in the same transaction, so a rolled-back move tells nobody and a committed one tells once.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.applicant_notices import events, templating
from app.applicant_notices.channels import Channel
from app.applicant_notices.models import ApplicantNotice, NoticeConsent, NoticeTemplate
from app.dossiers.codes import link_token
from app.dossiers.models import Dossier
from app.errors import Conflict, NotFound, Unprocessable
from app.scheduler import due_work
from app.scheduler.due_work_models import DueWork

DELIVERY_KIND = "applicant_notice"
#: A provider down for hours delays a notice, it does not lose it: 30 s, 1, 2, 4 … min, then hourly (~6 h).
DELIVERY_ATTEMPTS = 14


@dataclass(frozen=True)
class Links:
    """Where the applicant's links point: the public base URL and the key that signs their token."""

    base_url: str
    secret_key: str

    def token(self, dossier: Dossier) -> str:
        return link_token(dossier.code, self.secret_key)

    def lookup(self, dossier: Dossier) -> str:
        return f"{self.base_url.rstrip('/')}/tra-cuu/{quote(dossier.code)}?t={self.token(dossier)}"

    def rating(self, dossier: Dossier) -> str:
        return self.lookup(dossier) + "#danh-gia"

    def opt_out(self, dossier: Dossier) -> str:
        return f"{self.base_url.rstrip('/')}/tra-cuu/{quote(dossier.code)}/thong-bao?t={self.token(dossier)}"


# --- consent at reception ---------------------------------------------------------------------------------------

def check_consent(notify_in: Mapping[str, Any] | None, applicant: Mapping[str, Any],
                  available: Mapping[str, Channel]) -> dict[str, Any] | None:
    """What the applicant chose (``{"channels": [...], "consent": true}``), checked before anything is stored.

    422 ``notice_consent_missing`` (channels without consent), ``notice_channel_unavailable`` (a channel this
    service has no provider for), ``notice_address_missing`` (e-mail without an address, SMS/Zalo without a phone).
    """
    if not notify_in or not notify_in.get("channels"):
        return None
    chosen = list(dict.fromkeys(notify_in["channels"]))
    if notify_in.get("consent") is not True:
        raise Unprocessable("Người nộp hồ sơ chưa đồng ý nhận thông báo qua kênh đã chọn.",
                            code="notice_consent_missing",
                            detail_en="The applicant has not consented to notices over the chosen channels.")
    unavailable = [c for c in chosen if c not in available]
    if unavailable:
        raise Unprocessable(f"Chưa có kênh gửi thông báo: {', '.join(unavailable)} (có: "
                            f"{', '.join(available) or 'không có'}).", code="notice_channel_unavailable",
                            detail_en=f"No provider is configured for {unavailable}.", available=sorted(available))
    missing = [c for c in chosen if not applicant.get(events.ADDRESS_FIELD[c])]
    if missing:
        raise Unprocessable("Thiếu địa chỉ nhận thông báo: " + ", ".join(
            f"{c} cần applicant.{events.ADDRESS_FIELD[c]}" for c in missing) + ".", code="notice_address_missing",
            detail_en=f"The applicant's address is missing for {missing}.")
    return {"channels": chosen, "email": applicant.get("email"), "phone": applicant.get("phone")}


def record_consent(*, session: Session, dossier: Dossier, consent: Mapping[str, Any] | None,
                   now: datetime) -> NoticeConsent | None:
    if not consent:
        return None
    row = NoticeConsent(dossier_id=dossier.id, channels=list(consent["channels"]), email=consent.get("email"),
                        phone=consent.get("phone"), consented_at=now)
    session.add(row)
    session.flush()
    return row


def consent_of(session: Session, dossier_id: int) -> NoticeConsent | None:
    return session.get(NoticeConsent, dossier_id)


def opt_out(*, session: Session, dossier: Dossier, now: datetime) -> NoticeConsent | None:
    """The applicant stops the notices (idempotent); what is still queued is skipped, not sent."""
    row = consent_of(session, dossier.id)
    if row is not None and row.opted_out_at is None:
        row.opted_out_at = now
        session.flush()
    return row


# --- templates ------------------------------------------------------------------------------------------------

def scope_key(*, agency_id: int | None, procedure_key: str | None, event: str, channel: str | None) -> str:
    return f"{agency_id or '*'}|{procedure_key or '*'}|{event}|{channel or '*'}"


def _candidates(dossier: Dossier, event: str, channel: str) -> list[str]:
    """Most specific first: the procedure's (this channel, any), the agency's, everyone's."""
    keys = []
    for agency_id, procedure in ((dossier.agency_id, dossier.procedure_key), (dossier.agency_id, None),
                                 (None, None)):
        for chan in (channel, None):
            keys.append(scope_key(agency_id=agency_id, procedure_key=procedure, event=event, channel=chan))
    return keys


def template_for(session: Session, dossier: Dossier, event: str, channel: str) -> NoticeTemplate | None:
    """The saved template that applies, or None for the built-in one."""
    keys = _candidates(dossier, event, channel)
    found = {row.scope_key: row for row in session.scalars(
        select(NoticeTemplate).where(NoticeTemplate.scope_key.in_(keys)))}
    return next((found[key] for key in keys if key in found), None)


def check_template(*, event: str, subject: str | None, body: str, html: str | None) -> None:
    """422 ``template_invalid`` naming the field and the placeholder, when saved (never when sent)."""
    allowed = events.ALLOWED[event]
    problems: dict[str, list[str]] = {}
    for name, text in (("subject", subject), ("body", body), ("html", html)):
        if text:
            try:
                templating.check(text, allowed)
            except templating.TemplateError as exc:
                problems[name] = exc.problems
    if problems:
        raise Unprocessable("Mẫu thông báo có chỗ điền không hợp lệ.", code="template_invalid",
                            detail_en="The template has an unknown or malformed placeholder.", errors=problems)


def save_template(*, session: Session, template_in: Mapping[str, Any], agency_id: int | None, officer_id: int | None,
                  now: datetime) -> NoticeTemplate:
    """Create or replace the template of a scope (checked first: nothing is saved when it is refused)."""
    event, channel = template_in["event"], template_in.get("channel")
    check_template(event=event, subject=template_in.get("subject"), body=template_in["body"],
                   html=template_in.get("html"))
    key = scope_key(agency_id=agency_id, procedure_key=template_in.get("procedure_key"), event=event,
                    channel=channel)
    row = session.scalar(select(NoticeTemplate).where(NoticeTemplate.scope_key == key))
    if row is None:
        row = NoticeTemplate(scope_key=key, agency_id=agency_id, procedure_key=template_in.get("procedure_key"),
                             event=event, channel=channel)
        session.add(row)
    row.subject, row.body, row.html = template_in.get("subject"), template_in["body"], template_in.get("html")
    row.updated_at, row.updated_by_id = now, officer_id
    session.flush()
    return row


def delete_template(*, session: Session, template_id: int) -> None:
    row = session.get(NoticeTemplate, template_id)
    if row is None:
        raise NotFound()
    session.delete(row)
    session.flush()


# --- announcing -------------------------------------------------------------------------------------------------

def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M ngày %d/%m/%Y") if moment else ""


def values_of(dossier: Dossier, *, tz: ZoneInfo, links: Links, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every placeholder's value for this dossier now (the event's own values come in ``extra``)."""
    applicant = dossier.applicant or {}
    return {"ma_ho_so": dossier.code, "nguoi_nop": applicant.get("organisation") or applicant.get("name") or "",
            "thu_tuc": dossier.version.definition.name, "co_quan": dossier.agency.name,
            "ngay_tiep_nhan": _when(dossier.received_at, tz),
            "ngay_hen_tra": _when(dossier.due_before_extension or dossier.due_at, tz),
            "ngay_hen_moi": _when(dossier.extended_due_at, tz),
            "lien_ket": links.lookup(dossier), "lien_ket_danh_gia": links.rating(dossier), **(extra or {})}


#: What a template preview is filled with (a dossier of the demo's commune, as a receipt would show it).
SAMPLE_VALUES: dict[str, str] = {
    "ma_ho_so": "000.00.21.H40-260302-0001", "nguoi_nop": "Nguyễn Thị Hoa", "co_quan": "UBND xã Hưng Nguyên",
    "thu_tuc": "Khấu trừ kinh phí bồi thường, hỗ trợ, tái định cư", "ngay_tiep_nhan": "08:00 ngày 02/03/2026",
    "ngay_hen_tra": "08:00 ngày 31/03/2026", "ngay_hen_moi": "08:00 ngày 07/04/2026",
    "lien_ket": "https://dichvucong.example.gov.vn/tra-cuu/000.00.21.H40-260302-0001?t=…",
    "lien_ket_danh_gia": "https://dichvucong.example.gov.vn/tra-cuu/000.00.21.H40-260302-0001?t=…#danh-gia",
    "ly_do": "Cần xác minh thêm với cơ quan liên quan", "can_bo_sung": "Bản sao chứng thực quyết định phê duyệt",
    "loi_xin_loi": "UBND xã Hưng Nguyên xin lỗi Ông/Bà vì sự chậm trễ này.", "co_quan_moi": "UBND xã Hưng Tân",
}


def render(*, event: str, channel: str, template: NoticeTemplate | None, values: Mapping[str, str]) -> dict[str, Any]:
    """Subject, text, HTML (e-mail) and the template's parameters (Zalo ZNS fills its own template by name)."""
    allowed = events.ALLOWED[event]
    params = {name: values.get(name, "") for name in sorted(allowed)}
    default = events.DEFAULTS[event]
    if template is not None:
        subject, body, html = template.subject or default["subject"], template.body, template.html
    else:
        subject, body, html = default["subject"], default["body" if channel == "email" else "short"], None
    text = templating.fill(body, values)
    return {"subject": templating.fill(subject, values)[:500], "body": text, "params": params,
            "html": (templating.fill(html, values, escape=True) if html else templating.text_to_html(text))
            if channel == "email" else None}


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def announce(*, session: Session, dossier: Dossier, event: str, now: datetime, tz: ZoneInfo, links: Links | None,
             available: Mapping[str, Channel], extra: Mapping[str, str] | None = None,
             ref: str | int | None = None) -> list[int]:
    """Queue this event's notice on every channel the applicant chose; returns the ids created now.

    ``ref`` tells apart repeated events of one dossier (each supplement request); without it an event is told
    once. A channel configured at reception and removed since gets a ``failed`` notice the operator sees.
    """
    consent = consent_of(session, dossier.id)
    if consent is None or consent.opted_out_at is not None or not consent.channels or links is None:
        return []
    values = values_of(dossier, tz=tz, links=links, extra=extra)
    created = []
    for channel in consent.channels:
        template = template_for(session, dossier, event, channel)
        message = render(event=event, channel=channel, template=template, values=values)
        suffix = f":{ref}" if ref is not None else ""
        configured = channel in available
        stmt = _insert(session)(ApplicantNotice).values(
            dossier_id=dossier.id, event=event, channel=channel,
            recipient=(consent.email if channel == "email" else consent.phone) or "",
            template_id=template.id if template else None, dedupe_key=f"{dossier.id}:{event}{suffix}:{channel}",
            idempotency_key=uuid.uuid4().hex, status="pending" if configured else "failed", created_at=now,
            attempts=0, last_error=None if configured else "Kênh không còn được cấu hình.", **message,
        ).on_conflict_do_nothing(index_elements=[ApplicantNotice.dedupe_key]).returning(ApplicantNotice.id)
        notice_id = session.execute(stmt).scalar()
        if notice_id is None:
            continue
        created.append(notice_id)
        if configured:
            schedule_delivery(session=session, notice_id=notice_id, round_=0, now=now)
    return created


def schedule_delivery(*, session: Session, notice_id: int, round_: int, now: datetime) -> None:
    """Delivery is due work without a dossier id: closing the dossier cancels its timers, never its notices."""
    due_work.schedule(session=session, kind=DELIVERY_KIND, due_at=now, now=now,
                      dedupe_key=f"{DELIVERY_KIND}:{notice_id}:{round_}", payload={"notice_id": notice_id})


# --- the operators' view ----------------------------------------------------------------------------------------

def list_notices(*, session: Session, dossier_id: int | None = None, status: str | None = None,
                 agency_ids: frozenset[int] | None = None):
    stmt = select(ApplicantNotice).order_by(ApplicantNotice.id.desc())
    if dossier_id is not None:
        stmt = stmt.where(ApplicantNotice.dossier_id == dossier_id)
    if status is not None:
        stmt = stmt.where(ApplicantNotice.status == status)
    if agency_ids is not None:
        stmt = stmt.where(ApplicantNotice.dossier_id.in_(select(Dossier.id).where(Dossier.agency_id.in_(agency_ids))))
    return stmt


def delivery_state(session: Session, notice_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For notices still being tried: attempts so far, the last error and the next try (their due work)."""
    if not notice_ids:
        return {}
    rows = session.execute(select(DueWork.payload, DueWork.attempts, DueWork.last_error, DueWork.due_at).where(
        DueWork.kind == DELIVERY_KIND, DueWork.status == "pending",
        or_(*(DueWork.dedupe_key.like(f"{DELIVERY_KIND}:{i}:%") for i in notice_ids))))
    return {row.payload["notice_id"]: {"attempts": row.attempts, "last_error": row.last_error,
                                       "next_attempt_at": row.due_at} for row in rows}


def retry(*, session: Session, notice_id: int, now: datetime, available: Mapping[str, Channel]) -> ApplicantNotice:
    """Send a dead letter again (409 unless ``failed``; 422 when its channel has no provider now)."""
    notice = session.get(ApplicantNotice, notice_id)
    if notice is None:
        raise NotFound()
    if notice.status != "failed":
        raise Conflict(f"Chỉ gửi lại được thông báo lỗi (hiện: {notice.status}).", code="not_retryable",
                       detail_en=f"Only a failed notice can be sent again ({notice.status}).")
    if notice.channel not in available:
        raise Unprocessable(f"Chưa có kênh gửi thông báo: {notice.channel}.", code="notice_channel_unavailable",
                            detail_en=f"No provider is configured for {notice.channel}.")
    notice.status, notice.last_error = "pending", None
    rounds = session.scalar(select(func.count()).select_from(DueWork).where(
        DueWork.dedupe_key.like(f"{DELIVERY_KIND}:{notice_id}:%"))) or 0
    schedule_delivery(session=session, notice_id=notice_id, round_=rounds, now=now)
    session.flush()
    return notice
