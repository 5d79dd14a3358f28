"""Rebuilding and reconciling the search index (the CLI and the periodic job call these)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from app import search
from app.search import documents, postgres
from app.search.elastic import reconcile
from app.search.types import ENTITIES

# Reconciliation marks an entity "being repaired" (searches answer from PostgreSQL) when the index
# is off by more than this share of the rows, or by more than STALE_ROWS.
STALE_SHARE = 0.01
STALE_ROWS = 1000


def reindex(session: Session, entity: str, batch: int, progress: Callable[[int], None]) -> int:
    """Elasticsearch: a new index behind the alias, swapped in when complete. PostgreSQL: the tickets'
    vectors recomputed (customers' and users' are generated columns, always current: 0)."""
    backend = search.elastic()
    if backend is not None:
        return backend.reindex(session, entity, batch, progress)
    return postgres.reindex(session, batch, progress) if entity == "tickets" else 0


def _off_by(backend: search.ElasticSearch, session: Session, entity: str) -> int:
    return abs(backend.count(entity) - documents.count(session, entity))


def reconcile_index(session: Session, entities: Iterable[str] = ENTITIES, batch: int = 1000) -> dict[str, int]:
    """Compare the index with PostgreSQL and repair it; {} without Elasticsearch."""
    backend = search.elastic()
    if backend is None:
        return {}
    repaired: dict[str, int] = {}
    for entity in entities:
        off = _off_by(backend, session, entity)
        stale = off > min(STALE_ROWS, max(1, int(documents.count(session, entity) * STALE_SHARE)))
        if stale:
            search.mark_stale(entity)
        try:
            repaired.update(reconcile(backend, session, [entity], batch))
        finally:
            if stale:
                search.clear_stale(entity)
    return repaired
