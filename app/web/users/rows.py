"""The users list's rows as the table prints them, computed once per row in Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BADGES = {"active": "success", "invited": "info", "suspended": "secondary"}


@dataclass(frozen=True, slots=True)
class UserRow:
    id: str
    href: str
    name: str
    email: str
    role_name: str
    status: str
    badge: str
    last_login: str
    created: str


def user_row(row: Any, base: str) -> UserRow:
    uid = str(row.id)
    return UserRow(
        id=uid,
        href=f"{base}/{uid}",
        name=row.name,
        email=row.email,
        role_name=row.role_name,
        status=row.status,
        badge=BADGES.get(row.status, "light"),
        last_login=row.last_login_at.strftime("%Y-%m-%d %H:%M") if row.last_login_at else "—",
        created=row.created_at.strftime("%Y-%m-%d"),
    )
