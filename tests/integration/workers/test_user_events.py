"""user.created → invitation email + analytics; user.role_changed → one notification per user."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AnalyticsEvent, EventDelivery, Notification, OutboxEvent
from app.services import accounts, events, users
from app.services.actor import Actor
from tests.factories import make_user

SYSTEM = Actor.system("pytest")


def _body(msg: Any) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_a_new_user_gets_an_invitation_email_and_an_analytics_event(
    committed_db: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = users.create_user(committed_db, SYSTEM, "invited@example.com", "Ivy Invited", "agent")
    run_jobs()
    assert [m["To"] for m in mail_sink] == ["invited@example.com"]
    link = re.search(r"http\S+/invitations/(\S+)", _body(mail_sink[0]))
    assert link is not None
    assert accounts.user_for_token(committed_db, link.group(1), "invite").id == user.id
    tracked = committed_db.scalar(select(AnalyticsEvent).where(AnalyticsEvent.type == "user.created"))
    assert tracked is not None and tracked.data["email"] == "invited@example.com"


def test_resending_sends_a_new_link_and_the_old_one_dies(
    committed_db: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = users.create_user(committed_db, SYSTEM, "again@example.com", "Again", "viewer")
    run_jobs()
    users.resend_invitation(committed_db, SYSTEM, user.id)
    run_jobs()
    tokens = [re.search(r"/invitations/(\S+)", _body(m)).group(1) for m in mail_sink]  # type: ignore[union-attr]
    assert len(tokens) == 2
    assert accounts.user_for_token(committed_db, tokens[1], "invite").id == user.id
    try:
        accounts.user_for_token(committed_db, tokens[0], "invite")
    except accounts.LinkInvalid:
        pass
    else:
        raise AssertionError("the first link still works")


def test_a_reset_request_sends_a_reset_link(
    committed_db: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = make_user(committed_db, email="forgetful@example.com")
    committed_db.commit()
    accounts.request_reset(committed_db, SYSTEM, "Forgetful@example.com")
    accounts.request_reset(committed_db, SYSTEM, "stranger@example.com")
    run_jobs()
    assert [m["To"] for m in mail_sink] == ["forgetful@example.com"]
    token = re.search(r"/password/reset/(\S+)", _body(mail_sink[0])).group(1)  # type: ignore[union-attr]
    assert accounts.user_for_token(committed_db, token, "reset").id == user.id


def test_a_role_change_notifies_each_user_once(committed_db: Session, run_jobs: Callable[[], int]) -> None:
    targets = [make_user(committed_db, role_name="agent") for _ in range(3)]
    committed_db.commit()
    users.bulk_update(committed_db, SYSTEM, [str(t.id) for t in targets], "set_role", "viewer")
    run_jobs()
    notes = committed_db.scalars(select(Notification).where(Notification.kind == "user.role_changed")).all()
    assert sorted(n.user_id for n in notes) == sorted(t.id for t in targets)
    assert {n.message for n in notes} == {"Your role has been updated to viewer"}
    evt = committed_db.scalar(select(OutboxEvent).where(OutboxEvent.type == "user.role_changed"))
    assert evt is not None
    # Redelivery: forget that the handler ran and process the event again.
    committed_db.execute(EventDelivery.__table__.delete().where(EventDelivery.event_id == evt.id))
    committed_db.execute(OutboxEvent.__table__.update().where(OutboxEvent.id == evt.id).values(processed_at=None))
    committed_db.commit()
    events.process(committed_db, evt.id)
    count = committed_db.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "user.role_changed"))
    assert count == 3
    assert all(n.event_id == evt.id for n in notes)


def test_the_role_change_reaches_the_users_bell_and_notifications_page(
    app: Any, committed_db: Session, run_jobs: Callable[[], int]
) -> None:
    from tests.conftest import sign_in

    target = make_user(committed_db, role_name="agent", email="promoted@example.com")
    committed_db.commit()
    users.bulk_update(committed_db, SYSTEM, [str(target.id)], "set_role", "viewer")
    run_jobs()  # a real RQ worker (SimpleWorker, burst) runs the handler
    client = sign_in(app.test_client(), target)
    bell = client.get("/notifications/bell", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-testid="notification-count">1</span>' in bell
    page = client.get("/notifications").get_data(as_text=True)
    assert "Your role has been updated to viewer" in page
