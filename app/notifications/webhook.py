"""Webhook delivery of a notice: one HTTP POST with an ``Idempotency-Key`` header (stdlib only).

Delivery is at least once (a crash after the POST and before the commit repeats it); the receiver drops
repeats by the key, which is fixed per notice.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from app.notifications.models import Notification

TIMEOUT_SECONDS = 10


class WebhookError(Exception):
    """The receiver did not accept the notice (network error or a non-2xx answer)."""


def body_of(notice: Notification) -> dict[str, Any]:
    return {"id": notice.id, "kind": notice.kind, "text": notice.text, "dossier_id": notice.dossier_id,
            "step_id": notice.step_id, "recipient_officer_id": notice.recipient_officer_id,
            "recipient_unit_id": notice.recipient_unit_id, "created_at": notice.created_at.isoformat()}


def post(*, url: str, notice: Notification, timeout: float = TIMEOUT_SECONDS) -> int:
    """POST the notice as JSON; returns the status code, raises :class:`WebhookError` unless 2xx."""
    if not url.startswith(("http://", "https://")):
        raise WebhookError(f"webhook URL must be http(s): {url!r}")
    data = json.dumps(body_of(notice), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": notice.webhook_idempotency_key or f"notification-{notice.id}",
        "User-Agent": "motcua-flow-webhook/1",
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"HTTP {exc.code} from webhook") from None
    except (urllib.error.URLError, OSError) as exc:
        raise WebhookError(f"webhook unreachable: {exc}") from None
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status} from webhook")
    return status
