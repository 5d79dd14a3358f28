"""The ticket page's reads: plain rows in two round trips, not ORM objects.

One statement reads the ticket with its customer, assignee, rating, the ticket it was merged into,
the customer's other tickets and the timeline (the last two as JSON lists); a second reads the thread.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Row, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from app.models import AuditRecord, CsatSurvey, Customer, Ticket, TicketComment, User
from app.services.actor import Actor
from app.services.errors import NotFound
from app.services.ids import parse_uuid
from app.services.listing import read_rows
from app.services.tickets import scoped_ids

THREAD_LIMIT = 500  # replies and notes shown on a ticket page
OTHER_TICKETS = 10
TIMELINE_LIMIT = 50

Assignee = aliased(User)
Merged = aliased(Ticket)
Other = aliased(Ticket)
Owner = aliased(Ticket)
TICKET_COLUMNS = (Ticket.id, Ticket.number, Ticket.customer_id, Ticket.assignee_id, Ticket.title, Ticket.description,
                  Ticket.priority, Ticket.status, Ticket.tags, Ticket.version, Ticket.created_at, Ticket.updated_at,
                  Ticket.first_response_due_at, Ticket.first_response_at, Ticket.resolution_due_at,
                  Ticket.sla_breached_at, Ticket.merged_into_id)
CUSTOMER_COLUMNS = (Customer.company_name, Customer.contact_name, Customer.contact_email, Customer.subscription_tier,
                    Customer.status.label("customer_status"))
RATING_COLUMNS = (CsatSurvey.sent_at, CsatSurvey.rated_at, CsatSurvey.score, CsatSurvey.comment)


@dataclass(frozen=True)
class CustomerPanel:
    id: uuid.UUID
    company_name: str
    contact_name: str | None
    contact_email: str | None
    subscription_tier: str
    status: str


@dataclass(frozen=True)
class Rating:
    sent_at: Any
    rated_at: Any
    score: int | None
    comment: str | None


@dataclass
class TicketDetail:
    ticket: Row[Any]  # the ticket's columns (TICKET_COLUMNS), read by attribute like the model
    customer: CustomerPanel | None  # None when the viewer may not read the customer
    assignee_name: str | None
    comments: list[tuple[Row[Any], str | None]]  # (the comment's columns, its author's name)
    other_tickets: list[dict[str, Any]]  # id, number, title, status; newest first
    timeline: list[dict[str, Any]]  # occurred ("YYYY-MM-DD HH:MM" UTC), actor_label, action, changes; newest first
    company_name: str = ""
    rating: Rating | None = None
    merged_into: tuple[uuid.UUID, int] | None = None  # (id, number) of the ticket this one was merged into


def _json_list(stmt: Any, newest: str, *names: str) -> Any:
    """A scalar subquery: the rows of `stmt` as a JSON list of objects with these keys, by `newest` descending."""
    rows = stmt.subquery()
    pairs: list[Any] = []
    for name in names:
        pairs += [literal_column(f"'{name}'"), rows.c[name]]
    obj = func.json_build_object(*pairs)
    listed = func.json_agg(aggregate_order_by(obj, rows.c[newest].desc()))
    return select(func.coalesce(listed, literal_column("'[]'::json"))).select_from(rows).scalar_subquery()


def _others(scoped: bool) -> Any:
    # A derived table cannot see the outer row: the customer is looked up by the ticket's id instead.
    customer = select(Owner.customer_id).where(Owner.id == bindparam("ticket_id")).scalar_subquery()
    stmt = select(Other.id, Other.number, Other.title, Other.status, Other.updated_at) \
        .where(Other.customer_id == customer, Other.id != bindparam("ticket_id"))
    if scoped:  # only resource-scoped grants: just those tickets
        stmt = stmt.where(Other.id.in_(bindparam("scoped", expanding=True)))
    stmt = stmt.order_by(Other.updated_at.desc()).limit(OTHER_TICKETS)
    return _json_list(stmt, "updated_at", "id", "number", "title", "status")


def _timeline() -> Any:
    occurred = func.to_char(func.timezone("UTC", AuditRecord.occurred_at), "YYYY-MM-DD HH24:MI").label("occurred")
    stmt = select(occurred, AuditRecord.actor_label, AuditRecord.action, AuditRecord.changes, AuditRecord.chain_index) \
        .where(AuditRecord.target_type == "ticket", AuditRecord.target_id == bindparam("ticket_key")) \
        .order_by(AuditRecord.chain_index.desc()).limit(TIMELINE_LIMIT)
    return _json_list(stmt, "chain_index", "occurred", "actor_label", "action", "changes")


@cache
def _page_statement(with_others: bool, scoped: bool) -> Any:
    """Built once per shape: building and keying a statement this size costs more than running it."""
    others = _others(scoped) if with_others else literal_column("'[]'::json")
    # The assignee and the merge target are scalar subqueries, not outer joins: fewer joins to order
    # make the planner (which runs every time: no statement stays prepared across requests) 0.1 ms faster.
    assignee = select(Assignee.name).where(Assignee.id == Ticket.assignee_id).scalar_subquery()
    merged = select(Merged.number).where(Merged.id == Ticket.merged_into_id).scalar_subquery()
    return (
        select(*TICKET_COLUMNS, *CUSTOMER_COLUMNS, assignee.label("assignee_name"), *RATING_COLUMNS,
               CsatSurvey.id.label("rating_id"), merged.label("merged_number"), others.label("others"),
               _timeline().label("timeline"))
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(CsatSurvey, CsatSurvey.ticket_id == Ticket.id)
        .where(Ticket.id == bindparam("ticket_id"))
    )


def _may_read_some_customer(actor: Actor) -> bool:
    return actor.can("customers:read") or any(g.startswith("customers:read:") for g in actor.grants)


def get_detail(session: Session, actor: Actor, ticket_id: object) -> TicketDetail:
    """The ticket page, if the actor may read the ticket (404 otherwise, as for a ticket that is not there).
    Contact details and the customer's other tickets only for those who may read the customer."""
    tid = parse_uuid(ticket_id)
    if tid is None or not actor.can("tickets:read", tid):
        raise NotFound("There is no such ticket.")
    scoped = scoped_ids(actor, "tickets:read")
    params: dict[str, Any] = {"ticket_id": tid, "ticket_key": str(tid)}
    if scoped is not None:
        params["scoped"] = scoped
    stmt = _page_statement(_may_read_some_customer(actor), scoped is not None)
    rows = read_rows(session, stmt, params)
    found = rows[0] if rows else None
    if found is None:
        raise NotFound("There is no such ticket.")
    readable = actor.can("customers:read", found.customer_id)
    customer = CustomerPanel(found.customer_id, found.company_name, found.contact_name, found.contact_email,
                             found.subscription_tier, found.customer_status) if readable else None
    rating = Rating(found.sent_at, found.rated_at, found.score, found.comment) if found.rating_id else None
    return TicketDetail(
        ticket=found, customer=customer, assignee_name=found.assignee_name, comments=thread(session, tid),
        other_tickets=list(found.others) if readable else [], timeline=list(found.timeline),
        company_name=found.company_name or "", rating=rating,
        merged_into=(found.merged_into_id, found.merged_number) if found.merged_into_id else None)


THREAD = (
    select(TicketComment.id, TicketComment.ticket_id, TicketComment.author_id, TicketComment.body,
           TicketComment.internal, TicketComment.created_at, TicketComment.mentions, User.name.label("author"))
    .outerjoin(User, User.id == TicketComment.author_id)
    .where(TicketComment.ticket_id == bindparam("ticket_id"))
    .order_by(TicketComment.created_at, TicketComment.id)
    .limit(THREAD_LIMIT)
)


def thread(session: Session, ticket_id: uuid.UUID) -> list[tuple[Row[Any], str | None]]:
    """Replies and notes, oldest first, each with its author's name (None for the system)."""
    return [(r, r.author) for r in read_rows(session, THREAD, {"ticket_id": ticket_id})]
