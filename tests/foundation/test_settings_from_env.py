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
])
def test_a_bad_setting_stops_the_app_from_starting(settings):
    with pytest.raises(config_module.SettingsError):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40, **settings})


def test_bad_json_in_the_environment_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("ESCALATION_DELAYS", "{PT4H}")
    with pytest.raises(config_module.SettingsError, match="ESCALATION_DELAYS"):
        config_module.from_environment(tmp_path)
