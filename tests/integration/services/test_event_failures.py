"""A failing handler: the error is kept on the event, the job fails for RQ to retry, and the
handlers that already succeeded are not run again."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.models import AnalyticsEvent, OutboxEvent
from app.services import catalogue, events
from app.services.actor import Actor

calls: list[str] = []
broken = {"on": True}


def _records_once(session: Session, evt: OutboxEvent) -> None:
    calls.append("first")
    session.add(AnalyticsEvent(type=evt.type, data={}, event_id=evt.id))


def _fails_until_fixed(session: Session, evt: OutboxEvent) -> None:
    calls.append("second")
    if broken["on"]:
        raise ConnectionError("search index unreachable")


catalogue.declare(catalogue.EventType("test.flaky", frozenset(), (events.handler_name(_records_once),
                                                                   events.handler_name(_fails_until_fixed))))
events.register("test.flaky", _records_once)
events.register("test.flaky", _fails_until_fixed)


def test_a_failure_is_kept_with_its_error_and_a_retry_finishes_the_rest(db_session: Session) -> None:
    calls.clear()
    evt = events.emit(db_session, Actor.system("pytest"), "test.flaky", "thing", "1", {})
    db_session.info.pop("outbox_pending", None)
    db_session.commit()
    with pytest.raises(ConnectionError):
        events.process(db_session, evt.id)
    db_session.refresh(evt)
    assert evt.processed_at is None and evt.attempts == 1
    assert "_fails_until_fixed" in (evt.last_error or "") and "search index unreachable" in (evt.last_error or "")

    broken["on"] = False
    assert events.process(db_session, evt.id) is True
    db_session.refresh(evt)
    assert evt.processed_at is not None and evt.last_error is None
    assert calls == ["first", "second", "second"]  # the first handler's effect happened once


def test_the_relay_leaves_an_event_that_failed_too_often(db_session: Session) -> None:
    evt = events.emit(db_session, Actor.system("pytest"), "test.flaky", "thing", "2", {})
    db_session.info.pop("outbox_pending", None)
    evt.attempts = events.MAX_ATTEMPTS
    db_session.commit()
    assert events.relay(db_session) == 0


def test_an_event_whose_consumer_is_not_registered_is_not_marked_processed(db_session: Session) -> None:
    catalogue.declare(catalogue.EventType("test.orphan", frozenset(), ("tests.nowhere.handler",)))
    evt = events.emit(db_session, Actor.system("pytest"), "test.orphan", "thing", "3", {})
    db_session.info.pop("outbox_pending", None)
    db_session.commit()
    with pytest.raises(RuntimeError, match="not registered"):
        events.process(db_session, evt.id)
    db_session.refresh(evt)
    assert evt.processed_at is None


def test_emit_refuses_an_undeclared_type_or_payload_key(db_session: Session) -> None:
    with pytest.raises(ValueError, match="undeclared event type"):
        events.emit(db_session, Actor.system("pytest"), "test.never_declared", "thing", "4", {})
    with pytest.raises(ValueError, match="not declared"):
        events.emit(db_session, Actor.system("pytest"), "ticket.solved", "ticket", "5", {"surprise": 1})
