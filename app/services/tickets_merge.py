"""Merging ticket B into A (B's conversation moves into A, B closes pointing at A, the customer hears
once) and "related" links between tickets, kept both ways."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models import Ticket, TicketComment, TicketLink
from app.models.base import utcnow
from app.services import audit, events
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.tickets import get_ticket_for
from app.services.uow import transaction

LINKS_MAX = 50


def _aid(actor: Actor) -> str | None:
    return str(actor.id) if actor.id else None


def merge_tickets(session: Session, actor: Actor, target_id: object, source_id: object) -> Ticket:
    """Merge `source` into `target`: both need tickets:update; one customer's tickets only."""
    target = get_ticket_for(session, actor, target_id, "update")
    source = get_ticket_for(session, actor, source_id, "update")
    if source.id == target.id:
        raise Invalid("A ticket cannot be merged into itself.", {"source_id": ["Choose another ticket."]})
    if source.merged_into_id or target.merged_into_id:
        raise Invalid("One of these tickets was merged already.", {"source_id": ["Already merged."]})
    if source.customer_id != target.customer_id:
        # One customer's conversation must never show up on another customer's ticket.
        raise Invalid("Only tickets of the same customer can be merged.", {"source_id": ["Another customer's."]})
    now = utcnow()
    with transaction(session):
        moved = len(session.execute(update(TicketComment).where(TicketComment.ticket_id == source.id)
                                    .values(ticket_id=target.id).returning(TicketComment.id)
                                    .execution_options(synchronize_session=False)).all())
        notice = TicketComment(ticket_id=target.id, author_id=actor.id, internal=False, created_at=now,
                               body=f"Your request #{source.number} “{source.title}” has been merged into this one, "
                                    f"#{target.number}: we will continue here.")
        session.add(notice)
        before = {"status": source.status, "merged_into_id": None}
        source.status, source.merged_into_id = "closed", target.id
        source.resolved_at = source.resolved_at or now
        session.flush()
        audit.record(session, actor, "ticket.merged", "ticket", source.id,
                     {**audit.diff(before, {"status": "closed", "merged_into_id": str(target.id)}),
                      "version": [source.version - 1, source.version], "into": target.number})
        audit.record(session, actor, "ticket.merged_in", "ticket", target.id,
                     {"from": source.number, "from_id": str(source.id), "comments_moved": moved,
                      "comment_id": str(notice.id)})
        events.emit(session, actor, "ticket.merged", "ticket", source.id,
                    {"number": source.number, "title": source.title, "actor_id": _aid(actor),
                     "into_id": str(target.id), "into_number": target.number})
        events.emit(session, actor, "ticket.reply_added", "ticket", target.id,
                    {"number": target.number, "comment_id": str(notice.id), "internal": False,
                     "actor_id": _aid(actor)})
    return target


def link_tickets(session: Session, actor: Actor, ticket_id: object, other_id: object, unlink: bool = False) -> None:
    """Mark two tickets related (or no longer); shown on both."""
    ticket = get_ticket_for(session, actor, ticket_id, "update")
    other = get_ticket_for(session, actor, other_id, "read")
    if other.id == ticket.id:
        raise Invalid("A ticket cannot be related to itself.", {"other_id": ["Choose another ticket."]})
    pairs = [(ticket.id, other.id), (other.id, ticket.id)]
    with transaction(session):
        if unlink:
            gone = session.execute(delete(TicketLink).where(or_(*(
                (TicketLink.ticket_id == a) & (TicketLink.other_id == b) for a, b in pairs)))
                .returning(TicketLink.ticket_id)).all()
            if not gone:
                return
        else:
            added = session.execute(insert(TicketLink).values(
                [{"ticket_id": a, "other_id": b, "created_by": actor.id, "created_at": utcnow()} for a, b in pairs])
                .on_conflict_do_nothing().returning(TicketLink.ticket_id)).all()
            if not added:
                return
        action = "ticket.unlinked" if unlink else "ticket.linked"
        audit.record_many(session, actor, action, "ticket",
                          [(a, {"related": next(t.number for t in (ticket, other) if t.id == b)}) for a, b in pairs])


@dataclass(frozen=True)
class Related:
    id: uuid.UUID
    number: int
    title: str
    status: str


def related(session: Session, actor: Actor, ticket: Ticket) -> dict[str, list[Related]]:
    """The tickets linked to this one, merged into it, and (for a merged one) where it went."""
    cols = (Ticket.id, Ticket.number, Ticket.title, Ticket.status)
    linked = session.execute(select(*cols).join(TicketLink, TicketLink.other_id == Ticket.id)
                             .where(TicketLink.ticket_id == ticket.id).order_by(Ticket.number).limit(LINKS_MAX)).all()
    merged = session.execute(select(*cols).where(Ticket.merged_into_id == ticket.id)
                             .order_by(Ticket.number).limit(LINKS_MAX)).all()
    return {k: [Related(*r) for r in rows if actor.can("tickets:read", r.id)]
            for k, rows in (("linked", linked), ("merged", merged))}


def find_by_number(session: Session, actor: Actor, raw: str, field: str) -> uuid.UUID:
    """The id of the ticket numbered `raw` ("1042" or "#1042") that the actor may read."""
    text_ = (raw or "").strip().lstrip("#")
    tid = session.scalar(select(Ticket.id).where(Ticket.number == int(text_))) if text_.isdigit() and \
        len(text_) < 16 else None
    if tid is None or not actor.can("tickets:read", tid):
        raise Invalid("There is no such ticket.", {field: [f"No ticket #{text_[:20]} that you may see."]})
    return tid


def merged_into(session: Session, actor: Actor, ticket_id: object) -> Ticket | None:
    """Where a merged ticket went (None when it was not merged)."""
    ticket = get_ticket_for(session, actor, ticket_id, "read")
    return session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None
