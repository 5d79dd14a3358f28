from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.models import AuditRecord, OutboxEvent, User
from app.services import audit, events
from app.services.actor import Actor
from app.services.roles_setup import create_admin

ACTOR = Actor.system("pytest", correlation_id="corr-123")


def test_a_change_writes_its_audit_record_and_event_together(db_session: Session) -> None:
    user, _ = create_admin(db_session, ACTOR, "root@example.com", "Root", "a long enough passphrase")
    rec = db_session.scalar(select(AuditRecord).where(AuditRecord.target_id == str(user.id)))
    evt = db_session.scalar(select(OutboxEvent).where(OutboxEvent.aggregate_id == str(user.id)))
    assert rec is not None and rec.action == "user.created" and rec.correlation_id == "corr-123"
    assert evt is not None and evt.type == "user.created"


def test_a_failure_after_the_write_leaves_neither_change_nor_audit_nor_event(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    audits = db_session.scalar(select(func.count()).select_from(AuditRecord))

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(events, "emit", explode)
    with pytest.raises(RuntimeError):
        create_admin(db_session, ACTOR, "ghost@example.com", "Ghost", "a long enough passphrase")
    assert db_session.scalar(select(User).where(User.email == "ghost@example.com")) is None
    assert db_session.scalar(select(func.count()).select_from(AuditRecord)) == audits
    assert db_session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit.audit_log SET action = 'forged'",
        "DELETE FROM audit.audit_log",
        "TRUNCATE audit.audit_log",
    ],
)
@pytest.mark.db_owner
def test_the_audit_log_refuses_update_delete_and_truncate(db_session: Session, statement: str) -> None:
    audit.record(db_session, ACTOR, "thing.done", "thing", "1", {"a": [1, 2]})
    nested = db_session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text(statement))
    nested.rollback()


@pytest.mark.db_owner
def test_the_chain_verifies_and_names_a_tampered_record(db_session: Session) -> None:
    for i in range(5):
        audit.record(db_session, ACTOR, "thing.done", "thing", str(i), {"n": [i, i + 1]})
    assert list(audit.iter_problems(db_session)) == []
    target = db_session.scalar(select(func.max(AuditRecord.chain_index))) - 2
    db_session.execute(text("ALTER TABLE audit.audit_log DISABLE TRIGGER audit_log_no_update_delete"))
    db_session.execute(
        text("UPDATE audit.audit_log SET target_id = 'forged' WHERE chain_index = :i"), {"i": target}
    )
    problems = list(audit.iter_problems(db_session))
    assert problems and problems[0].chain_index == target


def test_the_relay_enqueues_undelivered_events(db_session: Session, app: object) -> None:
    from rq import Queue

    from app.services import jobs

    evt = events.emit(db_session, ACTOR, "role.created", "role", "1", {"name": "x"})
    db_session.flush()
    db_session.info.pop("outbox_pending", None)  # as if Redis had been down at commit
    assert events.relay(db_session) == 1
    queued = Queue("default", connection=jobs.connection()).job_ids
    assert f"event-{evt.id}" in queued
    db_session.refresh(evt)
    assert evt.dispatched_at is not None
    assert events.relay(db_session) == 0
