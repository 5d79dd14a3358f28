"""notify(): preferences, one notification per event and person, email only after commit."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import app.services.handlers  # noqa: F401 - registers the handlers
from app.models import Notification, OutboxEvent
from app.services import events, jobs, notifications
from app.services.actor import Actor
from app.services.auth import LoginFailed, LoginPolicy, authenticate
from app.services.uow import transaction
from tests.factories import make_user
from tests.integration.conftest import queued_emails


def test_it_notifies_in_app_and_by_email_after_commit(db_session: Session) -> None:
    user = make_user(db_session)
    with transaction(db_session):
        note = notifications.notify(db_session, user.id, "user.locked", "Ann was locked.", "/users/1", None)
        assert note is not None and queued_emails() == []  # nothing leaves before the commit
    mails = queued_emails()
    assert len(mails) == 1 and mails[0]["to"] == user.email and "Ann was locked." in mails[0]["text"]
    assert "<p>Ann was locked.</p>" in mails[0]["html"]


def test_a_rolled_back_change_sends_nothing(db_session: Session) -> None:
    user = make_user(db_session)
    with pytest.raises(RuntimeError), transaction(db_session):
        notifications.notify(db_session, user.id, "user.locked", "never", None, None)
        raise RuntimeError("boom")
    assert queued_emails() == []


def test_it_respects_the_users_preferences(db_session: Session) -> None:
    user = make_user(db_session, role_name="admin")
    notifications.set_preferences(db_session, Actor(id=user.id, label=user.email),
                                  {"user.locked": {"in_app": False, "email": False}})
    with transaction(db_session):
        assert notifications.notify(db_session, user.id, "user.locked", "quiet", None, None) is None
    assert queued_emails() == []
    assert notifications.unread_count(db_session, user.id) == 0


def test_an_event_notifies_each_person_once(db_session: Session) -> None:
    a, b = make_user(db_session), make_user(db_session)
    event_id = uuid.uuid4()
    for _ in range(2):
        for user in (a, b):
            notifications.notify(db_session, user.id, "ticket.assigned", "yours", "/tickets/1", event_id)
    count = db_session.scalar(select(func.count()).select_from(Notification).where(Notification.event_id == event_id))
    assert count == 2


def test_a_lockout_notifies_every_admin_once(db_session: Session) -> None:
    admins = [make_user(db_session, role_name="admin") for _ in range(2)]
    target = make_user(db_session)
    login = Actor.system("login", correlation_id="c-lock")
    for i in range(LoginPolicy().max_failures):  # from many addresses: no per-source delay in the way
        with pytest.raises(LoginFailed):
            authenticate(db_session, replace(login, ip=f"10.9.0.{i}"), target.email, "wrong", LoginPolicy())
    evt = db_session.scalar(select(OutboxEvent).where(OutboxEvent.type == "user.locked"))
    assert evt is not None and evt.correlation_id == "c-lock"
    job = Queue("default", connection=jobs.connection()).fetch_job(f"event-{evt.id}")
    assert job is not None and job.meta["correlation_id"] == "c-lock"  # dispatched at once, id carried
    assert events.process(db_session, evt.id) is True
    assert events.process(db_session, evt.id) is False  # a redelivery does nothing
    for admin in admins:
        notes = db_session.scalars(select(Notification).where(Notification.user_id == admin.id)).all()
        assert [(n.kind, n.link) for n in notes] == [("user.locked", f"/users/{target.id}")]
    assert len(queued_emails()) == 3  # admins get lockouts by email by default, and the owner is alerted


def test_old_read_notifications_are_purged_and_unread_ones_kept(db_session: Session) -> None:
    from datetime import timedelta

    from app.models.base import utcnow

    user = make_user(db_session)
    old = utcnow() - timedelta(days=200)
    db_session.add_all([
        Notification(user_id=user.id, kind="k", message="old read", created_at=old, read_at=old),
        Notification(user_id=user.id, kind="k", message="old unread", created_at=old),
        Notification(user_id=user.id, kind="k", message="new read", read_at=utcnow()),
    ])
    db_session.flush()
    assert notifications.purge_read(db_session) == 1
    left = db_session.scalars(select(Notification.message).where(Notification.user_id == user.id)).all()
    assert sorted(left) == ["new read", "old unread"]
