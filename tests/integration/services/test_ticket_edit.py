"""Editing a ticket's title and description: same locking, conflict message and audit as other fields."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, OutboxEvent
from app.services import tickets
from app.services.actor import Actor
from app.services.errors import Conflict, Invalid, PermissionDenied
from tests.factories import make_ticket, make_user

AGENT = frozenset({"tickets:read", "tickets:update"})


def _actor(session: Session, name: str, grants: frozenset[str] = AGENT) -> Actor:
    user = make_user(session, name=name)
    return Actor(id=user.id, label=name, grants=grants)


def test_it_edits_title_and_description_with_before_and_after_in_the_audit(db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Old title", description="Old text")
    tickets.update_ticket(db_session, _actor(db_session, "Ann"), ticket.id, 1,
                          {"title": "  New title ", "description": "New text\nline two"})
    db_session.refresh(ticket)
    assert (ticket.title, ticket.description, ticket.version) == ("New title", "New text\nline two", 2)
    rec = db_session.scalars(select(AuditRecord).where(AuditRecord.target_id == str(ticket.id))).one()
    assert rec.action == "ticket.updated"
    assert rec.changes["title"] == ["Old title", "New title"]
    assert rec.changes["description"] == ["Old text", "New text\nline two"]
    assert rec.changes["version"] == [1, 2]
    evt = db_session.scalars(select(OutboxEvent).where(OutboxEvent.type == "ticket.edited")).one()
    assert evt.data["fields"] == ["title", "description"] and evt.data["title"] == "New title"


def test_a_stale_edit_is_refused_naming_who_changed_the_title(db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Printer on fire")
    tickets.update_ticket(db_session, _actor(db_session, "Ann"), ticket.id, 1, {"title": "Printer smoking"})
    with pytest.raises(Conflict) as exc:
        tickets.update_ticket(db_session, _actor(db_session, "Bob"), ticket.id, 1, {"title": "Printer fixed"})
    assert "Ann changed title from “Printer on fire” to “Printer smoking”" in exc.value.message
    db_session.refresh(ticket)
    assert ticket.title == "Printer smoking" and ticket.version == 2


def test_the_conflict_message_shortens_a_long_description(db_session: Session) -> None:
    ticket = make_ticket(db_session, description="short")
    tickets.update_ticket(db_session, _actor(db_session, "Ann"), ticket.id, 1, {"description": "x" * 5000})
    with pytest.raises(Conflict) as exc:
        tickets.update_ticket(db_session, _actor(db_session, "Bob"), ticket.id, 1, {"description": "mine"})
    assert len(exc.value.message) < 300 and "…" in exc.value.message


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": ""}, "title"), ({"title": "two\nlines"}, "title"), ({"title": "x" * 501}, "title"),
    ({"description": "x" * 50_001}, "description"),
])
def test_it_refuses_a_bad_title_or_description(db_session: Session, changes: dict[str, str], field: str) -> None:
    ticket = make_ticket(db_session, title="Keep me")
    with pytest.raises(Invalid) as exc:
        tickets.update_ticket(db_session, _actor(db_session, "Ann"), ticket.id, 1, changes)
    assert field in exc.value.details
    db_session.refresh(ticket)
    assert ticket.title == "Keep me" and ticket.version == 1


def test_it_requires_the_update_permission(db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Keep me")
    reader = _actor(db_session, "Rita", frozenset({"tickets:read"}))
    with pytest.raises(PermissionDenied):
        tickets.update_ticket(db_session, reader, ticket.id, 1, {"title": "Changed"})


def test_an_unchanged_title_writes_nothing(db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Same")
    tickets.update_ticket(db_session, _actor(db_session, "Ann"), ticket.id, 1, {"title": "Same"})
    db_session.refresh(ticket)
    assert ticket.version == 1
    assert db_session.scalars(select(AuditRecord).where(AuditRecord.target_id == str(ticket.id))).first() is None
