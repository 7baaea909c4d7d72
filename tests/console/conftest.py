"""Browser end-to-end fixtures: the app served by a real werkzeug server on 127.0.0.1, headless Chromium.

Skips (with the reason) when Debian's Chromium/chromedriver, Selenium or the bpmn-js assets are missing.
The server runs in this process on a temporary SQLite file with the bootstrap data, and on a FrozenClock the
tests move (deadlines, token expiry). Screenshots go to ``test-artifacts/console/``; a JavaScript error
logged by any page fails the test that produced it.
"""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
PROJECT_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_DIR / "test-artifacts" / "console"
ADMIN_PASSWORD = "admin-password-console-1"
#: Monday 2026-03-02 08:00 in Hanoi.
START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def _require_browser() -> None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip(f"console browser tests need {CHROMIUM} and {CHROMEDRIVER} "
                    "(apt-get install -y chromium chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("console browser tests need the 'selenium' package (pip install selenium)")
    from app.console.routes import bpmn_js_installed
    if not bpmn_js_installed():
        pytest.skip("console browser tests need the bpmn-js assets: run `make console` (Node.js + npm)")


@dataclass
class Server:
    url: str
    app: object
    clock: object
    demo_password: str
    state: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require_browser()
    import flask_migrate
    from werkzeug.serving import make_server

    from app import create_app
    from app.bootstrap import bootstrap
    from app.clock import FrozenClock
    from app.extensions import db

    clock = FrozenClock(START)
    database = tmp_path_factory.mktemp("console-db") / "console.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "CLOCK": clock, "SCHEDULER_ENABLED": False,
                      "SECRET_KEY": "console-e2e-secret-key-0123456789-abcdefghijklmnop", "LOG_LEVEL": "WARNING",
                      "DOCUMENT_STORAGE_ROOT": str(tmp_path_factory.mktemp("console-documents")),
                      "DOCUMENT_STAGING_DIR": str(tmp_path_factory.mktemp("console-staging"))})
    with app.app_context():
        flask_migrate.upgrade()
        bootstrap(session=db.session, now=clock.now(), admin_password=ADMIN_PASSWORD)
        db.session.commit()
        db.session.remove()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(url=f"http://127.0.0.1:{httpd.server_port}", app=app, clock=clock,
                     demo_password=os.environ.get("DEMO_PASSWORD") or "motcua-demo-2026")
    finally:
        httpd.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser(server: Server, tmp_path_factory: pytest.TempPathFactory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000", "--lang=vi-VN",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "vi-VN,vi"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()

