"""Screen queries for staff users: the list (built for 100,000 rows) and the detail page."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from app import search
from app.models import AuditRecord, Role, User, UserSession
from app.models.user import USER_STATUSES
from app.services import list_counts
from app.services.actor import Actor
from app.services.listing import ListQuery, Page, SortKey, bounded_count, fetch_page, with_count

# Each ends in id; name and role are served by the (…, id) indexes of migration lk7_list_keys.
SORTS = {
    "created_at": SortKey((User.created_at, User.id), (datetime, uuid.UUID)),
    "name": SortKey((User.name, User.id), (str, uuid.UUID)),
    "email": SortKey((func.lower(User.email),), (str,)),  # unique: uq_users_email_lower
    # Never signed in (NULL) sorts last either way; a row comparison cannot step over NULLs.
    "last_login_at": SortKey((User.last_login_at, User.id), (datetime, uuid.UUID), keyset=False, nulls_last=True),
    "role": SortKey((User.role_name, User.id), (str, uuid.UUID)),
}
DEFAULT_SORT = "-created_at"


def role_names(session: Session) -> list[str]:
    return list(session.scalars(select(Role.name).order_by(Role.name)))


def filter_choices(session: Session) -> dict[str, list[str]]:
    return {"role": role_names(session), "status": list(USER_STATUSES)}


def _filtered(q: str, filters: Mapping[str, str]) -> Select[Any]:
    stmt = select(User)
    if q:
        stmt = stmt.where(search.condition("users", q)[0])
    if role := filters.get("role"):
        stmt = stmt.where(User.role_name == role)
    if status := filters.get("status"):
        stmt = stmt.where(User.status == status)
    if after := filters.get("created_after"):
        stmt = stmt.where(User.created_at >= datetime.combine(date.fromisoformat(after), time.min, tzinfo=UTC))
    return stmt


def list_users(session: Session, actor: Actor, query: ListQuery) -> Page[User]:
    """One page of users and a bounded count: never a full COUNT."""
    actor.require("users:read")
    stmt = _filtered(query.q, query.filters)
    page = fetch_page(session, stmt, SORTS[query.sort], query, entity=True)
    page.notes = [note] if query.q and (note := search.condition("users", query.q)[1]) else []
    return with_count(page, query, lambda: bounded_count(session, stmt.with_only_columns(User.id)))


# What a row of the users list shows: plain columns, no ORM objects.
ROW_COLUMNS = (User.id, User.name, User.email, User.role_name, User.status, User.last_login_at, User.created_at)


def list_user_rows(session: Session, actor: Actor, query: ListQuery) -> Page[Row[Any]]:
    """list_users for the screen: the same page, as rows of ROW_COLUMNS (then the sort key)."""
    actor.require("users:read")
    stmt = _filtered(query.q, query.filters)
    kept = None if query.q else ("users", tuple(sorted(query.filters.items())))
    page = list_counts.counted_page(session, stmt.with_only_columns(*ROW_COLUMNS), stmt.with_only_columns(User.id),
                                    SORTS[query.sort], query, kept)
    page.notes = [note] if query.q and (note := search.condition("users", query.q)[1]) else []
    return page


def recent_activity(session: Session, user: User, limit: int = 20) -> list[AuditRecord]:
    """What was done to this user, newest first (ix_audit_log_target)."""
    return list(
        session.scalars(
            select(AuditRecord)
            .where(AuditRecord.target_type == "user", AuditRecord.target_id == str(user.id))
            .order_by(AuditRecord.chain_index.desc())
            .limit(limit)
        )
    )


def recent_sign_ins(session: Session, user: User, limit: int = 10) -> list[UserSession]:
    return list(
        session.scalars(
            select(UserSession).where(UserSession.user_id == user.id)
            .order_by(UserSession.created_at.desc()).limit(limit)
        )
    )

