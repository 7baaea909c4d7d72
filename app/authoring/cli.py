"""``flask authoring from-steps FILE --key … --out bpmn_models/<key>.bpmn``: a step table to BPMN, offline.

The pure path of ``POST /process-definitions/from-steps`` without the database: the same reader
(``tabular``), the same checks and the same writer, so a file that builds here uploads there. Lanes are
bound with ``--unit-code "responsible text=UNIT-CODE"`` (no organisation to match names against). FILE is
``.csv``, ``.xlsx`` or ``.json`` (``{"meta": {...}, "steps": [...]}``; options override its ``meta``).
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from app.authoring import tabular
from app.authoring.step_table import KINDS, ProcedureMeta, StepTableError, TableIssue


def _describe(issue: TableIssue, table: tabular.RawTable | None) -> str:
    where = []
    if issue.row is not None:
        where.append(f"row {issue.row}")
        line = table.line_of(issue.row) if table is not None else None
        if line is not None:
            where.append(f"line {line}")
    if issue.column:
        where.append(f"column {issue.column}")
    return f"{issue.severity} {issue.code} ({', '.join(where) or 'table'}): {issue.message} / {issue.message_en}"


def _unit_codes(pairs: tuple[str, ...]) -> dict[str, str]:
    codes = {}
    for pair in pairs:
        text, sep, code = pair.rpartition("=")
        if not sep or not text.strip() or not code.strip():
            raise click.BadParameter(f"expected 'responsible text=UNIT-CODE', got {pair!r}",
                                     param_hint="--unit-code")
        codes[text.strip()] = code.strip()
    return codes


@click.group("authoring")
def authoring_group() -> None:
    """Authoring: draw procedures from the step tables of decisions."""


@authoring_group.command("from-steps")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", help="BPMN process id (ASCII snake_case); required unless the JSON meta has it")
@click.option("--name", help="Vietnamese name of the procedure")
@click.option("--code", help="National procedure code (mã TTHC)")
@click.option("--agency", help="Code of the owning agency")
@click.option("--kind", type=click.Choice(KINDS), help="internal (default) or interconnected_…")
@click.option("--unit", type=click.Choice(("day", "hour")), help="Unit of plain numbers in the time column")
@click.option("--declared-total", help="Total the decision declares, e.g. 10.5 or '168 giờ'")
@click.option("--phase-total", "phase_totals", multiple=True, metavar="PHASE=AMOUNT",
              help="Declared total of a phase (repeat)")
@click.option("--decision-number", help="e.g. 2028/QĐ-UBND")
@click.option("--decision-date", type=click.DateTime(formats=["%Y-%m-%d"]), help="YYYY-MM-DD")
@click.option("--unit-code", "unit_codes", multiple=True, metavar="TEXT=CODE",
              help="Bind the lane of a responsible text to a unit code (repeat)")
@click.option("--max-rows", type=int, default=tabular.DEFAULT_MAX_ROWS, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="BPMN file to write (default: stdout)")
def from_steps_command(file: Path, key: str | None, name: str | None, code: str | None, agency: str | None,
                       kind: str | None, unit: str | None, declared_total: str | None,
                       phase_totals: tuple[str, ...], decision_number: str | None, decision_date,
                       unit_codes: tuple[str, ...], max_rows: int, out: Path | None) -> None:
    """Build the BPMN of the step table in FILE; warnings go to stderr, errors exit with status 1."""
    data = file.read_bytes()
    base: dict = {}
    table = None
    try:
        if file.suffix.lower() == ".json":
            try:
                document = json.loads(data.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise click.ClickException(f"{file}: not a JSON step table ({exc})") from None
            if not isinstance(document, dict):
                raise click.ClickException(f"{file}: expected {{\"meta\": {{...}}, \"steps\": [...]}}")
            base = dict(document.get("meta") or {})
            table = tabular.read_json_steps(document.get("steps"), max_rows=max_rows)
        else:
            fmt = tabular.detect_format(file.name, None, data)
            table = tabular.read_table(data, fmt, max_rows=max_rows, max_bytes=max(len(data), 1))
    except tabular.TableReadError as exc:
        raise click.ClickException("\n".join(_describe(i, None) for i in exc.issues)) from None

    phases = dict(base.get("phase_totals") or {})
    for pair in phase_totals:
        phase, sep, amount = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected PHASE=AMOUNT, got {pair!r}", param_hint="--phase-total")
        phases[phase.strip()] = amount.strip()
    meta = ProcedureMeta(
        key=key or base.get("key", ""), name=name or base.get("name", ""), code=code or base.get("code", ""),
        agency=agency or base.get("agency", ""), kind=kind or base.get("kind", "internal"),
        unit=unit or base.get("unit"), declared_total=declared_total or base.get("declared_total"),
        phase_totals=phases, decision_number=decision_number or base.get("decision_number", ""),
        decision_date=decision_date.date().isoformat() if decision_date else base.get("decision_date", ""))
    meta = replace(meta, legal_basis=tuple(base.get("legal_basis") or ()))
    try:
        bpmn, warnings = tabular.build_from_table(meta, table, unit_codes=_unit_codes(unit_codes))
    except StepTableError as exc:
        raise click.ClickException("\n".join(_describe(i, table) for i in exc.issues)) from None
    for issue in warnings:
        click.echo(_describe(issue, table), err=True)
    if out is None:
        click.echo(bpmn.decode("utf-8"), nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bpmn)
    click.echo(f"{out}", err=True)
