"""/support/tickets/<id>/merge and /links: merging and related tickets (app.services.tickets_merge)."""

from __future__ import annotations

import uuid
from typing import Any

from app.api import bp
from app.api.endpoint import operation, respond
from app.api.schemas import Input, Output
from app.api.security import api_actor
from app.api.tickets import TicketOut, _ticket
from app.extensions import db_session
from app.services import tickets, tickets_merge


class MergeIn(Input):
    source_id: uuid.UUID


class LinkIn(Input):
    other_id: uuid.UUID


class RelatedOut(Output):
    id: uuid.UUID
    number: int
    title: str
    status: str


class LinksOut(Output):
    merged_into_id: uuid.UUID | None
    linked: list[RelatedOut]
    merged: list[RelatedOut]


def _links(ticket_id: uuid.UUID) -> Any:
    actor = api_actor()
    ticket = tickets.get_ticket_for(db_session(), actor, ticket_id)
    rel = tickets_merge.related(db_session(), actor, ticket)
    return respond(LinksOut(merged_into_id=ticket.merged_into_id,
                            linked=[RelatedOut.model_validate(r) for r in rel["linked"]],
                            merged=[RelatedOut.model_validate(r) for r in rel["merged"]]))


@operation(bp, "POST", "/support/tickets/<uuid:ticket_id>/merge", permission="tickets:update", tag="tickets",
           body=MergeIn, response=TicketOut, etag=True, errors=(404, 409, 413, 415, 422),
           summary="Merge the source ticket into this one (its conversation moves here; it closes)")
def merge_ticket(ticket_id: uuid.UUID, body: MergeIn) -> Any:
    return _ticket(tickets_merge.merge_tickets(db_session(), api_actor(), ticket_id, body.source_id))


@operation(bp, "GET", "/support/tickets/<uuid:ticket_id>/links", permission="tickets:read", tag="tickets",
           response=LinksOut, errors=(404,), summary="Related tickets, tickets merged into this one, and where it went")
def get_links(ticket_id: uuid.UUID) -> Any:
    return _links(ticket_id)


@operation(bp, "POST", "/support/tickets/<uuid:ticket_id>/links", permission="tickets:update", tag="tickets",
           body=LinkIn, response=LinksOut, errors=(404, 409, 413, 415, 422), summary="Relate two tickets (both ways)")
def add_link(ticket_id: uuid.UUID, body: LinkIn) -> Any:
    tickets_merge.link_tickets(db_session(), api_actor(), ticket_id, body.other_id)
    return _links(ticket_id)


@operation(bp, "DELETE", "/support/tickets/<uuid:ticket_id>/links/<uuid:other_id>", permission="tickets:update",
           tag="tickets", response=LinksOut, errors=(404, 409, 422), summary="Unrelate two tickets")
def remove_link(ticket_id: uuid.UUID, other_id: uuid.UUID) -> Any:
    tickets_merge.link_tickets(db_session(), api_actor(), ticket_id, other_id, unlink=True)
    return _links(ticket_id)
