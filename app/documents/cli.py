"""``flask documents check``: every recorded file present and unaltered in the store (re-hashed)."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db


@click.group("documents")
def documents_group() -> None:
    """The dossiers' files."""


@documents_group.command("check")
@click.option("--no-rehash", is_flag=True, help="compare sizes only (fast), do not re-read every file")
@with_appcontext
def check_command(no_rehash: bool) -> None:
    """List files missing from the store, altered, or stored but recorded nowhere; exit 1 on missing/altered."""
    from app.documents.integrity import check_store

    found = check_store(session=db.session, storage=current_app.extensions["motcua.storage"],
                                rehash=not no_rehash)
    click.echo(json.dumps({key: {"count": len(keys), "sha256": keys[:100]} for key, keys in found.items()},
                          ensure_ascii=False, indent=2))
    if found["missing"] or found["altered"]:
        raise SystemExit(1)
