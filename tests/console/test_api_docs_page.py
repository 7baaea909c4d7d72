"""The API docs page (Swagger UI, served from the installed package) starts under the page CSP: no inline script."""
from __future__ import annotations

import pytest

from tests.console.test_console_e2e import js_errors, wait

pytestmark = pytest.mark.slow


def test_swagger_ui_starts_from_its_script_file(server, browser):
    from selenium.common.exceptions import TimeoutException

    browser.get(f"{server.url}/api/v1/docs")
    try:
        wait(browser, "#swagger-ui-container .info .title")
        wait(browser, "#swagger-ui-container .opblock-tag")  # the operations are listed: the spec was read
    except TimeoutException:
        pytest.fail(f"Swagger UI did not start; JavaScript errors: {js_errors(browser)}")
    assert browser.title == server.app.config["API_TITLE"]
    errors = js_errors(browser)
    assert not errors, f"JavaScript errors (a CSP refusal is one) on the docs page: {errors}"
