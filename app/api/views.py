"""/support/views: saved ticket views (app.services.saved_views); use one with /support/tickets?view=<id>."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from app.api import bp
from app.api.endpoint import operation, respond
from app.api.schemas import Input, Output
from app.api.security import api_actor
from app.extensions import db_session
from app.services import roles, saved_views


class ViewOut(Output):
    id: uuid.UUID
    name: str
    query: str = Field(description="The list's parameters, as a query string.")
    role_name: str | None
    position: int
    mine: bool
    count: int | None
    count_exact: bool | None


class ViewIn(Input):
    name: Annotated[str, StringConstraints(min_length=1, max_length=saved_views.NAME_MAX)]
    query: Annotated[str, StringConstraints(max_length=saved_views.QUERY_MAX)] = Field(
        "", description="e.g. status=open&priority=high&q=refund&sort=-updated_at")
    role_name: Annotated[str, StringConstraints(max_length=roles.NAME_MAX)] | None = Field(
        None, description="Share with everyone of this role (needs views:share).")


def _out(row: saved_views.ViewRow) -> ViewOut:
    v = row.view
    return ViewOut(id=v.id, name=v.name, query=v.query, role_name=v.role_name, position=v.position, mine=row.mine,
                   count=row.count.value if row.count else None, count_exact=row.count.exact if row.count else None)


@operation(bp, "GET", "/support/views", permission="tickets:read", tag="views", response=ViewOut, many=True,
           summary="Your saved views, then those shared with your role, with counts (estimates when large)")
def list_views() -> Any:
    rows = saved_views.list_views(db_session(), api_actor())
    return respond([_out(r) for r in rows], meta={"next_cursor": None, "estimate": len(rows)})


@operation(bp, "POST", "/support/views", permission="tickets:read", tag="views", body=ViewIn, response=ViewOut,
           status=201, errors=(403, 409, 413, 415, 422), summary="Save a ticket view")
def create_view(body: ViewIn) -> Any:
    actor = api_actor()
    view = saved_views.save_view(db_session(), actor, body.name, body.query, body.role_name)
    return respond(_out(saved_views.ViewRow(view, saved_views.count_view(db_session(), actor, view), True)), 201)


@operation(bp, "DELETE", "/support/views/<uuid:view_id>", permission="tickets:read", tag="views", status=204,
           errors=(404,), summary="Delete one of your saved views")
def delete_view(view_id: uuid.UUID) -> Any:
    saved_views.delete_view(db_session(), api_actor(), view_id)
    return "", 204
