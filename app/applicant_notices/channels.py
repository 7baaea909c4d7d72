"""Provider adapters: how a notice leaves the service by e-mail (SMTP), SMS or Zalo (HTTP providers).

A channel is configuration, not code: ``APPLICANT_CHANNELS`` (JSON in the environment) names for each channel
its adapter and settings, checked when the app is created (:func:`check`), so a setting the service accepts
never fails a send for its shape. ``docs/applicant-notices.md`` documents every adapter's request and answer.

Every adapter sends one :class:`Outgoing` and returns the provider's reference, or raises
:class:`ChannelError` (worth retrying: the provider is down, slow or overloaded) or :class:`PermanentError`
(retrying cannot help: the provider refused this message). Each message carries its notice's idempotency key
(``Idempotency-Key`` header, Zalo's ``tracking_id``, the e-mail's ``Message-ID``), so a retry after a crash
between the send and the commit is recognised by a provider that honours it.
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import Any, Protocol

import requests

from app.applicant_notices.events import CHANNELS, EVENTS

DEFAULT_TIMEOUT = 10.0
SMTP_SECURITY = ("none", "starttls", "ssl")
HTTP_ADAPTERS = ("http", "zalo_zns")
#: Answers below 500 that say "not now" or "not this key" rather than "not this message".
RETRIED_STATUSES = frozenset({401, 403, 408, 425, 429})


class ChannelError(Exception):
    """The provider did not take the message this time (network, timeout, 5xx, 429, a refused key or login):
    retried with backoff."""


class PermanentError(ChannelError):
    """The provider refused this message for good (another 4xx, a refused recipient): a dead letter at once."""


class ChannelSettingsError(ValueError):
    """``APPLICANT_CHANNELS`` cannot be used (raised when the app is created)."""


@dataclass(frozen=True)
class Outgoing:
    """One notice as a provider receives it."""

    channel: str
    event: str
    to: str
    subject: str
    text: str
    html: str | None
    key: str
    params: dict[str, str] = field(default_factory=dict)
    unsubscribe_url: str | None = None


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> str | None: ...


# --- e-mail -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmailChannel:
    """SMTP submission (``smtplib``): plain text with an HTML alternative, one message per notice."""

    host: str
    sender: str
    port: int = 25
    security: str = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    name: str = "email"

    def build(self, message: Outgoing) -> MIMEMultipart:
        """The message, headers encoded by :class:`email.header.Header`.

        Why not ``EmailMessage`` (policy ``default``): on Python 3.11 its folding of a long Vietnamese subject
        drops the space between two encoded words ("kết quả" arrives as "kếtquả"); ``Header`` splits inside the
        words, which keeps every space (tests/applicant/test_notices.py reads the subjects back).
        """
        mail = MIMEMultipart("alternative")
        name, address = parseaddr(self.sender)
        mail["From"] = formataddr((str(Header(name, "utf-8")), address)) if name else address
        mail["To"] = message.to
        mail["Subject"] = Header(message.subject, "utf-8")
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(idstring=message.key, domain=address.rpartition("@")[2] or "motcua.local")
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
        if message.unsubscribe_url:
            mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mail.attach(MIMEText(message.text, "plain", "utf-8"))
        if message.html:
            mail.attach(MIMEText(message.html, "html", "utf-8"))
        return mail

    def send(self, message: Outgoing) -> str | None:
        mail = self.build(message)
        try:
            smtp_class = smtplib.SMTP_SSL if self.security == "ssl" else smtplib.SMTP
            with smtp_class(self.host, self.port, timeout=self.timeout) as smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"SMTP refused the recipient: {exc.recipients}") from None
        except smtplib.SMTPDataError as exc:
            # the message itself refused (5xx): sending it again cannot help; 4xx: the server asks to try later
            error = PermanentError if 500 <= exc.smtp_code < 600 else ChannelError
            raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from None
        except smtplib.SMTPResponseException as exc:
            # the login or the sender refused: the channel's settings, not this message; retried until fixed
            raise ChannelError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"SMTP server unreachable: {exc}") from None
        if refused:
            raise PermanentError(f"SMTP refused: {refused}")
        return mail["Message-ID"]


# --- HTTP providers ---------------------------------------------------------------------------------------------

def _post(url: str, *, body: dict[str, Any], headers: dict[str, str], timeout: float) -> requests.Response:
    try:
        response = requests.post(url, json=body, headers={"User-Agent": "motcua-flow-notices/1", **headers},
                                 timeout=timeout)
    except requests.RequestException as exc:
        raise ChannelError(f"provider unreachable: {type(exc).__name__}") from None
    if response.status_code in RETRIED_STATUSES or response.status_code >= 500:
        # overloaded, down, or our key refused (the channel's settings, not this message): retried until fixed
        raise ChannelError(f"provider answered HTTP {response.status_code}")
    if not 200 <= response.status_code < 300:
        raise PermanentError(f"provider refused the message: HTTP {response.status_code} {response.text[:300]}")
    return response


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


@dataclass(frozen=True)
class HttpChannel:
    """The documented generic provider interface (SMS gateways, or a bridge of one's own): one JSON POST."""

    name: str
    url: str
    key: str
    templates: Mapping[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    def send(self, message: Outgoing) -> str | None:
        body = {"to": message.to, "event": message.event, "text": message.text,
                "template_id": self.templates.get(message.event), "params": message.params,
                "reference": message.key}
        response = _post(self.url, body=body, timeout=self.timeout,
                         headers={"Authorization": f"Bearer {self.key}", "Idempotency-Key": message.key})
        found = _json(response).get("id")
        return str(found) if found is not None else None


def zalo_phone(phone: str) -> str:
    """Zalo wants the international form without ``+``: 0912345678 → 84912345678."""
    digits = phone.strip().lstrip("+")
    return "84" + digits[1:] if digits.startswith("0") else digits


@dataclass(frozen=True)
class ZaloZnsChannel:
    """Zalo Notification Service (ZNS) of an Official Account: a registered template per event, filled by name."""

    url: str
    key: str
    templates: Mapping[str, str]
    timeout: float = DEFAULT_TIMEOUT
    name: str = "zalo"

    def send(self, message: Outgoing) -> str | None:
        body = {"phone": zalo_phone(message.to), "template_id": self.templates[message.event],
                "template_data": message.params, "tracking_id": message.key}
        answer = _json(_post(self.url, body=body, timeout=self.timeout,
                             headers={"access_token": self.key}))
        error = answer.get("error", 0)
        if error not in (0, "0"):
            # ZNS answers 200 with an error code, for a quota spent as for a token expired: retried with backoff
            # (an operator sees the code in the notice's last error, then a dead letter when attempts are spent)
            raise ChannelError(f"Zalo ZNS error {error}: {str(answer.get('message'))[:200]}")
        found = (answer.get("data") or {}).get("msg_id")
        return str(found) if found is not None else None


# --- configuration ----------------------------------------------------------------------------------------------

def _text(settings: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = settings.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ChannelSettingsError(f"APPLICANT_CHANNELS.{where}.{key}: a non-empty text is needed")
    return value.strip()


def _timeout(settings: Mapping[str, Any], where: str) -> float:
    value = settings.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 120:
        raise ChannelSettingsError(f"APPLICANT_CHANNELS.{where}.timeout: seconds between 0 and 120")
    return float(value)


def _templates(settings: Mapping[str, Any], where: str, *, every_event: bool) -> dict[str, str]:
    found = settings.get("templates", {})
    if not isinstance(found, Mapping) or not all(isinstance(v, str) and v for v in found.values()):
        raise ChannelSettingsError(f"APPLICANT_CHANNELS.{where}.templates: {{event: template id}}")
    unknown = sorted(set(found) - set(EVENTS))
    if unknown:
        raise ChannelSettingsError(f"APPLICANT_CHANNELS.{where}.templates: unknown events {unknown}")
    missing = sorted(set(EVENTS) - set(found))
    if every_event and missing:
        raise ChannelSettingsError(f"APPLICANT_CHANNELS.{where}.templates: a template id is needed for {missing}")
    return dict(found)


def _url(settings: Mapping[str, Any], where: str) -> str:
    url = _text(settings, "url", where)
    if not url.startswith(("http://", "https://")):
        raise ChannelSettingsError(f"APPLICANT_CHANNELS.{where}.url: an http(s) URL is needed")
    return url


def _channel(name: str, settings: Mapping[str, Any]) -> Channel:
    if not isinstance(settings, Mapping):
        raise ChannelSettingsError(f"APPLICANT_CHANNELS.{name}: an object is needed")
    if name == "email":
        unknown = sorted(set(settings) - {"host", "port", "sender", "security", "username", "password", "timeout"})
        if unknown:
            raise ChannelSettingsError(f"APPLICANT_CHANNELS.email: unknown settings {unknown}")
        port = settings.get("port", 25)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ChannelSettingsError("APPLICANT_CHANNELS.email.port: a TCP port is needed")
        security = settings.get("security", "none")
        if security not in SMTP_SECURITY:
            raise ChannelSettingsError(f"APPLICANT_CHANNELS.email.security: one of {SMTP_SECURITY}")
        sender = _text(settings, "sender", "email")
        if "@" not in parseaddr(sender)[1]:
            raise ChannelSettingsError("APPLICANT_CHANNELS.email.sender: an address such as "
                                       "'Một cửa <motcua@example.gov.vn>' is needed")
        return EmailChannel(host=_text(settings, "host", "email"), port=port, security=security, sender=sender,
                            username=_text(settings, "username", "email", required=False),
                            password=_text(settings, "password", "email", required=False),
                            timeout=_timeout(settings, "email"))
    adapter = settings.get("adapter", "http")
    if adapter not in HTTP_ADAPTERS:
        raise ChannelSettingsError(f"APPLICANT_CHANNELS.{name}.adapter: one of {HTTP_ADAPTERS}")
    unknown = sorted(set(settings) - {"adapter", "url", "key", "templates", "timeout"})
    if unknown:
        raise ChannelSettingsError(f"APPLICANT_CHANNELS.{name}: unknown settings {unknown}")
    if adapter == "zalo_zns":
        if name != "zalo":
            raise ChannelSettingsError(f"APPLICANT_CHANNELS.{name}: the zalo_zns adapter is for the zalo channel")
        return ZaloZnsChannel(url=_url(settings, name), key=_text(settings, "key", name),
                              templates=_templates(settings, name, every_event=True),
                              timeout=_timeout(settings, name))
    return HttpChannel(name=name, url=_url(settings, name), key=_text(settings, "key", name),
                       templates=_templates(settings, name, every_event=False), timeout=_timeout(settings, name))


def from_config(value: Any) -> dict[str, Channel]:
    """The configured channels by name (none configured: no notice goes out, and reception offers none)."""
    if value in (None, "", {}):
        return {}
    if not isinstance(value, Mapping):
        raise ChannelSettingsError("APPLICANT_CHANNELS: an object {channel: settings} is needed")
    unknown = sorted(set(value) - set(CHANNELS))
    if unknown:
        raise ChannelSettingsError(f"APPLICANT_CHANNELS: unknown channels {unknown}; known: {list(CHANNELS)}")
    return {name: _channel(name, settings) for name, settings in value.items()}
