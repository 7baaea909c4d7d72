"""A dossier (hồ sơ) is one case of a procedure: one workflow instance under the version it was received under,
and its steps: each activation of a user task, the engine's projection that officers query, claim and complete,
and that deadlines and reports read (one aggregate: a step never lives without its dossier).

The engine state is kept as text beside its serializer version; ``lock_version`` is bumped by every change
and served as the ETag, so a client can refuse to act on a dossier that moved under it.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.definitions.models import DefinitionVersion
from app.extensions import db
from app.org.models import Agency, Officer, Unit


class DossierStatus(StrEnum):
    """A dossier's state; stored as its text (a ``StrEnum`` equals the string it names)."""

    RECEIVED = "received"
    PROCESSING = "processing"
    PAUSED = "paused"
    FINISHED = "finished"
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    INCIDENT = "incident"
    #: Refused at reception (form 03): recorded with its reason, never received, no clock ever ran.
    REFUSED = "refused"


STATUSES: tuple[str, ...] = tuple(DossierStatus)
CLOSED_STATUSES: tuple[str, ...] = (DossierStatus.FINISHED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED,
                                    DossierStatus.REFUSED)
RESULTS: tuple[str, ...] = ("early", "on_time", "late")


class Dossier(db.Model):
    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_agency_received", "agency_id", "received_at"),
        Index("ix_dossiers_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    definition_version_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id", ondelete="RESTRICT"),
                                                       index=True)
    procedure_key: Mapped[str] = mapped_column(String(128), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    applicant: Mapped[dict[str, Any]] = mapped_column(JSON)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="received")
    channel: Mapped[str] = mapped_column(String(16), default="direct", server_default="direct")  # online|direct|postal
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    #: The desk (unit) that received it — or refused it: its clerks read it whatever units its steps reach.
    receiving_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    #: When time starts counting (the 15:00 rule).
    counting_from: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(Text)
    lookup_secret_hash: Mapped[str] = mapped_column(String(64))
    #: Deferred: tens of kilobytes that only the engine paths read (:func:`app.dossiers.service.lock` undefers it).
    state: Mapped[str | None] = mapped_column(Text, deferred=True)
    serializer_version: Mapped[str | None] = mapped_column(String(16))
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    incident: Mapped[str | None] = mapped_column(Text)
    #: The step whose completion failed (retried by ``…/retry``); None when the start itself failed.
    incident_step_id: Mapped[int | None] = mapped_column(Integer)
    # --- deadlines (app.deadlines): overdue mark, pauses, the one extension with apology (form 04)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    used_minutes: Mapped[int | None] = mapped_column(Integer)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    extended_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_before_extension: Mapped[datetime | None] = mapped_column(UTCDateTime())
    extension_reason: Mapped[str | None] = mapped_column(Text)
    apology_text: Mapped[str | None] = mapped_column(Text)

    # every read of a dossier shows its version, procedure and agency: one joined query, not three lazy ones
    version: Mapped[DefinitionVersion] = relationship(lazy="joined")
    agency: Mapped[Agency] = relationship(lazy="joined")
    received_by: Mapped[Officer | None] = relationship(foreign_keys=[received_by_id])
    receiving_unit: Mapped[Unit | None] = relationship(foreign_keys=[receiving_unit_id])
    extended_by: Mapped[Officer | None] = relationship(foreign_keys=[extended_by_id])
    steps = relationship("Step", back_populates="dossier", order_by="Step.id", cascade="all, delete-orphan")

    @property
    def current_steps(self) -> list[Step]:
        """The steps open now, oldest first."""
        return [s for s in self.steps if s.status in OPEN_STATUSES]

    @property
    def past_steps(self) -> list[Step]:
        """Completed and cancelled steps, oldest first."""
        return [s for s in self.steps if s.status not in OPEN_STATUSES]


class DossierCounter(db.Model):
    """Per-agency, per-day sequence of dossier codes (Circular 04/2025: ``<agency>-<YYMMDD>-<seq>``)."""

    __tablename__ = "dossier_counters"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class DossierTransfer(db.Model):
    """A dossier handed to the competent agency (chuyển hồ sơ): received for another agency's procedure, or by the
    wrong agency. The dossier keeps its code and its history; from here on it is the target procedure's, and its
    clock follows that procedure's ``transferClock`` (``restart``: counted afresh from the transfer; ``keep``:
    from the first reception)."""

    __tablename__ = "dossier_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id", ondelete="RESTRICT"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    clock: Mapped[str] = mapped_column(String(16))
    due_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transferred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    transferred_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))

    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id])
    to_agency: Mapped[Agency] = relationship(foreign_keys=[to_agency_id])
    transferred_by: Mapped[Officer | None] = relationship(foreign_keys=[transferred_by_id])


class StepStatus(StrEnum):
    """A step's state: open while ready or claimed, then completed or cancelled."""

    READY = "ready"
    CLAIMED = "claimed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


STEP_STATUSES: tuple[str, ...] = tuple(StepStatus)
OPEN_STATUSES: tuple[str, ...] = (StepStatus.READY, StepStatus.CLAIMED)


class Step(db.Model):
    __tablename__ = "steps"
    __table_args__ = (
        UniqueConstraint("dossier_id", "task_id"),
        Index("ix_steps_unit_status_due", "unit_id", "status", "due_at"),
        Index("ix_steps_assignee_status", "assignee_id", "status"),
        # deadlines: "open, not yet marked overdue, due before now" (the overdue sweep) reads only open rows
        # external tasks: the fetch reads open, unlocked steps of some topics
        Index("ix_steps_external_open", "topic", "lock_expires_at",
              postgresql_where=text("kind = 'external' AND status = 'ready'"),
              sqlite_where=text("kind = 'external' AND status = 'ready'")),
        Index("ix_steps_open_due", "due_at",
              postgresql_where=text("status IN ('ready', 'claimed') AND overdue_at IS NULL"),
              sqlite_where=text("status IN ('ready', 'claimed') AND overdue_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    #: The engine's task id (a UUID); a loop back makes a new activation with a new id.
    task_id: Mapped[str] = mapped_column(String(64))
    spec_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(500))
    #: The step number of the approved internal procedure (``step`` property), e.g. "3".
    label: Mapped[str | None] = mapped_column(String(32))
    form: Mapped[str | None] = mapped_column(String(128))
    lane_id: Mapped[str | None] = mapped_column(String(128))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="ready")
    #: The step whose completion activated this one (the hand-over on the control sheet).
    previous_step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Working-time due moment; None for a step whose time is not counted (không tính thời gian).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    #: early | on_time | late (None when not counted or not completed).
    result: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    #: deadlines: when the step was found past its due time (set once by the scheduler).
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: deadlines: working minutes excluded from the step's time (pauses; all time before a restart).
    paused_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: deadlines: working minutes the step took, pauses excluded (set at completion).
    used_minutes: Mapped[int | None] = mapped_column(Integer)
    # --- reports: copies of the dossier's immutable attributes (set with the row, no join when counting steps)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    procedure_key: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16), default="direct", server_default="direct")
    #: When the step stopped being open: its completion, or its cancellation; None while open.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: Why it was cancelled: ``withdrawn`` | ``stopped`` (with its dossier), ``ended`` (the process ended),
    #: ``interrupted`` (a boundary timer), ``bpmn_error`` (a worker's BPMN error caught by a boundary event).
    cancel_reason: Mapped[str | None] = mapped_column(String(16))
    # --- external tasks (app.external_tasks): a system step a worker outside the service does, by topic
    #: ``user`` (an officer's step) | ``external`` (a worker's: never in an inbox)
    kind: Mapped[str] = mapped_column(String(16), default="user", server_default="user")
    topic: Mapped[str | None] = mapped_column(String(255))
    #: The lease: who holds the task and until when (a dead worker's lease expires and it is fetched again).
    worker_id: Mapped[str | None] = mapped_column(String(255))
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: None: never failed; 0: an incident a leader sees (``PUT …/retries`` gives it new ones).
    retries: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # Joined: every view of a step shows its unit and officers; avoids one query per step and field.
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    assignee: Mapped[Officer | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    completed_by: Mapped[Officer | None] = relationship(foreign_keys=[completed_by_id], lazy="joined")
    dossier = relationship("Dossier", back_populates="steps")

    @property
    def produces(self) -> str | None:
        """The component (thành phần hồ sơ) the step must attach before completing: its ``produces`` property."""
        return next((spec.get("produces") for spec in self.dossier.version.validation.get("steps", [])
                     if spec.get("id") == self.spec_id), None)

    @property
    def form_schema(self) -> dict | None:
        """The JSON Schema of the step's form, from the forms its procedure version carries."""
        return (self.dossier.version.forms or {}).get(self.form) if self.form else None
