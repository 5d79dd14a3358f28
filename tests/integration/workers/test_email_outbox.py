"""An email asked for while Redis is unreachable still leaves once Redis is back (the soak lost
such emails when they were only a job in Redis), with the Message-ID of its event, once."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxEvent
from app.services import events, jobs, mail, notifications
from app.services.notifications import Email
from app.services.uow import transaction


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_email_asked_for_while_redis_is_down_is_sent_once_after(
    db_session: Session, mail_sink: list[Any], run_jobs: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(jobs._state, "redis", Redis(port=_closed_port(), socket_connect_timeout=0.5))  # noqa: SLF001
    with transaction(db_session):
        notifications.send(db_session, "customer@example.com",
                           Email("Re: [#7] Broken printer", "ticket_reply",
                                 {"customer": {"company_name": "Acme"}, "ticket": {"number": 7, "title": "Broken"},
                                  "body": "We sent a technician."}))
    evt = db_session.scalar(select(OutboxEvent).where(OutboxEvent.type == mail.EMAIL_EVENT))
    assert evt is not None and evt.dispatched_at is None  # the commit held, Redis did not

    monkeypatch.undo()  # Redis is back: the relay sends what waited
    assert events.relay(db_session) == 1
    run_jobs()
    assert [m["To"] for m in mail_sink] == ["customer@example.com"]
    assert mail_sink[0]["Message-ID"] == mail.message_id(evt.id)
    assert "We sent a technician." in mail_sink[0].get_body(("plain",)).get_content()

    assert events.process(db_session, evt.id) is False  # a redelivery sends nothing more
    assert len(mail_sink) == 1
