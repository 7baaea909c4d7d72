"""Intake of uploaded BPMN bytes: the only place that turns untrusted bytes into an lxml tree.

Why a stage of its own: everything after it (XSD, rules, the engine's parser) may assume a bounded,
DTD-free, well-formed UTF-8 document. Order, cheapest refusal first:

1. size cap (before any decoding or parsing);
2. encoding: byte-order mark (UTF-8, UTF-16 LE/BE) wins, else the XML declaration's ``encoding``
   (UTF-8, ISO-8859-1, windows-1252, US-ASCII; UTF-16 without BOM is sniffed from ``<\\0?\\0``);
   strict decoding, an undecodable byte is refused with its line and column;
3. any ``<!DOCTYPE`` / ``<!ENTITY`` is refused outright (no DTD, no entities, internal or external);
4. lxml parsing with entities, DTD loading and network disabled, ``huge_tree`` off, streamed through a
   pull parser so that element depth and element count are capped while parsing;
5. the parsed docinfo is checked again for a DTD (defence in depth).

The result carries a normalized UTF-8 document with the same line numbers as the upload (the XML
declaration is rewritten in place, the BOM dropped); the caller stores the exact uploaded bytes itself.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from lxml import etree

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_DEPTH = 200
DEFAULT_MAX_ELEMENTS = 100_000
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Issue:
    """One finding, shown to the designer with the element and line it concerns."""

    code: str
    severity: str  # "error" | "warning"
    message: str  # Vietnamese
    message_en: str
    element_id: str | None = None
    line: int | None = None
    column: int | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        """JSON-friendly form (the API's error shape lists these)."""
        data = {
            "code": self.code, "severity": self.severity, "message": self.message,
            "message_en": self.message_en, "element_id": self.element_id, "line": self.line,
        }
        if self.column is not None:
            data["column"] = self.column
        return data


class IntakeRefused(ValueError):
    """The upload is refused before any BPMN meaning is looked at (hostile, too big, not XML)."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(f"{issue.code}: {issue.message_en}")
        self.issue = issue


@dataclass(frozen=True)
class IntakeResult:
    """A parsed, bounded document and its normalized UTF-8 bytes (same line numbers as the upload)."""

    root: etree._Element
    normalized_xml: bytes
    source_encoding: str
    had_bom: bool


def _refuse(code: str, message: str, message_en: str, line: int | None = None,
            column: int | None = None) -> IntakeRefused:
    return IntakeRefused(Issue(code, "error", message, message_en, None, line, column))


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Declared encodings accepted, mapped to Python codec names. Others are refused: a BPMN modeler
#: writes one of these, and an exotic codec is an easy way to smuggle bytes past a text scan.
_DECLARED: dict[str, str] = {
    "utf-8": "utf-8", "utf8": "utf-8",
    "iso-8859-1": "latin-1", "iso8859-1": "latin-1", "iso_8859-1": "latin-1", "latin1": "latin-1",
    "latin-1": "latin-1", "l1": "latin-1",
    "windows-1252": "cp1252", "cp1252": "cp1252",
    "us-ascii": "ascii", "ascii": "ascii",
    "utf-16": "utf-16", "utf-16le": "utf-16", "utf-16be": "utf-16",
}

_S = r"[ \t\r\n]+"
_EQ = r"[ \t\r\n]*=[ \t\r\n]*"
#: A well-formed XML declaration (XML 1.0 §2.8). Only this exact shape is rewritten: a malformed one is
#: left alone so that lxml reports it instead of intake silently repairing it.
_XML_DECL = re.compile(
    rf"""<\?xml{_S}version{_EQ}(?:"1\.[0-9]+"|'1\.[0-9]+')"""
    rf"""(?:{_S}encoding{_EQ}(?:"(?P<enc1>[A-Za-z][A-Za-z0-9._-]*)"|'(?P<enc2>[A-Za-z][A-Za-z0-9._-]*)'))?"""
    rf"""(?:{_S}standalone{_EQ}(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>"""
)
#: Lenient look at the declaration's encoding, used only to choose a codec for the bytes.
_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]{0,200}?encoding[ \t\r\n]*=[ \t\r\n]*["']([A-Za-z0-9._-]{1,40})["']""")
_FORBIDDEN = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _decode(data: bytes) -> tuple[str, str, bool]:
    """Return (text, encoding name, had BOM); refuse unknown or inconsistent encodings."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            if codec.startswith("utf-32"):
                raise _refuse("unsupported_encoding", "Không hỗ trợ mã hoá UTF-32.",
                              "UTF-32 encoded files are not supported.", 1, 1)
            return _strict_decode(data[len(bom):], codec), codec, True
    if data.startswith(b"<\x00?\x00") or data.startswith(b"<\x00") and data[3:4] == b"\x00":
        return _strict_decode(data, "utf-16-le"), "utf-16-le", False
    if data.startswith(b"\x00<"):
        return _strict_decode(data, "utf-16-be"), "utf-16-be", False
    match = _DECL_ENCODING.match(data)
    declared = match.group(1).decode("ascii").lower() if match else "utf-8"
    codec = _DECLARED.get(declared)
    if codec is None:
        raise _refuse("unsupported_encoding",
                      f"Mã hoá ký tự khai báo không được hỗ trợ: {declared!r} (dùng UTF-8).",
                      f"Declared encoding {declared!r} is not supported (use UTF-8).", 1, None)
    if codec == "utf-16":
        raise _refuse("unsupported_encoding",
                      "Tệp khai báo UTF-16 nhưng không được mã hoá UTF-16.",
                      "The file declares UTF-16 but is not UTF-16 encoded.", 1, None)
    return _strict_decode(data, codec), declared, False


def _strict_decode(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        # Line/column of the bad byte: decode what came before it (it decoded fine).
        before = data[: exc.start].decode(codec, errors="replace")
        line, col = _line_col(before, len(before))
        raise _refuse("bad_encoding",
                      f"Byte không hợp lệ với mã hoá {codec} tại dòng {line}, cột {col}.",
                      f"Byte not valid in encoding {codec} at line {line}, column {col}.",
                      line, col) from None


def _normalize(text: str) -> bytes:
    """UTF-8 bytes with a UTF-8 declaration in place of the original one, keeping line numbers."""
    match = _XML_DECL.match(text)
    if match:
        newlines = match.group(0).count("\n")
        text = '<?xml version="1.0" encoding="UTF-8"?>' + "\n" * newlines + text[match.end():]
    elif not text.startswith("<?xml"):
        text = '<?xml version="1.0" encoding="UTF-8"?>' + text
    # A malformed declaration stays as written; lxml reports it with its line and column.
    return text.encode("utf-8")


def _parser() -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        dtd_validation=False, attribute_defaults=False, remove_comments=False, collect_ids=False,
    )


def _syntax_refusal(exc: etree.XMLSyntaxError, parser: etree.XMLPullParser) -> IntakeRefused:
    """Map libxml2's first fatal error (this parse's own log, not the global one) to a refusal."""
    entries = [e for e in parser.feed_error_log if e.level_name in ("ERROR", "FATAL")]
    if entries:
        line, col, msg = entries[0].line, entries[0].column, entries[0].message.strip()
    else:
        line, col = exc.lineno, (exc.offset or 0) + 1
        msg = re.sub(r", line \d+, column \d+$", "", (exc.msg or str(exc)).strip())
    if "Excessive depth" in msg:
        return _refuse("too_deep", f"Tài liệu lồng nhau quá sâu (dòng {line}).",
                       f"Document nested too deeply (line {line}): {msg}.", line, col)
    if "Entity" in msg and "not defined" in msg:
        return _refuse("entity_forbidden",
                       f"Tham chiếu thực thể (entity) không được khai báo và bị cấm: dòng {line}, cột {col}.",
                       f"Entity references are not allowed: {msg} (line {line}, column {col}).", line, col)
    return _refuse("not_well_formed",
                   f"XML không đúng cú pháp tại dòng {line}, cột {col}: {msg}",
                   f"XML is not well-formed at line {line}, column {col}: {msg}", line, col)


def intake(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH,
           max_elements: int = DEFAULT_MAX_ELEMENTS) -> IntakeResult:
    """Check, decode and parse untrusted BPMN bytes; raise :class:`IntakeRefused` for anything hostile."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("intake() takes the uploaded bytes")
    size = len(data)
    if size > max_bytes:
        raise _refuse("too_large",
                      f"Tệp quá lớn: {size} byte (tối đa {max_bytes} byte).",
                      f"File too large: {size} bytes (limit {max_bytes} bytes).")
    data = bytes(data)
    if not data.strip():
        raise _refuse("empty", "Tệp rỗng.", "The file is empty.")
    text, encoding, had_bom = _decode(data)
    forbidden = _FORBIDDEN.search(text)
    if forbidden:
        line, col = _line_col(text, forbidden.start())
        kind = forbidden.group(1).upper()
        raise _refuse("doctype_forbidden",
                      f"Khai báo <!{kind}> bị cấm trong tệp BPMN (dòng {line}).",
                      f"<!{kind}> declarations (DTD, entities) are not allowed in BPMN files (line {line}).",
                      line, col)
    normalized = _normalize(text)
    parser = _parser()
    depth = 0
    count = 0
    try:
        for offset in range(0, len(normalized), _CHUNK):
            parser.feed(normalized[offset: offset + _CHUNK])
            for event, element in parser.read_events():
                if event == "start":
                    depth += 1
                    count += 1
                    if depth > max_depth:
                        line = element.sourceline
                        raise _refuse("too_deep",
                                      f"Tài liệu lồng nhau quá sâu (hơn {max_depth} cấp) tại dòng {line}.",
                                      f"Document nested deeper than {max_depth} levels (line {line}).", line)
                    if count > max_elements:
                        line = element.sourceline
                        raise _refuse("too_many_elements",
                                      f"Tài liệu có quá nhiều phần tử (hơn {max_elements}).",
                                      f"Document has more than {max_elements} elements.", line)
                else:
                    depth -= 1
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        raise _syntax_refusal(exc, parser) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _refuse("doctype_forbidden", "Khai báo DTD bị cấm trong tệp BPMN.",
                      "DTD declarations are not allowed in BPMN files.", 1)
    return IntakeResult(root=root, normalized_xml=normalized, source_encoding=encoding, had_bom=had_bom)
