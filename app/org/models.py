"""Agencies, units and officers.

Agencies form a tree with no fixed levels (districts were abolished in 2025: a province has departments
and communes; a commune has its own divisions and a public-service centre). A unit is a division or desk
inside one agency; an officer belongs to one or more units and holds one or more roles.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime
from app.extensions import db

ROLES: tuple[str, ...] = ("admin", "designer", "leader", "officer", "clerk", "auditor", "worker")
AGENCY_KINDS: tuple[str, ...] = ("province", "department", "commune", "service_centre", "facility", "office", "other")
UNIT_KINDS: tuple[str, ...] = ("division", "desk", "leadership", "records", "reception", "other")
#: Where a desk receives: its agency tree, or the whole province (reception regardless of administrative boundary).
RECEPTION_SCOPES: tuple[str, ...] = ("agency", "province")


class Agency(db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    #: The place name (địa danh) of its papers' date line ("Nghệ An, ngày …"); None: the parent's.
    place: Mapped[str | None] = mapped_column(String(128))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    parent: Mapped[Agency | None] = relationship(remote_side="Agency.id", back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent")
    units: Mapped[list[Unit]] = relationship(back_populates="agency")


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32), default="division")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    #: The unit that leads this one (a leadership unit leads its division): a leader's units include sub-units.
    #: ``agency``: a desk receives its agency tree's procedures; ``province``: any published procedure of its
    #: province (Decree 118/2025: reception regardless of administrative boundary), routed to the competent agency.
    reception_scope: Mapped[str] = mapped_column(String(16), default="agency", server_default="agency")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    agency: Mapped[Agency] = relationship(back_populates="units")


class OfficerUnit(db.Model):
    """Membership of an officer in a unit (an officer may serve several units)."""

    __tablename__ = "officer_units"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True, index=True)


class OfficerRole(db.Model):
    __tablename__ = "officer_roles"
    __table_args__ = (UniqueConstraint("officer_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class Officer(db.Model):
    """An account (cán bộ, công chức) that logs in and acts on dossiers."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped on password change, disabling or "log out everywhere": older tokens stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    #: Home agency for scoping; None only for system administrators.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    agency: Mapped[Agency | None] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary="officer_units", order_by="Unit.code")
    role_rows: Mapped[list[OfficerRole]] = relationship(cascade="all, delete-orphan", order_by="OfficerRole.role")

    #: Set for one request when an API key limited to some roles acts as this officer (never stored).
    role_limit = None  # type: frozenset[str] | None
    #: Set for a request authenticated by an API key limited to external-task topics (app.external_tasks).
    topic_limit = None  # type: frozenset[str] | None

    @property
    def roles(self) -> list[str]:
        held = sorted(row.role for row in self.role_rows)
        return held if self.role_limit is None else [role for role in held if role in self.role_limit]

    def has_role(self, *roles: str) -> bool:
        mine = set(self.roles)
        return any(role in mine for role in roles)
