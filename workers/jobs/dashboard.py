from __future__ import annotations

from app.extensions import db_session
from app.services import dashboard
from app.services.actor import Actor


def rebuild_rollups() -> None:
    """Periodic: recompute the dashboard rollups from the base tables (a safety net; triggers keep them exact)."""
    dashboard.rebuild_rollups(db_session(), Actor.system("dashboard-rollups"))
