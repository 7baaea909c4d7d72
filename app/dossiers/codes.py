"""Dossier codes: ``<agency code>-<YYMMDD>-<4-digit per-day sequence>`` (Circular 04/2025/TT-VPCP).

The sequence is one counter row per agency and day, bumped by a single ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` in the dossier's own transaction: the row lock serialises concurrent receptions, a rolled-back
reception gives its number back, and no two dossiers share a code. The format is the app config
``DOSSIER_CODE_FORMAT`` (``str.format`` with ``agency_code``, ``date`` and ``seq``).
"""
from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy.orm import Session

from app.dossiers.models import DossierCounter

DEFAULT_FORMAT = "{agency_code}-{date:%y%m%d}-{seq:04d}"


def next_sequence(*, session: Session, agency_id: int, day: date) -> int:
    """Take the next number of ``agency_id`` on ``day`` (1, 2, …), locking the counter row until commit."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(DossierCounter).values(agency_id=agency_id, day=day, last_value=1)
    stmt = stmt.on_conflict_do_update(index_elements=["agency_id", "day"],
                                      set_={"last_value": DossierCounter.last_value + 1})
    return session.execute(stmt.returning(DossierCounter.last_value)).scalar_one()


def format_code(template: str | None, *, agency_code: str, day: date, seq: int) -> str:
    """The code of the ``seq``-th dossier of ``day``; a broken ``DOSSIER_CODE_FORMAT`` is a deployment error."""
    try:
        code = (template or DEFAULT_FORMAT).format(agency_code=agency_code, date=day, seq=seq)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise RuntimeError(f"DOSSIER_CODE_FORMAT {template!r} is not usable: {exc!r}") from exc
    if not code or len(code) > 64:
        raise RuntimeError(f"DOSSIER_CODE_FORMAT {template!r} gives {code!r}: 1 to 64 characters needed")
    return code


def hash_secret(secret: str) -> str:
    """What is stored of a dossier's lookup secret (shown once, on the receipt)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_LINK_SALT = "motcua.applicant-link"


def link_token(code: str, secret_key: str) -> str:
    """The token of the links sent to the applicant (lookup, rating, opt-out): it opens what the lookup secret
    opens, for this dossier only. Why not the secret itself: only its hash is kept; the token is signed
    (``itsdangerous``) with the service's key, so it can be made again for every notice, and checked."""
    from itsdangerous import Signer

    return Signer(secret_key, salt=_LINK_SALT).get_signature(code).decode("ascii")


def link_token_matches(code: str, token: str, secret_key: str) -> bool:
    from itsdangerous import Signer

    if not token or len(token) > 128:
        return False
    try:
        return Signer(secret_key, salt=_LINK_SALT).verify_signature(code.encode("utf-8"), token.encode("ascii"))
    except UnicodeEncodeError:
        return False
