"""The signed-in user of a request, as plain data.

Every page reads who is signed in (the layout, the permission checks, the audit actor), few change
the user. Building an ORM `User` with its role for each request cost more CPU than the query that
reads it, so `current_user` is a `Principal`: a frozen record of what templates and permission
checks read, built from one row. A view that changes the user loads the ORM `User` by id
(`app.web.context.current_user_model`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """The parts of the user's role the request path reads."""

    name: str
    permissions: frozenset[str]
    requires_two_factor: bool


@dataclass(frozen=True, eq=False)
class Principal:
    """A signed-in user, as Flask-Login's `current_user`; read-only."""

    id: uuid.UUID
    email: str
    name: str
    role_name: str
    status: str
    session_version: int
    # The user's extra grants beside their role's.
    permissions: frozenset[str]
    preferences: Mapping[str, Any]
    role: RoleInfo
    # Whether two-factor sign-in is set up (read with the session, for the enrolment check).
    two_factor_enabled: bool
    # The token of the server-side session this request came with.
    current_session_id: str
    # Every grant, and the grants by their source (what `can()` and the explainer read); computed once.
    grants: frozenset[str] = field(init=False)
    sources: Mapping[str, frozenset[str]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "grants", self.role.permissions | self.permissions)
        object.__setattr__(self, "sources", {f"role {self.role.name}": self.role.permissions,
                                             "extra grant": self.permissions})

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.current_session_id

    def __repr__(self) -> str:
        return f"<Principal {self.email}>"
