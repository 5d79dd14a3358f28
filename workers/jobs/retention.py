"""Daily retention purge (app/services/retention.py)."""

from __future__ import annotations

import logging

from flask import current_app

from app.extensions import db_session
from app.services import retention

log = logging.getLogger(__name__)


def purge_expired() -> dict[str, int]:
    """Periodic: purge every table past its RETENTION_* age."""
    counts = retention.purge_all(db_session(), current_app.config)
    log.info("retention purge", extra={"deleted": counts})
    return counts
