"""Real servers the notices go to: an SMTP server (aiosmtpd) and an HTTP provider (SMS/Zalo), both local.

The provider records what it took and honours ``Idempotency-Key`` (a repeat is answered 200 and not kept
twice), as a real gateway does; ``fail_next`` makes it answer 500 (or a Zalo error) a number of times, and
``stop()``/``start()`` take it down and up again on the same port.
"""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What the SMTP server received: parsed messages, in order."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refused: set[str] = set()  # recipients answered 550, as a real server does for a dead mailbox
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd's handler hook
        if address in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def texts(self) -> list[str]:
        return [m.get_body(("plain",)).get_content() for m in self.messages]

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


class Provider:
    """A test SMS/Zalo provider over HTTP."""

    def __init__(self) -> None:
        self.port = free_port()
        self.taken: list[dict[str, Any]] = []  # accepted messages (one per idempotency key)
        self.requests: list[dict[str, Any]] = []  # every request, repeats included
        self.fail_next = 0
        self.fail_status = 500  # what fail_next answers (400: this message refused, 401: the key refused…)
        self.zalo_error: int | None = None
        self._server: ThreadingHTTPServer | None = None
        self.lock = threading.Lock()

    def url(self, path: str = "/send") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                key = self.headers.get("Idempotency-Key") or body.get("tracking_id")
                entry = {"path": self.path, "body": body, "key": key, "headers": dict(self.headers)}
                with provider.lock:
                    provider.requests.append(entry)
                    if provider.fail_next > 0:
                        provider.fail_next -= 1
                        status, answer = provider.fail_status, {"error": "refused"}
                    elif provider.zalo_error is not None and self.path.startswith("/zalo"):
                        status, answer = 200, {"error": provider.zalo_error, "message": "quota exceeded"}
                    else:
                        if not any(t["key"] == key for t in provider.taken):
                            provider.taken.append(entry)
                        number = len(provider.taken)
                        status = 200
                        answer = ({"error": 0, "message": "Success", "data": {"msg_id": f"zns-{number}"}}
                                  if self.path.startswith("/zalo") else {"id": f"sms-{number}"})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def http_provider() -> Iterator[Provider]:
    provider = Provider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()
