"""Notification housekeeping."""

from __future__ import annotations

from app.extensions import db
from app.services import notifications


def purge_read_notifications() -> int:
    """Periodic: drop read notifications older than 180 days."""
    return notifications.purge_read(db.session)
