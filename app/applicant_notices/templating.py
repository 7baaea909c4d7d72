"""Check and fill notice templates: ``{name}`` placeholders only, checked when saved, filled when announced.

Pure functions. Why not ``str.format`` or Jinja on the saved text: a template is written by an administrator
and filled in a scheduler years later; ``{a.b}``, ``{a[0]}``, ``{a!r}`` or ``{a:>99999}`` would reach into
objects or cost memory. Here a template is split once by :class:`string.Formatter`'s parser and anything but a
bare known name is refused at the door (``{{`` and ``}}`` stay literal braces).
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from string import Formatter

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,40}")
_URL = re.compile(r"https?://[^\s<>\"']+")


class TemplateError(ValueError):
    """A template that could not be filled: ``problems`` says what, each in Vietnamese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _pieces(text: str) -> list[tuple[str, str | None]]:
    """(literal, placeholder or None) pairs; raises TemplateError for a malformed or non-bare placeholder."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError([f"Mẫu sai cú pháp dấu ngoặc {{ }}: {exc}."]) from None
    pieces = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            pieces.append((literal, None))
            continue
        if spec or conversion or not _NAME.fullmatch(name):
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise TemplateError([f"Chỗ điền {shown} không hợp lệ: chỉ dùng tên đơn giản như {{ma_ho_so}}."])
        pieces.append((literal, name))
    return pieces


def placeholders(text: str) -> list[str]:
    """The placeholder names of ``text``, in order (raises TemplateError when malformed)."""
    return [name for _, name in _pieces(text) if name is not None]


def check(text: str, allowed: Iterable[str]) -> None:
    """Refuse a template with a malformed placeholder or one not in ``allowed`` (naming each unknown one)."""
    allowed = set(allowed)
    unknown = sorted({name for name in placeholders(text) if name not in allowed})
    if unknown:
        raise TemplateError([f"Chỗ điền không có cho thông báo này: {', '.join('{' + n + '}' for n in unknown)}. "
                             f"Được dùng: {', '.join('{' + n + '}' for n in sorted(allowed))}."])


def fill(text: str, values: Mapping[str, str], *, escape: bool = False) -> str:
    """The template with its placeholders replaced (a missing value is empty); ``escape`` for HTML."""
    out = []
    for literal, name in _pieces(text):
        out.append(literal)
        if name is not None:
            value = str(values.get(name) or "")
            out.append(html.escape(value) if escape else value)
    return "".join(out)


def text_to_html(text: str) -> str:
    """A plain-text notice as simple HTML (the e-mail's HTML part when no HTML template is saved)."""
    paragraphs = []
    for block in text.split("\n\n"):
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return ('<!doctype html><html lang="vi"><head><meta charset="utf-8"></head>'
            '<body style="font-family: Arial, sans-serif; line-height: 1.5">' + "".join(paragraphs) + "</body></html>")
