"""Permission strings, matching, the @require decorator and can().

A permission is `area:action` (e.g. `tickets:assign`). A grant may be exact,
`area:*` (every action in the area), `*` (everything), or resource-scoped,
`area:action:<id>` (that action on that one object only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal, TypeVar, cast

from flask import abort, request
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from app.auth.principal import Principal
from app.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

# The catalog: every area and its actions, for the role editor and validation.
CATALOG: dict[str, tuple[str, ...]] = {
    "dashboard": ("read",),
    "users": ("read", "create", "update", "suspend", "set_role"),
    "roles": ("read", "manage"),
    "customers": ("read", "create", "update", "suspend"),
    "health": ("manage",),  # the customer health weights and bands
    "invoices": ("read", "update"),
    "tickets": ("read", "create", "update", "assign", "comment", "bulk", "export"),
    "macros": ("use", "create", "share"),
    "views": ("share",),
    "sla": ("manage",),
    "audit": ("read", "export"),
    "analytics": ("read",),
    "notifications": ("read",),
    "system": ("manage",),
    "api": ("docs",),
}

DEFAULT_ROLES: dict[str, tuple[str, list[str]]] = {
    "admin": ("Full access to everything.", ["*"]),
    "manager": (
        "Runs the team: tickets, customers, reports; reads users and the audit log.",
        [
            "dashboard:read",
            "users:read",
            "roles:read",
            "customers:*",
            "invoices:*",
            "tickets:*",
            "macros:*",
            "views:share",
            "sla:manage",
            "audit:read",
            "analytics:read",
            "notifications:read",
        ],
    ),
    "agent": (
        "Works the ticket queue and reads customers.",
        [
            "dashboard:read",
            "customers:read",
            "invoices:read",
            "tickets:read",
            "tickets:create",
            "tickets:update",
            "tickets:assign",
            "tickets:comment",
            "tickets:bulk",
            "tickets:export",
            "macros:use",
            "macros:create",
            "notifications:read",
        ],
    ),
    "viewer": (
        "Reads tickets and customers; changes nothing.",
        ["dashboard:read", "customers:read", "invoices:read", "tickets:read", "notifications:read"],
    ),
}


# The URL argument naming the object a permission of that area is about (for resource-scoped grants).
OBJECT_ARGS: dict[str, str] = {"tickets": "ticket_id", "customers": "customer_id", "users": "user_id",
                               "invoices": "invoice_id"}


def scope_misses(grants: Iterable[str], permission: str, view_args: dict[str, Any]) -> bool:
    """True when the URL names an object of the permission's area that the grants do not reach."""
    arg = OBJECT_ARGS.get(permission.split(":", 1)[0])
    if arg is None or arg not in view_args:
        return False
    return not has_permission(grants, permission, str(view_args[arg]))


def is_valid_grant(grant: str) -> bool:
    """A grant the catalog knows: `*`, `area:*`, `area:action` or `area:action:<id>`."""
    if grant == "*":
        return True
    parts = grant.split(":")
    if len(parts) < 2 or parts[0] not in CATALOG:
        return False
    if len(parts) == 2:
        return parts[1] == "*" or parts[1] in CATALOG[parts[0]]
    return len(parts) == 3 and parts[1] in CATALOG[parts[0]] and parts[2] != ""


# How the grant matched: `*`, `area:*`, the permission itself, the permission on the named object, or
# (the route guard's question, `any_object`) the permission on some object.
MatchKind = Literal["everything", "area", "exact", "resource", "some-object"]
NamedMatchKind = Literal["everything", "area", "exact", "resource"]


@dataclass(frozen=True)
class Explanation:
    """Why a permission is allowed or refused: the one answer `can()` and the explainer share."""

    permission: str
    resource: str | None
    allowed: bool
    matched: str | None = None  # the grant that allowed it
    kind: MatchKind | None = None
    source: str | None = None  # where the matched grant comes from (a role, "extra grant")
    # When refused: grants that would allow it, narrowest first.
    nearest: tuple[str, ...] = ()

    @property
    def missing(self) -> str:
        return self.nearest[0] if self.nearest else self.permission


Sources = Mapping[str, Iterable[str]]


def _as_sources(grants: Iterable[str] | Sources) -> Sources:
    return grants if isinstance(grants, Mapping) else {"grants": grants}


def explain(grants: Iterable[str] | Sources, permission: str, resource: str | None = None,
            any_object: bool = False) -> Explanation:
    """Match `permission` (on `resource`) against grants, in order: `*`, `area:*`, exact, scoped.

    `grants` is a set, or a mapping of source name (a role, "extra grant") to grants.
    With `any_object`, a grant scoped to any one object counts (the route guard's question).
    """
    sources = _as_sources(grants)
    area = permission.split(":", 1)[0]
    wanted: list[tuple[str, NamedMatchKind]] = [("*", "everything"), (f"{area}:*", "area"), (permission, "exact")]
    if resource is not None:
        wanted.append((f"{permission}:{resource}", "resource"))
    for grant, kind in wanted:
        for source, held in sources.items():
            if grant in (held if isinstance(held, (set, frozenset)) else frozenset(held)):
                return Explanation(permission, resource, True, grant, kind, source)
    if any_object:
        prefix = permission + ":"
        for source, held in sources.items():
            for grant in sorted(held):
                if grant.startswith(prefix):
                    return Explanation(permission, resource, True, grant, "some-object", source)
    nearest = ([f"{permission}:{resource}"] if resource is not None else []) + [permission, f"{area}:*"]
    return Explanation(permission, resource, False, nearest=tuple(nearest))


def has_permission(grants: Iterable[str], permission: str, resource: str | None = None) -> bool:
    """True when the grants allow `permission` (on `resource`, when one is named)."""
    return explain(grants, permission, resource).allowed


def has_any_scope(grants: Iterable[str], permission: str) -> bool:
    """True when the grants allow `permission` on at least one object."""
    return explain(grants, permission, any_object=True).allowed


def grants_within(granted: Iterable[str], requested: Iterable[str]) -> list[str]:
    """The requested grants that the granter does not hold (for self-escalation checks)."""
    mine = frozenset(granted)
    missing = []
    for grant in requested:
        if "*" in mine or grant in mine:
            continue
        if grant == "*":
            missing.append(grant)
            continue
        parts = grant.split(":")
        if parts[1] == "*":
            if f"{parts[0]}:*" not in mine:
                missing.append(grant)
            continue
        perm = ":".join(parts[:2])
        resource = parts[2] if len(parts) == 3 else None
        if not has_permission(mine, perm, resource):
            missing.append(grant)
    return missing


def user_grants(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if isinstance(user, Principal):
        return user.grants
    return frozenset([*user.role.permissions, *user.permissions])


def user_sources(user: Any) -> Mapping[str, frozenset[str]]:
    """The user's grants by where they come from: their role, then their extra grants."""
    if user is None or not getattr(user, "is_authenticated", True):
        return {}
    if isinstance(user, Principal):
        return user.sources  # computed once, when the session was loaded
    return {f"role {user.role.name}": frozenset(user.role.permissions),
            "extra grant": frozenset(user.permissions)}


def resource_id(resource: object | None) -> str | None:
    return None if resource is None else str(getattr(resource, "id", resource))


def explain_user(user: Any, permission: str, resource: object | None = None,
                 any_object: bool = False) -> Explanation:
    return explain(user_sources(user), permission, resource_id(resource), any_object)


def can(user: Any, permission: str, resource: object | None = None) -> bool:
    return explain_user(user, permission, resource).allowed


class Refused(Forbidden):
    """A 403 that knows which grant was missing, so the error page can name it."""

    def __init__(self, explanation: Explanation) -> None:
        super().__init__()
        self.explanation = explanation


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _guard(permission: str | None, label: str) -> Callable[[F], F]:
    """Anonymous → login (HTML) or 401 (API); lacking `permission` (when one is named) → 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if _wants_json():
                    abort(401)
                return login_manager.unauthorized()
            if permission is not None:
                answer = explain_user(current_user, permission, any_object=True)
                if not answer.allowed:
                    raise Refused(answer)
            return view(*args, **kwargs)

        # A marker the route inventory reads; mypy has no way to declare an attribute on a function.
        wrapped.required_permission = label  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorator


def require(permission: str) -> Callable[[F], F]:
    """Deny unless the signed-in user holds `permission` (on some object, for scoped grants)."""
    return _guard(permission, permission)


def login_only(view: F) -> F:
    """For pages every signed-in user may see (their own profile, notifications)."""
    return _guard(None, "authenticated")(view)


def public(view: F) -> F:
    """Mark a view as open to anonymous users (login, health). Checked by the route inventory."""
    view.required_permission = "public"  # type: ignore[attr-defined]  # the marker, as in _guard
    return view
