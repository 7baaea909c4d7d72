from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture()
def designer_headers(auth):
    auth.create("designer1", "designer")
    return auth.headers("designer1")


def upload(client, headers, data: bytes, *, forms: dict | None = None, **query):
    """POST a BPMN as XML, or with ``forms`` (name → JSON Schema) as multipart ``file`` + ``forms``."""
    params = "&".join(f"{k}={v}" for k, v in query.items())
    url = f"/api/v1/process-definitions{'?' + params if params else ''}"
    if forms is not None:
        return client.post(url, headers=headers, content_type="multipart/form-data", data={
            "file": (io.BytesIO(data), "upload.bpmn"),
            "forms": (io.BytesIO(json.dumps(forms).encode()), "forms.json", "application/json")})
    return client.post(url, headers=headers, data=data, content_type="application/xml")


def boolean_form(*names: str) -> dict:
    """A form requiring each of ``names`` as a yes/no field (what a review step's officer answers)."""
    return {"type": "object", "required": list(names),
            "properties": {name: {"type": "boolean"} for name in names}}


def shipped_bpmn(key: str) -> bytes:
    return (PROJECT_DIR / "bpmn_models" / f"{key}.bpmn").read_bytes()
