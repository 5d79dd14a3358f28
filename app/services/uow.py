"""One business operation = one transaction; its events are enqueued after commit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, Executable
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


def affected(session: Session, statement: Executable, params: Mapping[str, Any] | None = None) -> int:
    """The number of rows an UPDATE or DELETE changed.

    `Session.execute` is typed as returning a `Result`; for these statements it is a `CursorResult`,
    the one that carries the count.
    """
    result = cast("CursorResult[Any]", session.execute(statement, params))
    return int(result.rowcount or 0)
