from __future__ import annotations

from app.extensions import db_session
from app.services import health
from app.services.actor import Actor


def recompute_all() -> int:
    """Periodic (daily) and after new weights: every customer's health score; the 90-day windows move."""
    return health.recompute_all(db_session(), Actor.system("health-recompute"))
