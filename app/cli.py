"""Command line: ``flask --app app <command>`` or the ``motcua`` script.

Logic lives in services; these wrappers only parse arguments, open the transaction and print.
"""
from __future__ import annotations

import secrets

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from app.extensions import db


@click.command("create-admin")
@click.option("--username", default="admin", show_default=True)
@click.option("--full-name", default="Quản trị hệ thống", show_default=True)
@click.option("--password", envvar="ADMIN_PASSWORD", default=None, help="Default: $ADMIN_PASSWORD or generated")
@with_appcontext
def create_admin_command(username: str, full_name: str, password: str | None) -> None:
    """Create the first administrator (prints the password when it generates one)."""
    from app.bootstrap import create_admin
    from app.errors import DomainError

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        officer = create_admin(session=db.session, username=username, full_name=full_name, password=password,
                               now=current_app.extensions["clock"].now())
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{username!r}: {exc.errors or exc.code}") from None
    db.session.commit()
    click.echo(f"Created administrator {officer.username!r}.")
    if generated:
        click.echo(f"Password: {password}")


@click.command("bootstrap")
@with_appcontext
def bootstrap_command() -> None:
    """First run: an admin account, the demo organisation and shipped procedures, if the database is empty."""
    from app.bootstrap import bootstrap

    report = bootstrap(session=db.session, now=current_app.extensions["clock"].now(),
                       admin_password=current_app.config.get("ADMIN_PASSWORD"))
    db.session.commit()
    for line in report:
        click.echo(line)


@click.group("scheduler")
def scheduler_group() -> None:
    """The scheduler process (production runs it apart from the web workers)."""


@scheduler_group.command("run")
@with_appcontext
def scheduler_run_command() -> None:
    """Run the scheduler loop in the foreground until stopped."""
    from app.scheduler.runner import run_blocking

    run_blocking(current_app._get_current_object())  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    from app.authoring.cli import authoring_group
    from app.backup import backup_group
    from app.documents.cli import documents_group

    app.cli.add_command(authoring_group)
    app.cli.add_command(backup_group)
    app.cli.add_command(documents_group)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(scheduler_group)


def main() -> None:
    """Entry point of the ``motcua`` console script."""
    from app import create_app

    FlaskGroup(create_app=lambda: create_app())()
