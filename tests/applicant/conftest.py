"""An app whose notices go to a real SMTP server and a local HTTP provider (SMS, Zalo ZNS)."""
from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from app.scheduler import due_work
from tests.applicant.servers import http_provider, smtp_server
from tests.conftest import _config, _empty_all_tables, _remove_file_dirs
from tests.dossiers.flow import Flow

BASE_URL = "https://dichvucong.test"
EVENTS = ("received", "supplement_requested", "extended", "result_ready", "returned", "refused", "stopped",
          "withdrawn", "transferred")


@pytest.fixture(scope="module")
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def provider():
    with http_provider() as server:
        yield server


def channels(smtp_port: int, provider) -> dict:
    return {"email": {"host": "127.0.0.1", "port": smtp_port, "sender": "Bộ phận Một cửa <motcua@hungnguyen.test>",
                      "timeout": 5},
            "sms": {"adapter": "http", "url": provider.url("/sms"), "key": "sms-key", "timeout": 5},
            "zalo": {"adapter": "zalo_zns", "url": provider.url("/zalo"), "key": "zalo-token", "timeout": 5,
                     "templates": {event: f"ZNS-{i}" for i, event in enumerate(EVENTS, 1)}}}


@pytest.fixture()
def app(migrated_database, clock, smtp, provider):
    smtp[1].messages.clear()
    provider.taken.clear()
    provider.requests.clear()
    provider.fail_next, provider.fail_status, provider.zalo_error = 0, 500, None
    app = create_app({**_config(migrated_database, clock), "PUBLIC_BASE_URL": BASE_URL,
                      "APPLICANT_CHANNELS": channels(smtp[0], provider)})
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()
    _remove_file_dirs(app)


class Applicant(Flow):
    """The dossier driver, plus the scheduler's delivery pass."""

    def __init__(self, app, client, clock) -> None:
        super().__init__(client, clock)
        self.app = app

    def deliver(self, worker: str = "scheduler-1") -> int:
        with self.app.app_context():
            return due_work.run_until_idle(session=db.session, worker_id=worker, now=self.clock.now())

    def notices(self, dossier_id: int, username: str = "na.hn.motcua") -> list[dict]:
        r = self.client.get(f"/api/v1/dossiers/{dossier_id}/applicant-notices", headers=self.h(username))
        assert r.status_code == 200, r.get_json()
        return r.get_json()


@pytest.fixture()
def flow(demo, app, client, clock) -> Applicant:
    return Applicant(app, client, clock)
