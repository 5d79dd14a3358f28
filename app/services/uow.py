"""One business operation = one transaction; its events are enqueued after commit.

A caller that must write something after the operation but in its transaction (the API's
Idempotency-Key stores the response beside the work) holds the commit: `transaction` then only
flushes, and the holder ends with `commit` or `rollback`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import Session

from app.services import events, jobs

HOLD = "uow_hold_commit"


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit on success, roll back on any error; then hand new events to the queue."""
    try:
        yield session
        if session.info.get(HOLD):
            session.flush()
            return
        session.commit()
    except BaseException:
        rollback(session)
        raise
    _hand_over(session)


@contextmanager
def held(session: Session) -> Iterator[Session]:
    """Operations inside flush instead of committing; the caller commits or rolls back."""
    session.info[HOLD] = True
    try:
        yield session
    finally:
        session.info.pop(HOLD, None)


def commit(session: Session) -> None:
    """End a held operation: commit, then hand its events and after-commit actions over."""
    session.commit()
    _hand_over(session)


def rollback(session: Session) -> None:
    """Roll back and drop what the transaction would have handed over."""
    session.rollback()
    session.info.pop("outbox_pending", None)
    jobs.discard_after_commit(session)


def _hand_over(session: Session) -> None:
    jobs.run_after_commit(session)
    events.flush_ready(session)


def affected(session: Session, statement: Executable, params: Mapping[str, Any] | None = None) -> int:
    """The number of rows an UPDATE or DELETE changed.

    `Session.execute` is typed as returning a `Result`; for these statements it is a `CursorResult`,
    the one that carries the count.
    """
    result = cast("CursorResult[Any]", session.execute(statement, params))
    return int(result.rowcount or 0)
