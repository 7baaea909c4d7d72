"""Process definitions (quy trình) and their versions, lane bindings and review comments.

A *definition* is the stable identity of a procedure (its BPMN process key, national code, agency, kind).
Every upload makes a new *version*; the exact uploaded bytes are kept forever. A published version is
immutable: running dossiers keep the version they were received under.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.extensions import db
from app.org.models import Agency, Officer, Unit

STATUSES: tuple[str, ...] = ("draft", "in_review", "published", "superseded", "abolished")
#: Versions dossiers run on: the catalog shows them; a draft or a version under review is only the designers'.
RUN_STATUSES: tuple[str, ...] = ("published", "superseded", "abolished")
KINDS: tuple[str, ...] = ("internal", "interconnected_same_level", "interconnected_cross_level")
#: Lane id of the binding that serves steps drawn outside any lane (diagrams without lanes).
DEFAULT_LANE = "*"


class ProcessDefinition(db.Model):
    __tablename__ = "process_definitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    #: National procedure code (mã TTHC), e.g. ``1.012994``.
    code: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="internal")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    #: Key of the procedure this one replaces (thay thế), if any.
    replaces_key: Mapped[str | None] = mapped_column(String(128))
    #: Lower-case, accent-free name and code, for search with or without Vietnamese accents.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    agency: Mapped[Agency | None] = relationship()
    versions: Mapped[list[DefinitionVersion]] = relationship(
        back_populates="definition", order_by="DefinitionVersion.version", cascade="all, delete-orphan")


class DefinitionVersion(db.Model):
    __tablename__ = "definition_versions"
    __table_args__ = (
        UniqueConstraint("definition_id", "version"),
        Index("ix_definition_versions_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: The exact bytes uploaded, returned unchanged by ``…/bpmn``. Deferred, like ``compiled``: every dossier
    #: request reads its version row, and only ``…/bpmn`` and the first compile need these big columns.
    bpmn: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    bpmn_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    process_id: Mapped[str] = mapped_column(String(128))
    process_name: Mapped[str | None] = mapped_column(String(500))
    is_executable: Mapped[bool] = mapped_column(Boolean, default=False)
    publishable: Mapped[bool] = mapped_column(Boolean, default=False)
    has_diagram: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The validation result at upload (warnings, lanes, steps, totals) as JSON, and under ``definition`` the
    #: name, code, kind and agency the upload brings: the definition takes them when this version is published.
    validation: Mapped[dict[str, Any]] = mapped_column(JSON)
    declared_total_minutes: Mapped[int | None] = mapped_column(Integer)
    computed_total_minutes: Mapped[int] = mapped_column(Integer, default=0)
    total_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Catalog data of this version: legal basis list, forms (name -> JSON Schema).
    legal_basis: Mapped[list[str]] = mapped_column(JSON, default=list)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The components (thành phần hồ sơ) of a dossier of this version, results included (definitions/components.py).
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    decision_number: Mapped[str | None] = mapped_column(String(128))
    decision_date: Mapped[date | None] = mapped_column(Date)
    effective_date: Mapped[date | None] = mapped_column(Date)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    abolished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    abolish_reason: Mapped[str | None] = mapped_column(Text)
    #: The engine's compiled specs, cached at publish so starting a dossier does not re-parse XML.
    compiled: Mapped[str | None] = mapped_column(Text, deferred=True)

    def lanes_shown(self) -> list[dict[str, Any]]:
        """The lanes as validated, each with the unit bound to it at publish (``unit`` its code, as the
        diagram's property writes it, plus ``unit_id`` and ``unit_name``)."""
        units = {binding.lane_id: binding.unit for binding in self.lane_bindings}
        shown = []
        for lane in self.validation.get("lanes", []):
            unit = units.get(lane.get("id"))
            shown.append({**lane, "unit": unit.code if unit is not None else lane.get("unit"),
                          "unit_id": unit.id if unit is not None else None,
                          "unit_name": unit.name if unit is not None else None})
        return shown

    def warnings_shown(self) -> list[dict[str, Any]]:
        """The validation warnings, without ``lane_unbound`` for a lane the publisher bound to a unit."""
        bound = {binding.lane_id for binding in self.lane_bindings}
        return [w for w in self.validation.get("warnings", [])
                if not (w.get("code") == "lane_unbound" and w.get("element_id") in bound)]

    definition: Mapped[ProcessDefinition] = relationship(back_populates="versions", lazy="joined")
    created_by: Mapped[Officer | None] = relationship(foreign_keys=[created_by_id])
    lane_bindings: Mapped[list[LaneBinding]] = relationship(cascade="all, delete-orphan",
                                                           order_by="LaneBinding.lane_id")
    comments: Mapped[list[ReviewComment]] = relationship(cascade="all, delete-orphan",
                                                        order_by="ReviewComment.id")


class LaneBinding(db.Model):
    """Which unit is responsible for a lane of a published version (fixed at publish time)."""

    __tablename__ = "lane_bindings"
    __table_args__ = (UniqueConstraint("version_id", "lane_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id", ondelete="CASCADE"), index=True)
    lane_id: Mapped[str] = mapped_column(String(128))
    lane_name: Mapped[str | None] = mapped_column(String(500))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)

    unit: Mapped[Unit] = relationship()


class ReviewComment(db.Model):
    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[Officer | None] = relationship()
