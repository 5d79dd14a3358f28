"""PostgreSQL full-text search over the GIN-indexed search_vector column (kept by a trigger)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from app.models import Ticket


class PostgresSearch:
    name = "postgres"

    def ticket_condition(self, q: str) -> ColumnElement[bool]:
        # websearch_to_tsquery never raises on user input ("a OR -b", quotes, stray symbols).
        return Ticket.search_vector.op("@@")(func.websearch_to_tsquery("english", q))


def reindex(session: Session, batch: int = 10_000, progress: Callable[[int], None] = lambda _n: None) -> int:
    """Recompute every ticket's search_vector (the trigger does it on a title write; updated_at is
    kept, so no list reorders), in batches
    so no transaction holds a million row locks. Returns how many tickets were reindexed."""
    done, last = 0, None
    while True:
        stmt = select(Ticket.id).order_by(Ticket.id).limit(batch)
        if last is not None:
            stmt = stmt.where(Ticket.id > last)
        ids = list(session.scalars(stmt))
        if not ids:
            return done
        touch = update(Ticket).where(Ticket.id.in_(ids)).values(title=Ticket.title, updated_at=Ticket.updated_at)
        session.execute(touch.execution_options(synchronize_session=False))
        session.commit()
        done, last = done + len(ids), ids[-1]
        progress(done)
