"""/support/tickets: the ticket queue, through app.services.tickets* (the same rules as the UI)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from app.api import bp
from app.api.concurrency import etag, expected_version, guarded
from app.api.endpoint import operation, respond
from app.api.paging import list_query, meta
from app.api.schemas import UUID_PATTERN, Input, Output, PageQuery, QueryDate, QueryUUID
from app.api.security import api_actor
from app.extensions import db_session
from app.models.ticket import PRIORITIES, STATUSES
from app.services import tickets, tickets_bulk, tickets_query
from app.services.listing import SEARCH_MAX

# Literals of the model's tuples, one source: pydantic reads them at run time, mypy only accepts literals.
Status = Literal[STATUSES]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
# The service's limits.
Tag = Annotated[str, StringConstraints(min_length=1, max_length=tickets.TAG_MAX)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=tickets.TITLE_MAX)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=tickets.BODY_MAX)]


class TicketRow(Output):
    id: uuid.UUID
    number: int
    title: str
    status: str
    priority: str
    tags: list[str]
    customer_id: uuid.UUID
    company: str
    assignee_id: uuid.UUID | None
    assignee_name: str | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_breached_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TicketOut(Output):
    id: uuid.UUID
    number: int
    customer_id: uuid.UUID
    assignee_id: uuid.UUID | None
    title: str
    description: str
    status: str
    priority: str
    tags: list[str]
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    sla_breached_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class TicketListQuery(PageQuery):
    q: Annotated[str, StringConstraints(max_length=SEARCH_MAX)] = ""
    view: Literal["all", "mine", "unassigned", "urgent", "breaching"] | None = None
    status: Status | None = None
    priority: Priority | None = None
    assignee: Annotated[str, StringConstraints(pattern=f"^(me|none|{UUID_PATTERN})$")] | None = Field(
        None, description="`me`, `none` or a user id.")
    customer: QueryUUID | None = None
    tag: Tag | None = None
    created_from: QueryDate | None = None
    created_to: QueryDate | None = None
    sort: Literal["updated_at", "-updated_at", "created_at", "-created_at", "number", "-number", "priority",
                  "-priority", "status", "-status", "resolution_due_at", "-resolution_due_at"] = "-updated_at"


class TicketCreate(Input):
    customer_id: uuid.UUID
    title: Title
    description: Annotated[str, StringConstraints(max_length=tickets.BODY_MAX)] = ""
    priority: Priority = "medium"
    tags: list[Tag] = Field(default_factory=list, max_length=tickets.MAX_TAGS)
    assignee_id: uuid.UUID | None = None


class TicketPatch(Input):
    version: int | None = Field(None, description="The version you read; or send If-Match with the ETag.")
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: uuid.UUID | None = None
    tags: list[Tag] | None = Field(None, max_length=tickets.MAX_TAGS)


class AssignIn(Input):
    assignee_id: uuid.UUID | None = Field(description="null to unassign")
    version: int | None = None


class BulkStatusIn(Input):
    ids: list[uuid.UUID] = Field(min_length=1, max_length=tickets_bulk.BULK_CAP)
    status: Status


class BulkOut(Output):
    selected: int
    changed: int
    summary: str


class CommentOut(Output):
    id: uuid.UUID
    ticket_id: uuid.UUID
    author_id: uuid.UUID | None
    author_name: str | None
    body: str
    internal: bool
    created_at: datetime


class CommentIn(Input):
    body: Body
    internal: bool = False


def _ticket(ticket: Any, status: int = 200) -> Any:
    return respond(TicketOut.model_validate(ticket), status, headers={"ETag": etag(ticket.version)})


FILTERS = {"view", "status", "priority", "assignee", "customer", "tag", "created_from", "created_to"}


@operation(bp, "GET", "/support/tickets", permission="tickets:read", tag="tickets", query=TicketListQuery,
           response=TicketRow, many=True, summary="List tickets with the filters of the Tickets screen")
def list_tickets(query: TicketListQuery) -> Any:
    key = tickets_query.sort_key(query.sort.lstrip("-"))
    lq = list_query(query, "tickets", query.sort, key, query.model_dump(include=FILTERS, exclude_none=True), query.q)
    page = tickets_query.list_tickets(db_session(), api_actor(), lq)
    return respond([TicketRow.model_validate(r) for r in page.rows], meta=meta(page, "tickets", lq))


@operation(bp, "GET", "/support/tickets/<uuid:ticket_id>", permission="tickets:read", tag="tickets",
           response=TicketOut, etag=True, errors=(404,), summary="One ticket (with its ETag)")
def get_ticket(ticket_id: uuid.UUID) -> Any:
    return _ticket(tickets.get_ticket_for(db_session(), api_actor(), ticket_id))


@operation(bp, "POST", "/support/tickets", permission="tickets:create", tag="tickets", body=TicketCreate,
           response=TicketOut, status=201, etag=True, errors=(409, 413, 415, 422), summary="Open a ticket")
def create_ticket(body: TicketCreate) -> Any:
    ticket = tickets.create_ticket(db_session(), api_actor(), body.customer_id, body.title, body.description,
                                   body.priority, body.tags, body.assignee_id)
    return _ticket(ticket, 201)


def _update(ticket_id: uuid.UUID, version: int | None, changes: dict[str, Any]) -> Any:
    actor = api_actor()
    current = tickets.get_ticket_for(db_session(), actor, ticket_id)
    seen, by_etag = expected_version(current.version, version, "ticket")
    return guarded(by_etag, lambda: tickets.update_ticket(db_session(), actor, ticket_id, seen, changes))


@operation(bp, "PATCH", "/support/tickets/<uuid:ticket_id>", permission="tickets:update", tag="tickets",
           body=TicketPatch, response=TicketOut, etag=True, errors=(404, 409, 412, 413, 415, 422),
           summary="Change status, priority, assignee or tags (optimistic locking)")
def update_ticket(ticket_id: uuid.UUID, body: TicketPatch) -> Any:
    changes = body.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    return _ticket(_update(ticket_id, body.version, changes))


@operation(bp, "POST", "/support/tickets/<uuid:ticket_id>/assign", permission="tickets:assign", tag="tickets",
           body=AssignIn, response=TicketOut, etag=True, errors=(404, 409, 412, 413, 415, 422),
           summary="Assign (or unassign) a ticket")
def assign_ticket(ticket_id: uuid.UUID, body: AssignIn) -> Any:
    current = tickets.get_ticket_for(db_session(), api_actor(), ticket_id)
    version = body.version if body.version is not None else current.version
    assignee = str(body.assignee_id) if body.assignee_id else None
    return _ticket(_update(ticket_id, version, {"assignee_id": assignee}))


@operation(bp, "POST", "/support/tickets/bulk-status", permission="tickets:bulk", tag="tickets", body=BulkStatusIn,
           response=BulkOut, errors=(409, 413, 415, 422), summary="Set the status of many tickets")
def bulk_status(body: BulkStatusIn) -> Any:
    result = tickets_bulk.bulk_update(db_session(), api_actor(), "status", body.status, ids=[str(i) for i in body.ids])
    return respond(BulkOut(selected=result.selected, changed=result.changed, summary=result.summary))


@operation(bp, "GET", "/support/tickets/<uuid:ticket_id>/comments", permission="tickets:read", tag="tickets",
           response=CommentOut, many=True, errors=(404,), summary="Replies and internal notes, oldest first")
def list_comments(ticket_id: uuid.UUID) -> Any:
    detail = tickets_query.get_detail(db_session(), api_actor(), ticket_id)
    items = [CommentOut(id=c.id, ticket_id=c.ticket_id, author_id=c.author_id, author_name=name, body=c.body,
                        internal=c.internal, created_at=c.created_at) for c, name in detail.comments]
    return respond(items, meta={"next_cursor": None, "estimate": len(items)})


@operation(bp, "POST", "/support/tickets/<uuid:ticket_id>/comments", permission="tickets:comment", tag="tickets",
           body=CommentIn, response=CommentOut, status=201, errors=(404, 409, 413, 415, 422),
           summary="Reply to the customer or add an internal note")
def add_comment(ticket_id: uuid.UUID, body: CommentIn) -> Any:
    comment = tickets.add_comment(db_session(), api_actor(), ticket_id, body.body, body.internal)
    return respond(CommentOut(id=comment.id, ticket_id=comment.ticket_id, author_id=comment.author_id,
                              author_name=None, body=comment.body, internal=comment.internal,
                              created_at=comment.created_at), 201)
