"""The flask-smorest ``Api``, taught to speak problem+json, and schema helpers shared by capabilities."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app
from flask_smorest import Api

from app import errors


class ProblemApi(Api):
    """flask-smorest with its error handler replaced by ours (RFC 9457 bodies)."""

    def handle_http_exception(self, error):  # noqa: ANN001, ANN201 - signature from flask-smorest
        return errors.handle_http_exception(error)



class LocalDateTime(ma.fields.DateTime):
    """Serialises aware datetimes in the service timezone (``+07:00``); parses any ISO 8601 with an offset.

    Naive input is refused: a deadline without an offset is ambiguous.
    """

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):  # noqa: ANN001, ANN003
        if value is None:
            return None
        tz = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"))
        return value.astimezone(tz).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN003
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            raise ma.ValidationError("Cần có múi giờ (ví dụ +07:00). / A timezone offset is required.")
        return parsed


class StrictSchema(ma.Schema):
    """Input schemas refuse unknown fields (marshmallow's RAISE), so typos never pass silently."""

    class Meta:
        unknown = ma.RAISE
        ordered = True
