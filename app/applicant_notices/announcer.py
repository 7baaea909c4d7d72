"""The app's announcer: the configured channels, where the applicant's links point, and the timezone.

``app.flows`` asks :func:`current` once per move and calls :meth:`Announcer.announce`; built once at app
creation from the settings (``APPLICANT_CHANNELS``, ``PUBLIC_BASE_URL``, ``SECRET_KEY``, ``TIMEZONE``), all
checked then, so announcing never fails for a setting.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from app.applicant_notices import service
from app.applicant_notices.channels import Channel
from app.dossiers.models import Dossier


@dataclass(frozen=True)
class Announcer:
    channels: Mapping[str, Channel] = field(default_factory=dict)
    links: service.Links | None = None
    tz: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")

    def consent(self, notify_in: Mapping[str, Any] | None, applicant: Mapping[str, Any]) -> dict[str, Any] | None:
        """The applicant's choice checked at reception (422 before anything is stored)."""
        return service.check_consent(notify_in, applicant, self.channels)

    def announce(self, *, session: Session, dossier: Dossier, event: str, now: datetime,
                 extra: Mapping[str, str] | None = None, ref: str | int | None = None) -> list[int]:
        """Queue the event's notices (none when no channel is configured: no query is spent)."""
        if not self.channels:
            return []
        return service.announce(session=session, dossier=dossier, event=event, now=now, tz=self.tz,
                                links=self.links, available=self.channels, extra=extra, ref=ref)


def build(config: Mapping[str, Any], channels: Mapping[str, Channel]) -> Announcer:
    base = config.get("PUBLIC_BASE_URL")
    links = service.Links(base_url=base, secret_key=config["SECRET_KEY"]) if base else None
    return Announcer(channels=channels, links=links, tz=ZoneInfo(config.get("TIMEZONE", "Asia/Ho_Chi_Minh")))


def current() -> Announcer:
    """The app's announcer (none outside an app: nothing is told)."""
    if not has_app_context():
        return Announcer()
    return current_app.extensions.get("motcua.announcer") or Announcer()
