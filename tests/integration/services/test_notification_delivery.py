"""Delivery by kind, with a frozen clock: dedupe folds repeats, quiet hours hold email, digests group it;
the emails really reach the SMTP sink."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Notification, User
from app.services import jobs, notification_mail, notifications
from app.services.actor import Actor
from app.services.uow import transaction
from tests.factories import make_user
from tests.integration.conftest import queued_emails

TICKET = ("ticket:" + str(uuid.UUID(int=123)), "#123 Printer on fire")


def _user(session: Session, kinds: dict[str, str], **settings: Any) -> User:
    user = make_user(session)
    form = {"time_zone": "UTC", "quiet_start": "22:00", "quiet_end": "07:00", "digest_hour": 8,
            "urgent": ["urgent_priority", "sla_breach"], **settings}
    notifications.set_preferences(session, Actor(id=user.id, label=user.email),
                                  {k: {"in_app": True, "email": mode} for k, mode in kinds.items()}, form)
    return user


def _update(session: Session, user: User, n: int, correlation_id: str | None = None) -> None:
    token = jobs.CORRELATION_ID.set(correlation_id)
    try:
        with transaction(session):
            notifications.notify(session, user.id, "ticket.updated", f"#123 status changed ({n})", "/tickets/123",
                                 group=TICKET)
    finally:
        jobs.CORRELATION_ID.reset(token)


def _due(session: Session) -> int:
    return notification_mail.send_due(session)


def test_ten_updates_in_five_minutes_are_one_notification_and_one_email(
    db_session: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = _user(db_session, {"ticket.updated": "now"})
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        for n in range(10):
            _update(db_session, user, n, correlation_id="c-first" if n == 0 else f"c-{n}")
            clock.shift(timedelta(seconds=29))
        notes = db_session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
        assert [(n.count, n.message) for n in notes] == [(10, "10 updates to #123 Printer on fire")]
        assert notifications.unread_count(db_session, user.id) == 1
        assert queued_emails() == [] and _due(db_session) == 0  # the email waits for the window to close
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert _due(db_session) == 1
        assert _due(db_session) == 0  # claimed: a second run sends nothing twice
    run_jobs()
    assert len(mail_sink) == 1
    msg = mail_sink[0]
    assert msg["To"] == user.email and "10 updates to #123 Printer on fire" in msg["Subject"]
    assert msg["X-Correlation-ID"] == "c-first"  # the cause's id, kept through the wait
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        _update(db_session, user, 11)  # after the window: news again
    counts = db_session.scalars(select(Notification.count).where(Notification.user_id == user.id)
                                .order_by(Notification.created_at)).all()
    assert counts == [10, 1]


def test_a_read_notification_is_not_folded_into(db_session: Session) -> None:
    user = _user(db_session, {"ticket.updated": "off"})
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), tick=False) as clock:
        _update(db_session, user, 1)
        notifications.mark_all_read(db_session, Actor(id=user.id, label=user.email))
        clock.shift(timedelta(minutes=1))
        _update(db_session, user, 2)
    notes = db_session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert sorted(n.count for n in notes) == [1, 1]
    assert queued_emails() == []  # email off: nothing held either
    assert _due(db_session) == 0


def test_quiet_hours_hold_email_until_they_end_in_the_users_time_zone(
    db_session: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = _user(db_session, {"user.role_changed": "now"}, time_zone="Europe/Berlin", quiet_enabled=True)
    # 23:30 in Berlin (UTC+1 in January): quiet until 07:00 Berlin, which is 06:00 UTC.
    with time_machine.travel(datetime(2026, 1, 15, 22, 30, tzinfo=UTC), tick=False):
        with transaction(db_session):
            assert notifications.notify(db_session, user.id, "user.role_changed", "You are a manager now.") is not None
        assert queued_emails() == []  # the bell rings; the email is held
    with time_machine.travel(datetime(2026, 1, 16, 5, 59, tzinfo=UTC), tick=False):
        assert _due(db_session) == 0
    with time_machine.travel(datetime(2026, 1, 16, 6, 0, tzinfo=UTC), tick=False):
        assert _due(db_session) == 1
    run_jobs()
    assert [m["Subject"] for m in mail_sink] == ["[Backoffice] You are a manager now."]


def test_urgent_exceptions_break_through_quiet_hours_only_when_the_user_allows(db_session: Session) -> None:
    allow = _user(db_session, {"ticket.sla_breached": "now"}, quiet_enabled=True)
    deny = _user(db_session, {"ticket.sla_breached": "now"}, quiet_enabled=True, urgent=[])
    with time_machine.travel(datetime(2026, 1, 15, 23, 0, tzinfo=UTC), tick=False):
        for user in (allow, deny):
            with transaction(db_session):
                notifications.notify(db_session, user.id, "ticket.sla_breached", "#9 breached.", "/tickets/9",
                                     urgency=("sla_breach",))
    assert [m["to"] for m in queued_emails()] == [allow.email]
    with time_machine.travel(datetime(2026, 1, 16, 7, 0, tzinfo=UTC), tick=False):
        assert _due(db_session) == 1  # the other one, in the morning
    assert sorted(m["to"] for m in queued_emails()) == sorted([allow.email, deny.email])


def test_the_daily_digest_lists_what_happened_grouped_by_ticket_and_kind(
    db_session: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = _user(db_session, {"ticket.updated": "daily", "user.role_changed": "daily"},
                 time_zone="America/New_York", digest_hour=8)
    other = ("ticket:" + str(uuid.UUID(int=7)), "#7 Refund please")
    with time_machine.travel(datetime(2026, 3, 10, 14, 0, tzinfo=UTC), tick=False) as clock:
        for _ in range(3):
            _update(db_session, user, 0)
            clock.shift(timedelta(minutes=20))  # apart: three notifications, but one digest line
        with transaction(db_session):
            notifications.notify(db_session, user.id, "ticket.updated", "New internal note on #7", "/tickets/7",
                                 group=other)
            notifications.notify(db_session, user.id, "user.role_changed", "You are a manager now.")
    assert queued_emails() == []
    # 08:00 in New York the next day is 12:00 UTC (daylight saving time began on 8 March).
    with time_machine.travel(datetime(2026, 3, 11, 11, 59, tzinfo=UTC), tick=False):
        assert _due(db_session) == 0
    with time_machine.travel(datetime(2026, 3, 11, 12, 0, tzinfo=UTC), tick=False):
        assert _due(db_session) == 1
    run_jobs()
    assert len(mail_sink) == 1
    msg = mail_sink[0]
    assert msg["Subject"] == "[Backoffice] Your daily digest: 5 notifications"
    assert msg["X-Correlation-ID"]
    text = msg.get_body(("plain",)).get_content()
    assert "== #123 Printer on fire (3) ==" in text and "3 updates to #123 Printer on fire" in text
    assert "== #7 Refund please ==" in text and "New internal note on #7" in text
    assert "== My role or permissions changed ==" in text and "You are a manager now." in text
    assert text.index("#123 Printer") < text.index("#7 Refund") < text.index("My role")  # as it happened
    html = msg.get_body(("html",)).get_content()
    assert 'href="http://' in html and "/tickets/7" in html


def test_the_hourly_digest_goes_at_the_next_full_hour_and_quiet_hours_postpone_it(db_session: Session) -> None:
    user = _user(db_session, {"ticket.updated": "hourly"}, quiet_enabled=True, quiet_start="12:00",
                 quiet_end="13:30")
    with time_machine.travel(datetime(2026, 3, 2, 10, 15, tzinfo=UTC), tick=False):
        _update(db_session, user, 1)
    with time_machine.travel(datetime(2026, 3, 2, 11, 0, tzinfo=UTC), tick=False):
        assert _due(db_session) == 1
    with time_machine.travel(datetime(2026, 3, 2, 11, 40, tzinfo=UTC), tick=False):
        _update(db_session, user, 2)  # the 12:00 digest falls in quiet hours: it goes at 13:30
    with time_machine.travel(datetime(2026, 3, 2, 13, 29, tzinfo=UTC), tick=False):
        assert _due(db_session) == 0
    with time_machine.travel(datetime(2026, 3, 2, 13, 30, tzinfo=UTC), tick=False):
        assert _due(db_session) == 1


def test_a_kind_switched_off_while_held_is_not_sent(db_session: Session) -> None:
    user = _user(db_session, {"user.role_changed": "daily"})
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), tick=False):
        with transaction(db_session):
            notifications.notify(db_session, user.id, "user.role_changed", "You are a manager now.")
        notifications.set_preferences(db_session, Actor(id=user.id, label=user.email),
                                      {"user.role_changed": {"in_app": True, "email": "off"}})
    with time_machine.travel(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        assert _due(db_session) == 0
    assert queued_emails() == []


def test_the_scheduled_job_sends_what_is_due_through_a_worker(
    db_session: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    from workers.schedule import PERIODIC

    user = _user(db_session, {"user.role_changed": "hourly"})
    with time_machine.travel(datetime(2026, 3, 2, 10, 15, tzinfo=UTC), tick=False):
        with transaction(db_session):
            notifications.notify(db_session, user.id, "user.role_changed", "You are a manager now.")
    assert [p[1:] for p in PERIODIC if p[0].__name__ == "send_notification_emails"] == [("default", 60)]
    jobs.enqueue("workers.jobs.notifications.send_notification_emails")  # due long ago by the real clock
    run_jobs()
    run_jobs()
    assert [m["Subject"] for m in mail_sink] == ["[Backoffice] Your hourly digest: 1 notification"]
