"""Helpers for the authoring API tests: headers of the demo organisation's people and case payloads."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "motcua-demo-2026"  # tests/conftest.py: the demo fixture's password
FROM_STEPS = "/api/v1/process-definitions/from-steps"
CASE_IDS = ("NA-3857-2025", "CB-2028-2025-TNXP-thanhlap", "CB-2028-2025-TNXP-giaithe",
            "CB-2028-2025-luutru-caplai", "CB-2022-2025-QT17")


def load_generator():
    """``processes/build_shipped.py``: what the decisions leave implicit (agency, kind, unit codes…)."""
    spec = importlib.util.spec_from_file_location("build_shipped_for_api_tests",
                                                  PROJECT_DIR / "processes" / "build_shipped.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SHIPPED = load_generator().SHIPPED


@pytest.fixture()
def headers_of(demo, auth):
    """``headers_of("thietke.quytrinh")``: bearer headers of a demo officer (``admin`` has its own password)."""
    def headers(username: str) -> dict[str, str]:
        return auth.headers(username) if username == "admin" else auth.headers(username, DEMO_PASSWORD)

    return headers


@pytest.fixture()
def designer(headers_of) -> dict[str, str]:
    return headers_of("thietke.quytrinh")


@pytest.fixture()
def admin(headers_of) -> dict[str, str]:
    return headers_of("admin")


@pytest.fixture(scope="session")
def cases(shared_dir) -> dict[str, dict[str, Any]]:
    data = json.loads((shared_dir / "procedures" / "cases.json").read_text("utf-8"))
    return {case["id"]: case for case in data["cases"]}


def case_key(case_id: str) -> str:
    return "tbl_" + SHIPPED[case_id]["key"]


def case_payload(case: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
    """The JSON body for one case of ``cases.json``, with the shipped additions (agency, return_to…)."""
    from app.authoring.step_table import meta_from_case

    extra = SHIPPED[case["id"]]
    meta = meta_from_case(case, key=key or case_key(case["id"]), agency=extra["agency"], kind=extra["kind"])
    steps = []
    for step in case["steps"]:
        label = str(step["step"])
        row = {"step": step["step"], "responsible": step["responsible"], "content": step["content"],
               "time": step["time"]}
        if step.get("phase"):
            row["phase"] = step["phase"]
        if label in extra.get("step_agencies", {}):
            row["agency"] = extra["step_agencies"][label]
        if label in extra.get("return_to", {}):
            row["return_to"] = extra["return_to"][label]
        steps.append(row)
    body_meta = {"key": meta.key, "name": meta.name, "code": meta.code, "agency": meta.agency, "kind": meta.kind,
                 "unit": meta.unit, "declared_total": meta.declared_total, "decision_number": meta.decision_number,
                 "decision_date": meta.decision_date}
    if meta.phase_totals:
        body_meta["phase_totals"] = dict(meta.phase_totals)
    return {"meta": body_meta, "steps": steps}
