"""Issue #16: settings a deployment needs come from the environment, and a bad one stops the start, not a request."""
from __future__ import annotations

import pytest

from app import config as config_module
from app import create_app


def test_notices_and_escalations_are_set_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NOTIFICATION_WEBHOOK_URL", "https://hooks.example.vn/motcua")
    monkeypatch.setenv("DUE_SOON_FRACTION", '{"CB-SNV": 0.5, "default": 0.2}')
    monkeypatch.setenv("ESCALATION_DELAYS", '{"escalate_unit_leader": "PT2H", "escalate_agency_leader": "P2D"}')
    found = config_module.from_environment(tmp_path)
    assert found["NOTIFICATION_WEBHOOK_URL"] == "https://hooks.example.vn/motcua"
    assert found["DUE_SOON_FRACTION"] == {"CB-SNV": 0.5, "default": 0.2}
    assert found["ESCALATION_DELAYS"]["escalate_agency_leader"] == "P2D"
    config_module.check_settings(found)


def test_unset_settings_keep_their_defaults(monkeypatch, tmp_path):
    for name in config_module.OPTIONAL_FROM_ENV:
        monkeypatch.delenv(name, raising=False)
    assert not set(config_module.OPTIONAL_FROM_ENV) & set(config_module.from_environment(tmp_path))


@pytest.mark.parametrize("settings", [
    {"DUE_SOON_FRACTION": 1.5},
    {"DUE_SOON_FRACTION": {"CB-SNV": "nửa"}},
    {"ESCALATION_DELAYS": {"escalate_unit_leader": "bốn giờ", "escalate_agency_leader": "P1D"}},
    {"ESCALATION_DELAYS": {"escalate_unit_leader": "PT4H"}},
    {"NOTIFICATION_WEBHOOK_URL": "file:///etc/passwd"},
    {"PUBLIC_BASE_URL": "javascript:alert(1)"},
    {"SCHEDULER_TICK_SECONDS": 0},
    {"JSON_MAX_DEPTH": 1},
    {"CATALOG_REVIEW_MONTHS": {"CB": 0}},
    {"THROTTLE_LOGIN_ACCOUNT": [10]},
    {"THROTTLE_PUBLIC_LOOKUP": "30/60"},
])
def test_a_bad_setting_stops_the_app_from_starting(settings):
    with pytest.raises(config_module.SettingsError):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40, **settings})


def test_every_tunable_can_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SCHEDULER_TICK_SECONDS", "5")
    monkeypatch.setenv("CATALOG_REVIEW_MONTHS", '{"CB": 6, "default": 12}')
    monkeypatch.setenv("THROTTLE_LOGIN_ACCOUNT", "[5, 60]")
    found = config_module.from_environment(tmp_path)
    assert (found["SCHEDULER_TICK_SECONDS"], found["THROTTLE_LOGIN_ACCOUNT"]) == (5, [5, 60])
    assert found["CATALOG_REVIEW_MONTHS"] == {"CB": 6, "default": 12}
    config_module.check_settings(found)
    monkeypatch.setenv("SCHEDULER_TICK_SECONDS", "mười lăm")
    with pytest.raises(config_module.SettingsError, match="SCHEDULER_TICK_SECONDS"):
        config_module.from_environment(tmp_path)


def test_bad_json_in_the_environment_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("ESCALATION_DELAYS", "{PT4H}")
    with pytest.raises(config_module.SettingsError, match="ESCALATION_DELAYS"):
        config_module.from_environment(tmp_path)

