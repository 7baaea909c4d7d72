"""A version's components (thành phần hồ sơ): the papers a dossier of the procedure holds, checked at the door.

Why declared per version: the decision that approves a procedure lists what the applicant hands in (name,
original or copy, how many) and what the agency hands back (the results, kết quả). A reception checks the
list, an upload checks the component's file kinds and size, a step's ``produces`` property names the
component its officer must attach before completing, and the public lookup shows the results only. Like
forms, components travel with the version: an amendment keeps them unless it brings its own, and they are
frozen once the version is submitted.

Pure: no database, no Flask. The file kinds are this module's vocabulary; ``app.documents.inspect``
recognises each of them from the bytes (a test keeps the two in step).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from app.definitions.intake import Issue

__all__ = ["COMPONENT_KEY", "COPY_KINDS", "DEFAULT_FILE_KINDS", "DEFAULT_MAX_BYTES", "FILE_KINDS", "ISSUE_CODES",
           "MAX_COMPONENTS", "MAX_FILE_BYTES", "OTHER_COMPONENT", "ComponentError", "check_components", "component_issues",
           "missing_at_reception",
           "produced_by"]

#: A component's key, as a step's ``produces`` property writes it: ``don_de_nghi``, ``quyet_dinh``.
COMPONENT_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_COMPONENTS = 100
COPY_KINDS = ("ban_chinh", "ban_sao", "ban_sao_chung_thuc", "ban_dien_tu")
#: Kinds of file a component may accept (recognised from the bytes, never from the name).
FILE_KINDS = ("pdf", "png", "jpeg", "tiff", "webp", "docx", "xlsx", "odt", "ods")
#: The component every version has without declaring it: other papers (giấy tờ khác), never required.
OTHER_COMPONENT = "khac"
#: What a component accepts when it does not say: scans, photos and office documents (no macros).
DEFAULT_FILE_KINDS = ("pdf", "png", "jpeg", "tiff", "docx", "xlsx", "odt")
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: No component accepts more than this, whatever it declares (the service's own bound).
MAX_FILE_BYTES = 1024 * 1024 * 1024
#: The codes :func:`component_issues` gives (recomputed when a version's components change).
ISSUE_CODES = frozenset({"component_unknown"})

_FIELDS = {"key", "name", "required", "copy_kind", "copies", "file_kinds", "max_bytes", "result",
           "signature_required"}


class ComponentError(ValueError):
    """A component list the service refuses; ``field`` points into it (``components[2].file_kinds``)."""

    def __init__(self, field: str, message: str, message_en: str) -> None:
        super().__init__(f"{field}: {message_en}")
        self.field, self.message, self.message_en = field, message, message_en


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ComponentError(field, "phải là true hoặc false.", "must be true or false.")
    return value


def _int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ComponentError(field, f"phải là số nguyên từ {low} đến {high}.",
                             f"must be an integer from {low} to {high}.")
    return value


def _one(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ComponentError(where, "phải là một đối tượng JSON.", "must be a JSON object.")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ComponentError(f"{where}.{unknown[0]}", "không phải thuộc tính của thành phần hồ sơ.",
                             "is not a field of a component.")
    key = raw.get("key")
    if not isinstance(key, str) or not COMPONENT_KEY.match(key):
        raise ComponentError(f"{where}.key", "phải gồm chữ thường không dấu, số, '_' (tối đa 64), bắt đầu bằng chữ.",
                             "must be lowercase letters, digits and '_' (at most 64), starting with a letter.")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 500:
        raise ComponentError(f"{where}.name", "phải có tên (tối đa 500 ký tự).", "needs a name (at most 500 characters).")
    copy_kind = raw.get("copy_kind", "ban_chinh")
    if copy_kind not in COPY_KINDS:
        raise ComponentError(f"{where}.copy_kind", f"phải là một trong {', '.join(COPY_KINDS)}.",
                             f"must be one of {', '.join(COPY_KINDS)}.")
    kinds = raw.get("file_kinds", list(DEFAULT_FILE_KINDS))
    if (not isinstance(kinds, list) or not kinds or len(kinds) > len(FILE_KINDS)
            or any(kind not in FILE_KINDS for kind in kinds) or len(set(kinds)) != len(kinds)):
        raise ComponentError(f"{where}.file_kinds", f"phải là danh sách không trùng lặp trong {', '.join(FILE_KINDS)}.",
                             f"must be a list without repeats from {', '.join(FILE_KINDS)}.")
    result = _bool(raw.get("result", False), f"{where}.result")
    signature = _bool(raw.get("signature_required", False), f"{where}.signature_required")
    if signature and "pdf" not in kinds:
        raise ComponentError(f"{where}.signature_required", "chỉ tệp PDF mang được chữ ký số: thêm 'pdf' vào file_kinds.",
                             "only a PDF carries a digital signature: add 'pdf' to file_kinds.")
    return {"key": key, "name": name.strip(), "required": _bool(raw.get("required", False), f"{where}.required"),
            "copy_kind": copy_kind, "copies": _int(raw.get("copies", 1), f"{where}.copies", 1, 100),
            "file_kinds": list(kinds),
            "max_bytes": _int(raw.get("max_bytes", DEFAULT_MAX_BYTES), f"{where}.max_bytes", 1, MAX_FILE_BYTES),
            "result": result, "signature_required": signature}


def check_components(raw: Any) -> list[dict[str, Any]]:
    """The list as stored (defaults written out), or :class:`ComponentError` naming the first bad field.

    A result component is never one the applicant must hand in: ``required`` means "at reception".
    """
    if not isinstance(raw, list):
        raise ComponentError("components", "phải là một danh sách.", "must be a list.")
    if len(raw) > MAX_COMPONENTS:
        raise ComponentError("components", f"tối đa {MAX_COMPONENTS} thành phần.", f"at most {MAX_COMPONENTS} components.")
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        component = _one(item, f"components[{index}]")
        if component["key"] in seen:
            raise ComponentError(f"components[{index}].key", f"mã '{component['key']}' bị trùng.",
                                 f"key '{component['key']}' is repeated.")
        if component["result"] and component["required"]:
            raise ComponentError(f"components[{index}].required",
                                 "kết quả do cơ quan trả, không phải thành phần người nộp phải có khi tiếp nhận.",
                                 "a result is handed back by the agency, not required at reception.")
        seen.add(component["key"])
        checked.append(component)
    return checked


def produced_by(steps: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Step id → the component its ``produces`` property names (steps without one left out)."""
    return {step["id"]: step["produces"] for step in steps if step.get("produces")}


def component_issues(*, steps: Iterable[Mapping[str, Any]], components: Iterable[Mapping[str, Any]]) -> list[Issue]:
    """A step that must produce a component the version does not declare: no officer could ever complete it."""
    keys = {component["key"] for component in components}
    issues = []
    for step in steps:
        produces = step.get("produces")
        if produces and produces not in keys:
            where = f"'{step.get('name') or step['id']}' ({step['id']})"
            issues.append(Issue(
                "component_unknown", "error",
                f"Bước {where} phải tạo thành phần '{produces}' mà phiên bản không khai báo (components).",
                f"Step {where} produces component '{produces}', which the version does not declare (components).",
                element_id=step["id"], line=step.get("produces_line") or step.get("line")))
    return issues


def missing_at_reception(components: Iterable[Mapping[str, Any]], handed_in: Iterable[str]) -> list[Mapping[str, Any]]:
    """The required components among ``components`` that ``handed_in`` (component keys) lacks."""
    have = set(handed_in)
    return [c for c in components if c.get("required") and not c.get("result") and c["key"] not in have]
