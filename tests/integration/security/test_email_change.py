"""An email change is an account event: the old address hears of it, old links die, both addresses audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord
from app.services import accounts, users
from app.services.actor import Actor
from tests.factories import make_user

SYSTEM = Actor.system("pytest")


def _body(msg: Any) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def _link_token(msg: Any, path: str) -> str:
    """The token of the /<path>/<token> link in an email."""
    match = re.search(rf"/{path}/(\S+)", _body(msg))
    assert match is not None, _body(msg)
    return match.group(1)


def _sent_to(mail_sink: list[Any], address: str) -> list[Any]:
    return [m for m in mail_sink if m["To"] == address]


def _email_changed(session: Session, user_id: Any) -> AuditRecord | None:
    return session.scalar(
        select(AuditRecord).where(AuditRecord.action == "user.email_changed", AuditRecord.target_id == str(user_id))
    )


def test_a_reset_link_asked_for_before_the_change_dies_and_the_old_address_is_told(
    committed_db: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = make_user(committed_db, email="old.address@example.com", name="Olga Old")
    committed_db.commit()
    accounts.request_reset(committed_db, SYSTEM, "old.address@example.com")
    run_jobs()
    token = _link_token(mail_sink[0], "password/reset")
    assert accounts.user_for_token(committed_db, token, "reset").id == user.id
    mail_sink.clear()

    users.update_user(committed_db, SYSTEM, user.id, "new.address@example.com", user.name)
    run_jobs()

    with pytest.raises(accounts.LinkInvalid):
        accounts.user_for_token(committed_db, token, "reset")
    notices = _sent_to(mail_sink, "old.address@example.com")
    assert len(notices) == 1
    text = _body(notices[0])
    assert "old.address@example.com" in text and "new.address@example.com" in text
    rec = _email_changed(committed_db, user.id)
    assert rec is not None and rec.changes == {"email": ["old.address@example.com", "new.address@example.com"]}


def test_an_invitation_sent_to_the_old_address_dies_and_a_new_one_goes_to_the_new(
    committed_db: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = users.create_user(committed_db, SYSTEM, "typo@exampel.com", "Tess Typo", "agent")
    run_jobs()
    old = _link_token(mail_sink[0], "invitations")
    mail_sink.clear()
    users.update_user(committed_db, SYSTEM, user.id, "tess@example.com", user.name)
    run_jobs()
    with pytest.raises(accounts.LinkInvalid):
        accounts.user_for_token(committed_db, old, "invite")
    invites = _sent_to(mail_sink, "tess@example.com")
    assert len(invites) == 1
    fresh = _link_token(invites[0], "invitations")
    assert accounts.user_for_token(committed_db, fresh, "invite").id == user.id
    assert len(_sent_to(mail_sink, "typo@exampel.com")) == 1  # the notice of the change, no new link
    assert "/invitations/" not in _body(_sent_to(mail_sink, "typo@exampel.com")[0])


def test_a_name_change_is_no_email_event(
    committed_db: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = make_user(committed_db, email="same@example.com")
    committed_db.commit()
    users.update_user(committed_db, SYSTEM, user.id, "Same@Example.com", "Another Name")
    run_jobs()
    assert mail_sink == []
    assert _email_changed(committed_db, user.id) is None
