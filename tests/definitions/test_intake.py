"""Intake: size cap, encodings and byte-order marks, refused DTDs/entities, depth and count limits."""
from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.definitions.intake import IntakeRefused, intake
from app.definitions.validation import validate_bpmn

NAME = "Café Zoë Ñandú"  # accented, Vietnamese-free: representable in ISO-8859-1 and windows-1252


def bpmn(name: str = NAME, encoding: str | None = "UTF-8") -> str:
    decl = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else '<?xml version="1.0"?>'
    return f"""{decl}
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x">
  <bpmn:process id="p" name="{name}" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:userTask id="t" name="{name}" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def refused(data: bytes, **kwargs: int) -> IntakeRefused:
    with pytest.raises(IntakeRefused) as info:
        validate_bpmn(data, **kwargs)
    return info.value


def assert_accepted(data: bytes, name: str = NAME) -> None:
    result = validate_bpmn(data)
    assert result.ok and result.publishable, result.errors
    assert result.process_name == name and result.steps[0].name == name
    assert result.normalized_xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert name.encode("utf-8") in result.normalized_xml


def test_utf8_bom_accepted_and_dropped() -> None:
    assert_accepted(codecs.BOM_UTF8 + bpmn().encode("utf-8"))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_accepted(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    name = "Thẩm định hồ sơ"
    assert_accepted(bom + bpmn(name, "UTF-16").encode(codec), name)


def test_utf16_without_bom_sniffed() -> None:
    assert_accepted(bpmn(encoding="UTF-16").encode("utf-16-le"))


@pytest.mark.parametrize(("declared", "codec"), [("ISO-8859-1", "latin-1"), ("windows-1252", "cp1252"),
                                                 ("iso-8859-1", "latin-1")])
def test_single_byte_encodings_decoded_right(declared: str, codec: str) -> None:
    assert_accepted(bpmn(encoding=declared).encode(codec))


def test_windows_1252_specific_characters() -> None:
    name = "Zoë – “quoted” €"
    assert_accepted(bpmn(name, "windows-1252").encode("cp1252"), name)


def test_no_declaration_means_utf8() -> None:
    assert_accepted(bpmn(encoding=None).encode("utf-8"))


def test_line_numbers_kept_when_declaration_spans_lines() -> None:
    text = bpmn(encoding="ISO-8859-1").replace('version="1.0" encoding', 'version="1.0"\n   encoding')
    result = validate_bpmn(text.encode("latin-1"))
    assert result.normalized_xml.decode().splitlines()[2:] == text.splitlines()[2:]
    broken = text.replace('targetRef="e"', 'targetRef="nowhere"').encode("latin-1")
    issue = next(i for i in validate_bpmn(broken).errors if i.code == "unknown_target")
    assert issue.line == 8 and issue.element_id == "f2"


def test_unsupported_and_lying_encodings_refused() -> None:
    assert refused(bpmn(encoding="Shift_JIS").encode("ascii", "replace")).issue.code == "unsupported_encoding"
    assert refused(bpmn(encoding="UTF-16").encode("utf-8")).issue.code == "unsupported_encoding"
    assert refused(codecs.BOM_UTF32_LE + bpmn().encode("utf-32-le")).issue.code == "unsupported_encoding"


def test_invalid_utf8_byte_reported_with_line_and_column() -> None:
    data = bpmn().encode("utf-8").replace("Ñ".encode(), b"\xff", 1)
    issue = refused(data).issue
    assert issue.code == "bad_encoding" and issue.line == 3 and issue.column is not None


def test_size_cap_checked_before_parsing() -> None:
    data = bpmn().encode("utf-8")
    assert validate_bpmn(data, max_bytes=len(data)).ok
    issue = refused(data + b" ", max_bytes=len(data)).issue
    assert issue.code == "too_large"
    assert refused(b"{" * 100, max_bytes=99).issue.code == "too_large"  # not even looked at


@pytest.mark.parametrize("doc", [
    '<?xml version="1.0"?>\n<!DOCTYPE x>\n<x/>',
    '<?xml version="1.0"?>\n<!doctype x>\n<x/>',
    '<x><![CDATA[ <!ENTITY e "x"> ]]></x>',
])
def test_any_doctype_or_entity_declaration_refused(doc: str) -> None:
    for data in (doc.encode("utf-8"), codecs.BOM_UTF16_LE + doc.replace('"1.0"?', '"1.0" encoding="UTF-16"?').encode("utf-16-le")):
        assert refused(data).issue.code == "doctype_forbidden"


def test_undeclared_entity_reference_refused() -> None:
    issue = refused(b"<a>&xxe;</a>").issue
    assert issue.code == "entity_forbidden" and issue.line == 1


def test_depth_and_count_limits() -> None:
    assert intake(b"<a>" * 200 + b"</a>" * 200).root.tag == "a"
    assert refused(b"<a>" * 201 + b"</a>" * 201).issue.code == "too_deep"
    assert refused(b"<a>" * 10_000 + b"</a>" * 10_000).issue.code == "too_deep"
    with pytest.raises(IntakeRefused) as info:
        intake(b"<r>" + b"<a/>" * 1000 + b"</r>", max_elements=500)
    assert info.value.issue.code == "too_many_elements"


def test_malformed_declaration_is_reported_not_repaired() -> None:
    issue = refused(b'<?xml version="1.0"encoding="UTF-8"?>\n<a/>').issue
    assert issue.code == "not_well_formed" and issue.line == 1


def test_empty_and_non_bytes() -> None:
    assert refused(b"").issue.code == "empty"
    assert refused(b"  \n ").issue.code == "empty"
    with pytest.raises(TypeError):
        validate_bpmn("<a/>")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=200).map(lambda t: ("<a>" + t + "</a>").encode("utf-8")))
def test_any_bytes_give_a_result_or_intake_refused(data: bytes) -> None:
    try:
        result = validate_bpmn(data)
    except IntakeRefused as exc:
        assert exc.issue.code and exc.issue.message and exc.issue.message_en
    else:
        assert all(i.code != "internal_error" for i in result.errors)
