"""A held unit of work: operations inside flush without committing, and their events and after-commit
actions wait for the holder's commit (and vanish with its rollback)."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import OutboxEvent
from app.services import catalogue, events, jobs, uow
from app.services.actor import Actor

catalogue.declare(catalogue.EventType("test.held", frozenset(), published=True))


def _operation(session: Session, ran: list[str]) -> OutboxEvent:
    with uow.transaction(session):
        evt = events.emit(session, Actor.system("pytest"), "test.held", "thing", "1", {})
        jobs.after_commit(session, lambda: ran.append("after"))
    return evt


def _committed(session: Session, evt: OutboxEvent) -> OutboxEvent | None:
    """The event as another connection sees it (only what has committed)."""
    with session.get_bind().connect() as conn:
        return conn.execute(select(OutboxEvent).where(OutboxEvent.id == evt.id)).first()  # type: ignore[return-value]


def test_a_held_operation_commits_with_its_holder_and_then_hands_over(committed_db: Session) -> None:
    ran: list[str] = []
    with uow.held(committed_db):
        evt = _operation(committed_db, ran)
        assert _committed(committed_db, evt) is None  # flushed, not committed
        assert ran == [] and committed_db.info.get("outbox_pending") == [evt.id]
    committed_db.execute(text("SELECT 1"))  # the holder's own write would go here
    uow.commit(committed_db)
    row = _committed(committed_db, evt)
    assert row is not None and row.dispatched_at is not None  # handed to the queue after the commit
    assert ran == ["after"] and "outbox_pending" not in committed_db.info


def test_a_held_operation_rolled_back_leaves_no_event_and_runs_nothing(committed_db: Session) -> None:
    ran: list[str] = []
    with uow.held(committed_db):
        evt = _operation(committed_db, ran)
    uow.rollback(committed_db)
    assert _committed(committed_db, evt) is None
    assert ran == [] and "outbox_pending" not in committed_db.info and "after_commit" not in committed_db.info
    _operation(committed_db, ran)  # not held any more: commits and runs at once
    assert ran == ["after"]
