"""A version's forms: JSON Schemas checked at the door, so completing a step can never fail on one.

A form is what an officer's step data is checked against (``app.tasks.service.validate_form``) and what
the data-flow check reads (``dataflow.py``). A designer's schema is input like any other: it is
meta-validated (Draft 2020-12), bounded in size and depth, may refer only inside itself (``$ref: "#/…"``:
no fetching of remote schemas), and its regular expressions are short and free of nested quantifiers,
the shape that makes ``re`` backtrack for ever on an officer's text. Pure: no database, no Flask.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

__all__ = ["LIBRARY_DIR", "data_errors", "form_of_step", "library_forms", "FORM_NAME", "MAX_FORM_BYTES", "MAX_FORM_DEPTH", "MAX_FORMS", "FormError", "check_form", "check_forms"]

#: A form's name, as a step's ``form`` property writes it.
FORM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
MAX_FORMS = 50
#: One form's JSON text; real forms are a few KiB.
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_DEPTH = 16
MAX_PATTERN_LENGTH = 200
#: A quantified group that itself contains a quantifier: ``(a+)+``, ``(\w*)*``, ``(x|y+){2,}``.
_NESTED_QUANTIFIER = re.compile(r"\([^()]*(?:[+*]|\{\d*,\d*\})[^()]*\)\s*[+*{]")
#: Group openers whose ``?`` is syntax, not a quantifier: ``(?:``, ``(?=``, ``(?<name>`` …
_GROUP_PREFIX = re.compile(r"\(\?(?:[:=!]|<[=!]|P?<\w+>)")


#: The agency-wide form library shipped with the service (``processes/forms/<name>.schema.json``).
LIBRARY_DIR = Path(__file__).resolve().parents[2] / "processes" / "forms"


def library_forms(names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The library's forms among ``names`` (a name the library lacks is left out).

    Why: step tables and hand-drawn diagrams name the common forms (tiếp nhận, thẩm định, lãnh đạo xem
    xét, ký ban hành, trả kết quả) without uploading them; the version then keeps its own copy, so a
    later change to the library never changes a published procedure.
    """
    found = {}
    for name in names:
        if not isinstance(name, str) or not FORM_NAME.match(name) or name in found:
            continue
        path = LIBRARY_DIR / f"{name}.schema.json"
        if path.is_file():
            found[name] = json.loads(path.read_text("utf-8"))
    return found


class FormError(ValueError):
    """A form the service refuses; ``name`` is the form, the message says what is wrong."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def form_of_step(form_property: str | None, step_id: str, forms: Mapping[str, Any]) -> str | None:
    """The form a step's officer fills in: its ``form`` property, else a form named after the step's id.

    The second rule lets a diagram drawn in another modeler (no ``form`` properties) get forms without
    editing its XML: upload a form named ``Task_1`` for the step ``Task_1``. One rule for the upload's
    data-flow check and for the dossier's steps, so both always agree.
    """
    if form_property:
        return form_property
    return step_id if step_id in forms else None


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, stopping past ``limit`` (iterative: no recursion to exhaust)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _walk(value: Any):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_form(name: str, schema: Any) -> dict[str, Any]:
    """The schema if the service can use it as the form ``name``; :class:`FormError` saying why not."""
    if not isinstance(name, str) or not FORM_NAME.match(name):
        raise FormError(str(name)[:64], "a form name is a letter or '_' then up to 63 letters, digits, '_', '.', '-'")
    if not isinstance(schema, dict):
        raise FormError(name, "a form is a JSON Schema object")
    size = len(json.dumps(schema, ensure_ascii=False).encode("utf-8"))
    if size > MAX_FORM_BYTES:
        raise FormError(name, f"{size} bytes; a form may have at most {MAX_FORM_BYTES}")
    if _depth(schema, MAX_FORM_DEPTH) > MAX_FORM_DEPTH:
        raise FormError(name, f"nested deeper than {MAX_FORM_DEPTH} levels")
    if schema.get("type", "object") != "object":
        raise FormError(name, "a form describes the step's data: its type is 'object'")
    for node in _walk(schema):
        for key in ("$ref", "$dynamicRef"):
            ref = node.get(key)
            if isinstance(ref, str) and not ref.startswith("#"):
                raise FormError(name, f"{key} {ref[:80]!r}: a form may refer only inside itself ('#/…')")
        patterns = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        if isinstance(node.get("patternProperties"), dict):
            patterns.extend(node["patternProperties"])
        for pattern in patterns:
            if len(pattern) > MAX_PATTERN_LENGTH:
                raise FormError(name, f"pattern longer than {MAX_PATTERN_LENGTH} characters")
            if _NESTED_QUANTIFIER.search(_GROUP_PREFIX.sub("(", pattern)):
                raise FormError(name, f"pattern {pattern[:80]!r} repeats a repetition; it could take for ever "
                                      "on some text")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise FormError(name, f"pattern {pattern[:80]!r} is not a regular expression: {exc}") from None
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path)
        raise FormError(name, f"not a valid JSON Schema{' at ' + where if where else ''}: {exc.message[:200]}") from None
    return schema


def check_forms(forms: Any) -> dict[str, dict[str, Any]]:
    """Every form of a version checked (see :func:`check_form`); at most :data:`MAX_FORMS` of them."""
    if not isinstance(forms, Mapping):
        raise FormError("forms", "the forms are a JSON object: form name → JSON Schema")
    if len(forms) > MAX_FORMS:
        raise FormError("forms", f"{len(forms)} forms; a version may have at most {MAX_FORMS}")
    return {name: check_form(name, schema) for name, schema in forms.items()}


def data_errors(schema: Mapping[str, Any], data: Any) -> dict[str, list[str]]:
    """What is wrong with ``data`` against a form, keyed by field path (``_schema`` for the whole); empty
    when it is right. A missing required field is named once, under its own path."""
    errors: dict[str, list[str]] = {}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    key = f"{path}.{name}" if path else name
                    if key not in errors:  # each missing field once, however many subschemas require it
                        errors[key] = ["Trường này là bắt buộc. / Required."]
            continue
        errors.setdefault(path or "_schema", []).append(error.message)
    return errors
