"""Screen queries for staff users: the list (built for 100,000 rows) and the detail page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, func, literal, select, text
from sqlalchemy.orm import Session

from app.models import AuditRecord, Role, User, UserSession
from app.models.user import USER_STATUSES
from app.services.actor import Actor

SORTS = {
    "created_at": User.created_at,
    "name": User.name,
    "email": func.lower(User.email),  # served by uq_users_email_lower
    "last_login_at": User.last_login_at,
    "role": User.role_name,  # served by ix_users_role_name
}
DEFAULT_SORT = "-created_at"
COUNT_CAP = 1000


def role_names(session: Session) -> list[str]:
    return list(session.scalars(select(Role.name).order_by(Role.name)))


def filter_choices(session: Session) -> dict[str, list[str]]:
    return {"role": role_names(session), "status": list(USER_STATUSES)}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(q: str, filters: Mapping[str, str]) -> Select[Any]:
    stmt = select(User)
    if q:
        # The same expression as the pg_trgm GIN index ix_users_search_trgm (migration 0001).
        haystack = func.lower(User.name) + literal(" ") + func.lower(User.email)
        stmt = stmt.where(haystack.like(f"%{_escape_like(q.lower())}%", escape="\\"))
    if role := filters.get("role"):
        stmt = stmt.where(User.role_name == role)
    if status := filters.get("status"):
        stmt = stmt.where(User.status == status)
    if after := filters.get("created_after"):
        stmt = stmt.where(User.created_at >= datetime.combine(date.fromisoformat(after), time.min, tzinfo=UTC))
    return stmt


def list_users(
    session: Session, actor: Actor, q: str, filters: Mapping[str, str], sort: str, descending: bool,
    offset: int, limit: int,
) -> tuple[list[User], int]:
    """`limit` rows from `offset`, and a total capped at COUNT_CAP + 1: never a full COUNT."""
    actor.require("users:read")
    column = SORTS[sort]
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    tiebreak = User.id.desc() if descending else User.id.asc()
    stmt = _filtered(q, filters).order_by(order, tiebreak).offset(offset).limit(limit)
    rows = list(session.scalars(stmt))
    capped = _filtered(q, filters).with_only_columns(User.id).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return rows, total if total <= COUNT_CAP else max(_planner_estimate(session, _filtered(q, filters)), total)


def _planner_estimate(session: Session, stmt: Select[Any]) -> int:
    """PostgreSQL's own row estimate for a query: "about N" without counting N rows."""
    compiled = stmt.with_only_columns(User.id).compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar()  # noqa: S608 - our own SQL
    return int(plan[0]["Plan"]["Plan Rows"])


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

