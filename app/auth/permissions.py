"""Permission strings, matching, the @require decorator and can().

A permission is `area:action` (e.g. `tickets:assign`). A grant may be exact,
`area:*` (every action in the area), `*` (everything), or resource-scoped,
`area:action:<id>` (that action on that one object only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])

# The catalog: every area and its actions, for the role editor and validation.
CATALOG: dict[str, tuple[str, ...]] = {
    "dashboard": ("read",),
    "users": ("read", "create", "update", "suspend", "set_role"),
    "roles": ("read", "manage"),
    "customers": ("read", "create", "update", "suspend"),
    "invoices": ("read", "update"),
    "tickets": ("read", "create", "update", "assign", "comment", "bulk", "export"),
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


def has_permission(grants: Iterable[str], permission: str, resource: str | None = None) -> bool:
    """True when the grants allow `permission` (on `resource`, when one is named)."""
    granted = grants if isinstance(grants, (set, frozenset)) else frozenset(grants)
    if "*" in granted or permission in granted:
        return True
    area = permission.split(":", 1)[0]
    if f"{area}:*" in granted:
        return True
    return resource is not None and f"{permission}:{resource}" in granted


def has_any_scope(grants: Iterable[str], permission: str) -> bool:
    """True when the grants allow `permission` on at least one object."""
    granted = frozenset(grants)
    if has_permission(granted, permission):
        return True
    prefix = permission + ":"
    return any(g.startswith(prefix) for g in granted)


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
    return frozenset([*user.role.permissions, *user.permissions])


def can(user: Any, permission: str, resource: object | None = None) -> bool:
    res = None if resource is None else str(getattr(resource, "id", resource))
    return has_permission(user_grants(user), permission, res)


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
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if permission is not None and not has_any_scope(user_grants(current_user), permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = label  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def require(permission: str) -> Callable[[F], F]:
    """Deny unless the signed-in user holds `permission` (on some object, for scoped grants)."""
    return _guard(permission, permission)


def login_only(view: F) -> F:
    """For pages every signed-in user may see (their own profile, notifications)."""
    return _guard(None, "authenticated")(view)


def public(view: F) -> F:
    """Mark a view as open to anonymous users (login, health). Checked by the route inventory."""
    view.required_permission = "public"  # type: ignore[attr-defined]
    return view
