"""Is every recorded file in the store, unaltered? (``flask documents check``; after a restore.)"""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.documents.models import StoredFile
from app.documents.storage import BlobMissing, Storage


def check_store(*, session: Session, storage: Storage, rehash: bool = True) -> dict[str, list[str]]:
    """Files recorded but missing from the store, altered (size or sha-256 differs), and stored but unrecorded."""
    missing, altered = [], []
    recorded = set()
    for row in session.scalars(select(StoredFile).order_by(StoredFile.sha256)):
        recorded.add(row.sha256)
        size = storage.stat(row.sha256)  # StorageUnavailable goes up: the check cannot say anything then
        if size is None:
            missing.append(row.sha256)
            continue
        if size != row.size:
            altered.append(row.sha256)
            continue
        if rehash:
            digest = hashlib.sha256()
            try:
                for chunk in storage.open_chunks(row.sha256):
                    digest.update(chunk)
            except BlobMissing:
                missing.append(row.sha256)
                continue
            if digest.hexdigest() != row.sha256:
                altered.append(row.sha256)
    unrecorded = sorted(key for key in storage.keys() if key not in recorded)  # noqa: SIM118 (a Storage, not a dict)
    return {"missing": missing, "altered": altered, "unrecorded": unrecorded}
