"""The palette's commands: pages to go to and actions to start, each shown only to who may use it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from app.web.context import current_actor


@dataclass(frozen=True)
class Command:
    group: str  # "Go to" or "Actions"
    label: str
    endpoint: str
    permission: str | None  # None: every signed-in user
    words: str = ""  # other words it answers to

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


COMMANDS = (
    Command("Go to", "Dashboard", "dashboard.index", "dashboard:read", "home"),
    Command("Go to", "Tickets", "tickets.index", "tickets:read", "queue support"),
    Command("Go to", "Customers", "customers.index", "customers:read", "accounts companies"),
    Command("Go to", "Users", "users.index", "users:read", "staff people"),
    Command("Go to", "Roles", "roles.index", "roles:read", "permissions"),
    Command("Go to", "Audit log", "audit.index", "audit:read", "history changes"),
    Command("Go to", "Reports", "reports.index", "analytics:read", "analytics"),
    Command("Go to", "Notifications", "notifications.index", "notifications:read", "bell"),
    Command("Go to", "System", "system.index", "system:manage", "health jobs"),
    Command("Go to", "API documentation", "api_docs.page", "api:docs", "openapi"),
    Command("Go to", "Profile", "auth.profile", None, "account password two-factor"),
    Command("Actions", "New ticket", "tickets.new", "tickets:create", "create open"),
    Command("Actions", "New customer", "customers.new", "customers:create", "create add"),
    Command("Actions", "New user", "users.new", "users:create", "create invite add"),
)
PREFIXES = ("go to ", "goto ", "open ", "> ")


def matching(q: str, limit: int = 6) -> list[Command]:
    """Commands the current user may use whose name or words start with what was typed."""
    actor = current_actor()
    typed = q.strip().lower()
    for prefix in PREFIXES:
        typed = typed.removeprefix(prefix)
    usable = [c for c in COMMANDS if c.permission is None or actor.can(c.permission)]
    if not typed:
        return usable[:limit]
    found = [c for c in usable if any(w.startswith(typed) for w in f"{c.label} {c.words}".lower().split())
             or c.label.lower().startswith(typed) or typed in c.label.lower()]
    return found[:limit]
