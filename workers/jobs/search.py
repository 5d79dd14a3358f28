"""Search jobs: the periodic reconciliation of the Elasticsearch index with PostgreSQL."""

from __future__ import annotations

from app.extensions import db_session
from app.search.maintenance import reconcile_index


def reconcile_search_index() -> dict[str, int]:
    """Periodic: repair what the index missed (edits no event announced, lost events); {} without Elasticsearch."""
    return reconcile_index(db_session())
