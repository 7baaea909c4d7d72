"""The dossier's documents (thành phần hồ sơ, kết quả): components declared per procedure version, files
streamed to a content-addressed store, versions, signatures, results returned through the public lookup."""
from __future__ import annotations

from pathlib import Path

from flask import Flask


def init_app(app: Flask) -> None:
    """Open the file store the settings name (refused at start, never at a later request) and the staging dir."""
    from app.config import SettingsError
    from app.documents.storage import storage_from_settings

    instance = Path(app.instance_path)
    try:
        app.extensions["motcua.storage"] = storage_from_settings(app.config, instance_path=instance)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    app.config.setdefault("DOCUMENT_STAGING_DIR", str(instance / "staging"))
