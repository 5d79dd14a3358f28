"""Retention: each table loses exactly its rows past the configured age, in batches."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AnalyticsEvent, EventDelivery, Notification, OutboxEvent, RefreshToken, UserSession
from app.models.base import utcnow
from app.services import retention
from tests.factories import make_user

DAY = timedelta(days=1)


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _fill(session: Session) -> dict[str, Any]:
    now = utcnow()
    user = make_user(session)
    old_done = OutboxEvent(type="x.old", aggregate_type="x", aggregate_id="1", data={}, occurred_at=now - 40 * DAY,
                           processed_at=now - 40 * DAY)
    old_pending = OutboxEvent(type="x.stuck", aggregate_type="x", aggregate_id="2", data={},
                              occurred_at=now - 40 * DAY)
    recent = OutboxEvent(type="x.new", aggregate_type="x", aggregate_id="3", data={}, processed_at=now - DAY)
    session.add_all([old_done, old_pending, recent])
    session.flush()
    session.add_all([
        EventDelivery(event_id=old_done.id, handler="h", done_at=now - 40 * DAY),
        EventDelivery(event_id=old_pending.id, handler="h", done_at=now - 40 * DAY),  # its event still waits
        EventDelivery(event_id=recent.id, handler="h", done_at=now - DAY),
    ])
    session.add_all([
        UserSession(id=uuid.uuid4().hex, user_id=user.id, session_version=1, last_seen_at=now - 31 * DAY),
        UserSession(id=uuid.uuid4().hex, user_id=user.id, session_version=1, last_seen_at=now - DAY),
        RefreshToken(token_hash=uuid.uuid4().hex, family_id=uuid.uuid4(), user_id=user.id, session_version=1,
                     expires_at=now - 31 * DAY),
        RefreshToken(token_hash=uuid.uuid4().hex, family_id=uuid.uuid4(), user_id=user.id, session_version=1,
                     expires_at=now + DAY),
    ])
    for i in range(5):  # more than one batch of two
        session.add(Notification(user_id=user.id, kind="k", message=f"old read {i}", created_at=now - 200 * DAY,
                                 read_at=now - 190 * DAY))
    session.add(Notification(user_id=user.id, kind="k", message="old unread", created_at=now - 200 * DAY))
    session.add(Notification(user_id=user.id, kind="k", message="new read", read_at=now))
    session.add_all([AnalyticsEvent(type="a", occurred_at=now - 401 * DAY), AnalyticsEvent(type="a")])
    session.flush()
    return {"old_done": old_done.id, "old_pending": old_pending.id, "recent": recent.id}


def test_the_defaults_purge_exactly_what_is_past_its_age(app: Flask, db_session: Session) -> None:
    ids = _fill(db_session)
    before = {m: _count(db_session, m) for m in (OutboxEvent, EventDelivery, UserSession, RefreshToken,
                                                  Notification, AnalyticsEvent)}
    deleted = retention.purge_all(db_session, app.config, batch=2)
    assert deleted["notifications"] == 5 and deleted["analytics_events"] == 1
    assert deleted["outbox"] == 1 and deleted["user_sessions"] == 1 and deleted["refresh_tokens"] == 1
    assert db_session.get(OutboxEvent, ids["old_done"]) is None
    assert db_session.get(OutboxEvent, ids["old_pending"]) is not None  # never processed: kept
    assert db_session.get(EventDelivery, (ids["old_pending"], "h")) is not None
    assert db_session.get(EventDelivery, (ids["recent"], "h")) is not None
    assert _count(db_session, Notification) == before[Notification] - 5
    assert _count(db_session, AnalyticsEvent) == before[AnalyticsEvent] - 1
    assert retention.purge_all(db_session, app.config, batch=2) == dict.fromkeys(deleted, 0)


def test_ages_come_from_the_settings(app: Flask, db_session: Session) -> None:
    _fill(db_session)
    config = {**app.config, "RETENTION_ANALYTICS_DAYS": 0, "RETENTION_NOTIFICATIONS_DAYS": 1000}
    deleted = retention.purge_all(db_session, config)
    assert deleted["analytics_events"] == 2 and deleted["notifications"] == 0


def test_the_schedule_runs_the_purge_daily() -> None:
    from workers.jobs.retention import purge_expired
    from workers.schedule import PERIODIC

    assert (purge_expired, "low", 24 * 3600) in PERIODIC
