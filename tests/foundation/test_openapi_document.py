"""The OpenAPI document is valid OpenAPI 3.0, and what OPTIONS answers matches it (issue #15.4)."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

METHODS = {"get", "put", "post", "patch", "delete"}


def _spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_lints_clean(client):
    validate(_spec(client))  # raises, naming the path, on any violation of the OpenAPI 3.0 schema


def test_allow_on_options_lists_the_documented_methods(client):
    """For each documented path (its parameters filled in), ``Allow`` names exactly the methods the document
    gives every path template that URL matches (``/process-definitions/from-steps`` is also a ``{key}``)."""
    paths = _spec(client)["paths"]

    def pattern_of(path: str, item: dict) -> re.Pattern:
        """An integer parameter matches digits only (``/notice-templates/preview`` is no ``{template_id}``)."""
        integers = {p["name"] for p in item.get("parameters", []) if p.get("schema", {}).get("type") == "integer"}
        pieces = re.split(r"(\{[^}]+\})", path)
        return re.compile("^" + "".join(
            ("[0-9]+" if piece[1:-1] in integers else "[^/]+") if piece.startswith("{") else re.escape(piece)
            for piece in pieces) + "$")

    templates = [(pattern_of(path, item), item) for path, item in paths.items()]
    mismatched = {}
    for path in paths:
        url = re.sub(r"\{[^}]+\}", "1", path)
        documented = {m.upper() for pattern, item in templates if pattern.match(url) or pattern.match(path)
                      for m in item if m in METHODS}
        response = client.open(url, method="OPTIONS")
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        allowed -= {"HEAD", "OPTIONS"}  # answered by every route, documented by none
        if allowed != documented:
            mismatched[path] = (sorted(allowed), sorted(documented))
    assert mismatched == {}
