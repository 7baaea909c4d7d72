"""``flask bootstrap`` (run by ``make run``): admin, demo organisation and shipped procedures, idempotent."""
from __future__ import annotations

from app.definitions.models import DefinitionVersion
from app.extensions import db
from app.org.models import Agency, Officer


def test_bootstrap_loads_everything_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bootstrap"])
    assert result.exit_code == 0, result.output
    assert "Admin password (generated, shown once)" in result.output
    assert "Published na_khau_tru_kinh_phi_boi_thuong v1" in result.output
    with app.app_context():
        assert db.session.query(Agency).filter_by(code="CB-SNV").one().name.startswith("Sở Nội vụ")
        published = db.session.query(DefinitionVersion).filter_by(status="published").count()
        officers = db.session.query(Officer).count()
    assert published == 5
    again = runner.invoke(args=["bootstrap"])
    assert again.exit_code == 0 and "Published" not in again.output and "password" not in again.output
    with app.app_context():
        assert db.session.query(Officer).count() == officers


def test_create_admin_command(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "root2", "--password", "long-password-1"])
    assert result.exit_code == 0 and "root2" in result.output
    duplicate = app.test_cli_runner().invoke(args=["create-admin", "--username", "root2", "--password", "x" * 12])
    assert duplicate.exit_code != 0
