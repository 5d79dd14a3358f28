"""/users: staff accounts, through app.services.users (the same rules as the Users screens)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, StringConstraints

from app.api import bp
from app.api.endpoint import operation, respond
from app.api.paging import list_query, meta
from app.api.schemas import Input, Output, PageQuery, Query, QueryDate
from app.api.security import api_actor
from app.auth.permissions import NamedMatchKind
from app.extensions import db_session
from app.models.user import USER_STATUSES
from app.services import explain as explainer
from app.services import roles, users, users_queries
from app.services.errors import Conflict, Invalid
from app.services.listing import SEARCH_MAX

# Literal of the model's tuple, one source: pydantic reads it at run time, mypy only accepts literals.
UserStatus = Literal[USER_STATUSES]  # type: ignore[valid-type]
# The services' limits (a grant's length and their number are the API's own bounds).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=users.NAME_MAX)]
Grant = Annotated[str, StringConstraints(min_length=1, max_length=100)]
RoleName = Annotated[str, StringConstraints(min_length=1, max_length=roles.NAME_MAX)]


class UserOut(Output):
    id: uuid.UUID
    email: str
    name: str
    role: str = Field(validation_alias="role_name")
    permissions: list[str]
    status: UserStatus
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime


class UserListQuery(PageQuery):
    q: Annotated[str, StringConstraints(max_length=SEARCH_MAX)] = ""
    role: RoleName | None = None
    status: UserStatus | None = None
    created_after: QueryDate | None = None
    sort: Literal["created_at", "-created_at", "name", "-name", "email", "-email", "last_login_at",
                  "-last_login_at", "role", "-role"] = "-created_at"


class UserCreate(Input):
    email: EmailStr = Field(max_length=users.EMAIL_MAX)
    name: Name
    role: RoleName


class UserPatch(Input):
    email: EmailStr | None = Field(None, max_length=users.EMAIL_MAX)
    name: Name | None = None
    role: RoleName | None = None
    permissions: list[Grant] | None = Field(None, max_length=50, description="Extra grants beyond the role.")
    status: Literal["active", "suspended"] | None = None


def _duplicate_as_conflict(exc: Invalid) -> Exception:
    """The seed's contract: an email that is taken is a 409 "already exists", not a form error."""
    taken = [m for m in exc.details.get("email", []) if "already exists" in m]
    return Conflict(taken[0], exc.details) if taken and len(exc.details) == 1 else exc


@operation(bp, "GET", "/users", permission="users:read", tag="users", query=UserListQuery, response=UserOut,
           many=True, summary="List staff users (filters, sorting, cursor pages)")
def list_users(query: UserListQuery) -> Any:
    filters = query.model_dump(include={"role", "status", "created_after"}, exclude_none=True)
    lq = list_query(query, "users", query.sort, users_queries.SORTS[query.sort.lstrip("-")], filters, query.q)
    page = users_queries.list_users(db_session(), api_actor(), lq)
    return respond([UserOut.model_validate(u) for u in page.rows], meta=meta(page, "users", lq))


@operation(bp, "GET", "/users/<uuid:user_id>", permission="users:read", tag="users", response=UserOut,
           errors=(404,), summary="One staff user")
def get_user(user_id: uuid.UUID) -> Any:
    return respond(UserOut.model_validate(users.get_user_for(db_session(), api_actor(), user_id)))


@operation(bp, "POST", "/users", permission="users:create", tag="users", body=UserCreate, response=UserOut,
           status=201, errors=(409, 413, 415, 422), summary="Invite a staff user")
def create_user(body: UserCreate) -> Any:
    try:
        user = users.create_user(db_session(), api_actor(), body.email, body.name, body.role)
    except Invalid as exc:
        raise _duplicate_as_conflict(exc) from exc
    return respond(UserOut.model_validate(user), 201, headers={"Location": f"/api/v1/users/{user.id}"})


@operation(bp, "PATCH", "/users/<uuid:user_id>", permission="users:update", tag="users", body=UserPatch,
           response=UserOut, errors=(404, 409, 413, 415, 422), summary="Change a staff user",
           description="email/name/permissions, role (users:set_role) and status (users:suspend).")
def update_user(user_id: uuid.UUID, body: UserPatch) -> Any:
    actor, session = api_actor(), db_session()
    user = users.get_user_for(session, actor, user_id)
    users.check_may_act_on(actor, user)
    # Refuse up front what the caller may not do, so a 403 never follows a half-applied change.
    if body.role is not None:
        actor.require("users:set_role")
    if body.status is not None:
        actor.require("users:suspend")
    if {"email", "name", "permissions"} & body.model_fields_set:
        try:
            user = users.update_user(session, actor, user_id, body.email or user.email, body.name or user.name,
                                     body.permissions)
        except Invalid as exc:
            raise _duplicate_as_conflict(exc) from exc
    if body.role is not None and body.role != user.role_name:
        user = users.set_role(session, actor, user_id, body.role)
    if body.status is not None and body.status != user.status:
        change = users.suspend_user if body.status == "suspended" else users.reactivate_user
        user = change(session, actor, user_id)
    return respond(UserOut.model_validate(user))


class ExplainQuery(Query):
    permission: Literal[explainer.PERMISSIONS]  # type: ignore[valid-type]  # the catalogue's, as UserStatus
    resource: Annotated[str, StringConstraints(pattern=r"^[^:\x00]{1,100}$")] | None = Field(
        None, description="An object id (a ticket, a customer) for resource-scoped grants.")


class ExplainOut(Output):
    user_id: uuid.UUID
    permission: str
    resource: str | None
    allowed: bool
    matched: str | None = Field(description="The grant that allowed it.")
    kind: NamedMatchKind | None
    source: str | None = Field(description="Where the matched grant comes from: `role <name>` or `extra grant`.")
    nearest: list[str] = Field(description="When refused: grants that would allow it, narrowest first.")
    granting_roles: list[str]
    granters: list[str] = Field(description="Roles whose members may give the missing grant.")


@operation(bp, "GET", "/users/<uuid:user_id>/explain", permission="users:read", tag="users", query=ExplainQuery,
           response=ExplainOut, errors=(404, 422), summary="Why can / can't a user do something",
           description="The answer of the permission check itself: the matched grant, or the nearest one.")
def explain_user(user_id: uuid.UUID, query: ExplainQuery) -> Any:
    answer = explainer.explain_for(db_session(), api_actor(), user_id, query.permission, query.resource)
    e = answer.explanation
    return respond(ExplainOut(user_id=answer.user.id, permission=e.permission, resource=e.resource,
                              allowed=e.allowed, matched=e.matched, source=e.source,
                              kind=None if e.kind == "some-object" else e.kind,  # a named question: never
                              nearest=list(e.nearest), granting_roles=answer.granting_roles,
                              granters=answer.granters))
