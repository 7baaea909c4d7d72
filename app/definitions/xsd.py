"""BPMN 2.0 XSD check (BPMN20.xsd with Semantic, BPMNDI, DC, DI), loaded once from local files.

Why the XSD only informs: real modeler output breaks the strict schema in small ways that do not change
what a diagram means (Signavio's ``isCollection`` on dataObjectReference, bpmn-js files without
``targetNamespace``, children out of the schema's order). The semantic rules (``rules.py``) decide what
blocks a procedure and say it in Vietnamese; here every XSD failure is a **warning**, except the few that
change how an executable process would run and that no rule re-checks:

* a value that is not of its XSD type on a BPMN attribute of an element inside an executable process
  (``isInterrupting="flase"``, ``cancelActivity="maybe"``…), because the engine would read it differently
  from what the designer saw; ``id`` is left to the duplicate-id rule.

The schema files are SpiffWorkflow's copy of the OMG XSDs (read as data, SpiffWorkflow is not imported);
they are parsed with a parser that neither loads DTDs nor touches the network.
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

from lxml import etree

from app.definitions.intake import Issue

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

#: One schema per thread: an XMLSchema keeps the last validation's error_log on itself, so sharing one
#: instance between threads could mix two uploads' messages.
_local = threading.local()

#: libxml2 error types that mean "this attribute value is not of its type".
_VALUE_ERRORS = frozenset({
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1", "SCHEMAV_CVC_ATTRIBUTE_3", "SCHEMAV_CVC_ENUMERATION_VALID",
    "SCHEMAV_CVC_PATTERN_VALID",
})


def schema_dir() -> Path:
    """Folder of BPMN20.xsd: SpiffWorkflow's package data, found without importing SpiffWorkflow."""
    spec = importlib.util.find_spec("SpiffWorkflow")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("SpiffWorkflow package (source of the BPMN XSD files) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "bpmn" / "parser" / "schema"


def get_schema() -> etree.XMLSchema:
    """The BPMN 2.0 schema, built once per thread from local files (a few ms) and reused."""
    schema = getattr(_local, "schema", None)
    if schema is None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        doc = etree.parse(str(schema_dir() / "BPMN20.xsd"), parser)
        schema = _local.schema = etree.XMLSchema(doc)
    return schema


def _line_index(root: etree._Element) -> dict[int, etree._Element]:
    index: dict[int, etree._Element] = {}
    for element in root.iter(etree.Element):
        if element.sourceline is not None:
            index.setdefault(element.sourceline, element)
    return index


def _in_executable_process(element: etree._Element) -> bool:
    node: etree._Element | None = element
    while node is not None:
        if node.tag == f"{{{BPMN_NS}}}process":
            return (node.get("isExecutable") or "").strip().lower() in ("true", "1")
        node = node.getparent()
    return False


def check_xsd(root: etree._Element) -> list[Issue]:
    """Validate against BPMN20.xsd; return issues (mostly warnings, see module docstring)."""
    schema = get_schema()
    if schema.validate(root.getroottree()):
        return []
    issues: list[Issue] = []
    lines: dict[int, etree._Element] | None = None
    for entry in schema.error_log:
        if len(issues) >= 50:  # a broken file would otherwise produce thousands; the first ones suffice
            break
        if lines is None:
            lines = _line_index(root)
        element = lines.get(entry.line)
        element_id = element.get("id") if element is not None else None
        message = entry.message.strip()
        severity = "warning"
        code = "xsd_invalid"
        if (entry.type_name in _VALUE_ERRORS and element is not None
                and "attribute 'id'" not in message and _in_executable_process(element)):
            severity, code = "error", "xsd_invalid_value"
        issues.append(Issue(
            code, severity,
            f"Không khớp lược đồ BPMN 2.0 (XSD) tại dòng {entry.line}: {message}",
            f"Does not match the BPMN 2.0 schema (XSD) at line {entry.line}: {message}",
            element_id, entry.line,
        ))
    return issues
