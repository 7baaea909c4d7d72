from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture()
def designer_headers(auth):
    auth.create("designer1", "designer")
    return auth.headers("designer1")


def upload(client, headers, data: bytes, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(f"/api/v1/process-definitions{'?' + params if params else ''}", headers=headers,
                       data=data, content_type="application/xml")


def shipped_bpmn(key: str) -> bytes:
    return (PROJECT_DIR / "bpmn_models" / f"{key}.bpmn").read_bytes()
