"""The shipped procedures and demo organisation: consistent, bound to real units, and up to date.

These tests read only the project (``processes/sources/cases.json`` is the generator's committed input);
the one comparing that copy with ``../shared`` skips without it.
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.camunda.parser import CamundaParser

from app.authoring.bpmn_writer import NS

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROCESSES = PROJECT_DIR / "processes"
SOURCE = PROCESSES / "sources" / "cases.json"
XSD_PATH = Path(etree.__file__).parent.parent / "SpiffWorkflow/bpmn/parser/schema/BPMN20.xsd"
ORG = json.loads((PROCESSES / "organisation.json").read_text("utf-8"))
ENTRIES = sorted(p for p in PROCESSES.glob("*.json") if p.name != "organisation.json")
MODELS = sorted((PROJECT_DIR / "bpmn_models").glob("*.bpmn"))
ROLES = {"admin", "designer", "leader", "officer", "clerk", "auditor"}


def _load_generator():
    spec = importlib.util.spec_from_file_location("build_shipped", PROCESSES / "build_shipped.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _props(element) -> dict[str, str]:
    return {p.get("name"): p.get("value")
            for p in element.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS)}


def test_five_procedures_are_shipped():
    assert len(ENTRIES) == 5 and len(MODELS) == 5


def test_shipped_files_are_up_to_date_with_the_generator(tmp_path):
    _load_generator().main([str(SOURCE), "--out", str(tmp_path)])
    generated = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    shipped = {p.relative_to(PROJECT_DIR) for p in [*MODELS, *ENTRIES, *(PROCESSES / "forms").glob("*")]}
    assert generated == shipped
    for relative in generated:
        assert (tmp_path / relative).read_bytes() == (PROJECT_DIR / relative).read_bytes(), (
            f"{relative} is stale: run python processes/build_shipped.py processes/sources/cases.json")


def test_the_generators_input_is_the_shared_table(shared_dir):
    assert SOURCE.read_bytes() == (shared_dir / "procedures" / "cases.json").read_bytes()


@pytest.mark.parametrize("entry_path", ENTRIES, ids=lambda p: p.stem)
def test_catalog_entry_and_its_bpmn_agree(entry_path):
    entry = json.loads(entry_path.read_text("utf-8"))
    assert set(entry) >= {"key", "code", "case_id", "name", "agency", "kind", "legal_basis", "decision", "bpmn",
                          "declared_total", "forms", "lanes"}
    assert entry_path.stem == entry["key"] and re.fullmatch(r"[a-z][a-z0-9_]*", entry["key"])
    assert re.fullmatch(r"\d\.\d{6}", entry["code"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["decision"]["date"]) and "/QĐ-" in entry["decision"]["number"]
    assert entry["kind"] in ("internal", "interconnected_same_level", "interconnected_cross_level")
    assert entry["agency"] in {a["code"] for a in ORG["agencies"]}
    assert entry["legal_basis"] and entry["decision"]["number"] in entry["legal_basis"][0]

    root = etree.parse(str(PROJECT_DIR / entry["bpmn"])).getroot()
    process = root.find("bpmn:process", NS)
    assert process.get("id") == entry["key"] and process.get("name") == entry["name"]
    lanes = {lane.get("id"): _props(lane).get("unit") for lane in process.iterfind("bpmn:laneSet/bpmn:lane", NS)}
    assert lanes == entry["lanes"]
    used_forms = {_props(task)["form"] for task in process.iterfind("bpmn:userTask", NS)}
    assert used_forms == set(entry["forms"])
    for path in entry["forms"].values():
        assert (PROJECT_DIR / path).is_file()


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_every_lane_is_bound_to_a_unit_of_the_organisation(model):
    units = {u["code"] for u in ORG["units"]}
    lanes = etree.parse(str(model)).getroot().findall(".//bpmn:lane", NS)
    assert lanes
    for lane in lanes:
        assert _props(lane).get("unit") in units, lane.get("name")


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_shipped_model_is_valid_bpmn_and_parses_in_spiffworkflow(model):
    xsd = etree.XMLSchema(etree.parse(str(XSD_PATH), etree.XMLParser(no_network=True)))
    assert xsd.validate(etree.parse(str(model), etree.XMLParser(no_network=True, resolve_entities=False)))
    parser = CamundaParser()
    parser.add_bpmn_file(str(model))
    assert parser.get_spec(model.stem)


@pytest.mark.parametrize("form", sorted((PROCESSES / "forms").glob("*.schema.json")), ids=lambda p: p.stem)
def test_forms_are_draft_2020_12_schemas_with_vietnamese_titles(form):
    schema = json.loads(form.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["title"] and all(p["title"] for p in schema["properties"].values())


def test_leader_review_requires_a_comment_when_sending_back():
    schema = json.loads((PROCESSES / "forms" / "lanh_dao_xem_xet.schema.json").read_text("utf-8"))
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"approved": True})
    assert not validator.is_valid({"approved": False})
    assert validator.is_valid({"approved": False, "comment": "Bổ sung biên bản kiểm đếm"})


def test_organisation_is_a_consistent_tree():
    agencies = {a["code"]: a for a in ORG["agencies"]}
    units = {u["code"]: u for u in ORG["units"]}
    assert len(agencies) == len(ORG["agencies"]) and len(units) == len(ORG["units"])
    for code in [*agencies, *units]:
        assert re.fullmatch(r"[A-Z0-9]+(?:-[A-Z0-9]+)*", code), code
    for agency in agencies.values():
        assert agency["kind"] in ("province", "department", "commune", "service_centre", "facility", "office")
        seen, parent = {agency["code"]}, agency["parent"]
        while parent is not None:  # every chain ends at a root, with no cycle
            assert parent in agencies and parent not in seen
            seen.add(parent)
            parent = agencies[parent]["parent"]
    for unit in units.values():
        assert unit["agency"] in agencies
        assert unit["kind"] in ("division", "desk", "leadership", "records", "reception")


def test_every_unit_is_staffed_with_the_right_roles():
    staff: dict[str, set[str]] = {u["code"]: set() for u in ORG["units"]}
    usernames = [o["username"] for o in ORG["officers"]]
    assert len(set(usernames)) == len(usernames)
    for officer in ORG["officers"]:
        assert set(officer["roles"]) <= ROLES and officer["roles"]
        assert officer["username"] != "admin", "bootstrap creates 'admin' itself"
        assert officer["full_name"] != officer["full_name"].encode("ascii", "ignore").decode()  # accents kept
        for code in officer["units"]:
            staff[code] |= set(officer["roles"])
    for unit in ORG["units"]:
        roles = staff[unit["code"]]
        assert roles, f"{unit['code']} has no officer"
        if "Lãnh đạo" in unit["name"] or unit["kind"] == "leadership":
            assert "leader" in roles, unit["code"]
        if unit["kind"] in ("desk", "reception"):
            assert "clerk" in roles, unit["code"]
    all_roles = [r for o in ORG["officers"] for r in o["roles"]]
    assert all_roles.count("designer") == 1 and all_roles.count("auditor") == 1
