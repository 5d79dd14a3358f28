"""One business operation = one transaction; its events are enqueued after commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app.services import events, jobs


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit on success, roll back on any error; then hand new events to the queue."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop("outbox_pending", None)
        jobs.discard_after_commit(session)
        raise
    jobs.run_after_commit(session)
    events.flush_ready(session)
