"""Merging B into A and relating tickets: conversation moved in time order, both audited, one email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, OutboxEvent, TicketComment
from app.models.base import utcnow
from app.services import tickets_merge, tickets_query
from app.services.actor import Actor
from app.services.errors import Invalid, NotFound, PermissionDenied
from tests.factories import make_comment, make_customer, make_ticket, make_user

GRANTS = frozenset({"tickets:*", "customers:read"})


def _actor(session: Session, grants: frozenset[str] = GRANTS) -> Actor:
    user = make_user(session)
    return Actor(user.id, user.email, grants)


def test_merging_moves_the_conversation_in_time_order_and_closes_the_source(db_session: Session) -> None:
    actor = _actor(db_session)
    customer = make_customer(db_session)
    a, b = make_ticket(db_session, customer_id=customer.id), make_ticket(db_session, customer_id=customer.id)
    start = utcnow() - timedelta(hours=3)
    make_comment(db_session, a, body="A first", created_at=start)
    make_comment(db_session, b, body="B second", created_at=start + timedelta(hours=1))
    make_comment(db_session, a, body="A third", created_at=start + timedelta(hours=2))
    tickets_merge.merge_tickets(db_session, actor, a.id, b.id)
    db_session.refresh(b)
    assert (b.status, b.merged_into_id, b.version) == ("closed", a.id, 2)
    detail = tickets_query.get_detail(db_session, actor, a.id)
    bodies = [c.body for c, _ in detail.comments]
    assert bodies[:3] == ["A first", "B second", "A third"] and f"#{b.number}" in bodies[3]
    actions = {r.target_id: r.action for r in db_session.scalars(
        select(AuditRecord).where(AuditRecord.target_id.in_([str(a.id), str(b.id)])))}
    assert actions == {str(b.id): "ticket.merged", str(a.id): "ticket.merged_in"}
    replies = db_session.scalars(select(OutboxEvent).where(OutboxEvent.type == "ticket.reply_added")).all()
    assert len(replies) == 1 and replies[0].aggregate_id == str(a.id)  # the customer is told once
    assert tickets_merge.merged_into(db_session, actor, b.id).id == a.id  # type: ignore[union-attr]
    assert tickets_merge.related(db_session, actor, a)["merged"][0].id == b.id


def test_it_refuses_self_twice_and_another_customers_ticket(db_session: Session) -> None:
    actor = _actor(db_session)
    customer = make_customer(db_session)
    a, b = make_ticket(db_session, customer_id=customer.id), make_ticket(db_session, customer_id=customer.id)
    stranger = make_ticket(db_session)
    with pytest.raises(Invalid):
        tickets_merge.merge_tickets(db_session, actor, a.id, a.id)
    with pytest.raises(Invalid, match="same customer"):
        tickets_merge.merge_tickets(db_session, actor, a.id, stranger.id)
    tickets_merge.merge_tickets(db_session, actor, a.id, b.id)
    with pytest.raises(Invalid):
        tickets_merge.merge_tickets(db_session, actor, a.id, b.id)
    assert db_session.scalars(select(TicketComment).where(TicketComment.ticket_id == stranger.id)).first() is None


def test_merging_needs_update_on_both(db_session: Session) -> None:
    a, b = make_ticket(db_session), make_ticket(db_session)
    reader = _actor(db_session, frozenset({"tickets:read"}))
    with pytest.raises(PermissionDenied):
        tickets_merge.merge_tickets(db_session, reader, a.id, b.id)
    scoped = _actor(db_session, frozenset({f"tickets:read:{a.id}", f"tickets:update:{a.id}"}))
    with pytest.raises(NotFound):
        tickets_merge.merge_tickets(db_session, scoped, a.id, b.id)


def test_links_are_kept_both_ways_and_audited_on_both(db_session: Session) -> None:
    actor = _actor(db_session)
    a, b = make_ticket(db_session), make_ticket(db_session)
    tickets_merge.link_tickets(db_session, actor, a.id, b.id)
    tickets_merge.link_tickets(db_session, actor, b.id, a.id)  # already: nothing more
    assert [r.id for r in tickets_merge.related(db_session, actor, b)["linked"]] == [a.id]
    assert [r.id for r in tickets_merge.related(db_session, actor, a)["linked"]] == [b.id]
    assert len(db_session.scalars(select(AuditRecord).where(AuditRecord.action == "ticket.linked")).all()) == 2
    tickets_merge.link_tickets(db_session, actor, b.id, a.id, unlink=True)
    assert tickets_merge.related(db_session, actor, a)["linked"] == []
    with pytest.raises(Invalid):
        tickets_merge.find_by_number(db_session, actor, "#99999999", "other")
    assert tickets_merge.find_by_number(db_session, actor, f"#{a.number}", "other") == a.id
