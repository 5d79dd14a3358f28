"""/support/macros: the macros a user may apply, and applying one to a ticket (app.services.macros*)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from app.api import bp
from app.api.endpoint import operation, respond
from app.api.schemas import Input, Output, Query
from app.api.security import api_actor
from app.api.tickets import TicketOut, _ticket
from app.extensions import db_session
from app.services import macros, macros_apply


class MacroOut(Output):
    id: uuid.UUID
    name: str
    body: str
    internal: bool
    shared: bool
    actions: dict[str, Any]
    updated_at: datetime


class MacroListQuery(Query):
    q: Annotated[str, StringConstraints(max_length=macros.NAME_MAX)] = ""


class ApplyIn(Input):
    version: int | None = Field(None, description="The ticket version you saw; needed when the macro changes fields.")


@operation(bp, "GET", "/support/macros", permission="macros:use", tag="macros", query=MacroListQuery,
           response=MacroOut, many=True, summary="Shared macros and your own, by name")
def list_macros(query: MacroListQuery) -> Any:
    found = macros.list_macros(db_session(), api_actor(), query.q)
    return respond([MacroOut.model_validate(m) for m in found], meta={"next_cursor": None, "estimate": len(found)})


@operation(bp, "POST", "/support/tickets/<uuid:ticket_id>/macros/<uuid:macro_id>/apply", permission="macros:use",
           tag="macros", body=ApplyIn, response=TicketOut, etag=True, errors=(404, 409, 413, 415, 422),
           summary="Apply a macro: its reply and field changes, in one change")
def apply_macro(ticket_id: uuid.UUID, macro_id: uuid.UUID, body: ApplyIn) -> Any:
    return _ticket(macros_apply.apply_macro(db_session(), api_actor(), ticket_id, macro_id, body.version))
