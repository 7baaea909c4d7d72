"""What a dossier needs of its published procedure version: the compiled process, lane units, pause policy.

A published version never changes, so each is read once per process (keyed by id, content hash and publication
time: ids are reused where tables are emptied or a database restored).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from app import engine
from app.definitions import service as definitions
from app.definitions.models import DEFAULT_LANE, DefinitionVersion
from app.dossiers.models import Dossier
from app.errors import Conflict

_COMPILED: dict[tuple, engine.CompiledProcess] = {}
_LANE_UNITS: dict[tuple, dict[str, int]] = {}


def forget_published_versions() -> None:
    """Drop the per-process copies of published versions (for a process that switches databases: tests)."""
    _COMPILED.clear()
    _LANE_UNITS.clear()


def _published_key(version: DefinitionVersion) -> tuple:
    # the id alone is not enough where ids are reused (tests empty the tables; a restored database)
    return version.id, version.bpmn_sha256, version.process_id, version.published_at


def compiled_of(version: DefinitionVersion) -> engine.CompiledProcess:
    """The compiled process of a published (hence immutable) version, parsed once per process."""
    key = _published_key(version)
    found = _COMPILED.get(key)
    if found is None:
        if not version.compiled:
            raise Conflict("Phiên bản quy trình chưa được biên dịch.", code="version_not_compiled",
                           detail_en="The procedure version has no compiled process.")
        found = engine.CompiledProcess.from_json(version.compiled)
        if len(_COMPILED) > 256:
            _COMPILED.clear()
        _COMPILED[key] = found
    return found


def pause_policy(dossier: Dossier) -> str:
    """``pause`` (default) or ``restart``, from the BPMN process property ``pausePolicy``."""
    value = (compiled_of(dossier.version).properties.get("pausePolicy") or "pause").strip().lower()
    return "restart" if value == "restart" else "pause"


def lane_units(version: DefinitionVersion) -> dict[str, int]:
    """Lane id → unit id of a version, read once per process: bindings are fixed when the version is published."""
    key = _published_key(version)
    found = _LANE_UNITS.get(key)
    if found is None:
        found = {binding.lane_id: binding.unit_id for binding in version.lane_bindings}
        if version.published_at is None:
            return found  # a draft being tested: nothing to keep
        if len(_LANE_UNITS) > 256:
            _LANE_UNITS.clear()
        _LANE_UNITS[key] = found
    return found


def unit_for_lane(session: Session, version: DefinitionVersion, lane_id: str | None,
                  units: dict[str, int]) -> int | None:
    """The unit that works a step of ``lane_id``: the version's binding; for a lane of a called procedure,
    that procedure's published binding; for a step outside any lane, the binding of lane ``*``."""
    if lane_id is None:
        return units.get(DEFAULT_LANE)
    if lane_id in units:
        return units[lane_id]
    for key in version.validation.get("called_processes", []):
        called = definitions.published_version(session=session, key=key)
        if called is not None and called.id != version.id:
            found = lane_units(called).get(lane_id)
            if found is not None:
                return found
    return units.get(DEFAULT_LANE)


def time_limit_minutes(text: str | None) -> int | None:
    """A step's ``timeLimit`` in working minutes; None when absent (validation refused bad ones at upload)."""
    if not text:
        return None
    try:
        return definitions.step_time_limit_minutes(text)
    except ValueError:
        return None
