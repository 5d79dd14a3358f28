"""The /audit screen: filtered, keyset-paginated reading of the chain, and the CSV export job."""

from __future__ import annotations

import gzip
import io
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import ColumnElement, Row, func, select
from sqlalchemy.orm import Session

from app import csv_safe
from app.models import AuditRecord, User
from app.services import audit, jobs, list_counts
from app.services.actor import Actor
from app.services.errors import Conflict, NotFound
from app.services.listing import Count, ListQuery, Page, Position, SortKey, fetch_page, with_count
from app.services.uow import transaction

EXPORT_JOB = "workers.jobs.audit.export_audit_csv"
EXPORT_MAX_ROWS = 100_000
EXPORT_TTL = 3600
# Where each target type lives in the UI; others are shown without a link.
# Every audit target type, with the page that shows one (None: it has no page of its own).
TARGET_URLS: dict[str, str | None] = {"user": "/users/{}", "customer": "/customers/{}", "ticket": "/tickets/{}",
                                      "role": None, "invoice": None, "job": None, "audit": None,
                                      "event": None, "health_settings": "/customers/health-settings",
                                      "macro": "/macros/{}", "view": None, "sla": "/sla"}


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> AuditFilters:
        return cls(**{k: str(values.get(k, "") or "")[:100] for k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


def target_url(target_type: str, target_id: str) -> str | None:
    pattern = TARGET_URLS.get(target_type)
    return pattern.format(target_id) if pattern else None


def _day(value: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(value), time.min, tzinfo=UTC)
    except ValueError:
        return None


def _actor_condition(session: Session, actor: str) -> ColumnElement[bool]:
    """An actor is a user id, a user's email (both use the actor index) or a label like `cli`."""
    try:
        return AuditRecord.actor_id == uuid.UUID(actor)
    except ValueError:
        pass
    user_id = session.scalar(select(User.id).where(func.lower(User.email) == actor.strip().lower()))
    return AuditRecord.actor_id == user_id if user_id else AuditRecord.actor_label == actor.strip()


def conditions(session: Session, f: AuditFilters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.actor:
        conds.append(_actor_condition(session, f.actor))
    if f.action:
        action = f.action.strip()
        prefix = action.endswith("*")
        conds.append(AuditRecord.action.startswith(action[:-1]) if prefix else AuditRecord.action == action)
    if f.target_type:
        conds.append(AuditRecord.target_type == f.target_type.strip())
    if f.target_id:
        conds.append(AuditRecord.target_id == f.target_id.strip())
    start, end = _day(f.date_from), _day(f.date_to)
    if start:
        conds.append(AuditRecord.occurred_at >= start)
    if end:
        conds.append(AuditRecord.occurred_at < end + timedelta(days=1))
    return conds


# Newest first; the chain index is unique and every filter index ends in it.
SORT = SortKey((AuditRecord.chain_index,), (int,))


def list_query(f: AuditFilters, before: int | None = None, limit: int = 50) -> ListQuery:
    """The audit screen's query: filters, and the chain index the page starts below."""
    return ListQuery(filters=f.as_dict(), sort="chain_index", descending=True, limit=limit,
                     start=Position(after=(before,)) if before else Position())


# What the screen shows of a record (not the hashes): plain columns, no ORM objects.
# The address as text (host() has no /32), not parsed into an ipaddress object per row.
_C = AuditRecord.__table__.c
ROW_COLUMNS = (_C.chain_index, _C.occurred_at, _C.actor_label, _C.action, _C.target_type, _C.target_id,
               _C.changes, func.host(_C.ip).label("ip"), _C.correlation_id)


def list_record_rows(session: Session, actor: Actor, query: ListQuery) -> Page[Row[Any]]:
    """One page of rows of ROW_COLUMNS, newest first, strictly before the cursor's chain index (keyset),
    and its count. Unfiltered and from the head, the page's first row is the head, so its index is the
    exact count without asking for it."""
    actor.require("audit:read")
    f = AuditFilters.from_mapping(query.filters)
    conds = conditions(session, f)
    rows = select(*ROW_COLUMNS).where(*conds)
    if conds:
        kept = ("audit", tuple(sorted(f.as_dict().items())))
        return list_counts.counted_page(session, rows, select(AuditRecord.chain_index).where(*conds), SORT, query, kept)
    # Unfiltered, the count is exact: the head's index (the chain has no gaps).
    page = fetch_page(session, rows, SORT, query)
    if query.start.after is None and page.rows:
        page.count = Count(page.rows[0].chain_index, exact=True) if query.with_count else None
        return page
    return with_count(page, query, lambda: Count(audit.head(session)[0], exact=True))


# ---- CSV export (an RQ job; the file waits in Redis for an hour) ----

HEADER = ["chain_index", "occurred_at", "actor", "actor_id", "action", "target_type", "target_id", "changes", "ip",
          "user_agent", "correlation_id", "row_hash"]


def csv_lines(session: Session, f: AuditFilters, cap: int = EXPORT_MAX_ROWS) -> Iterator[list[Any]]:
    yield HEADER
    stmt = (
        select(AuditRecord).where(*conditions(session, f)).order_by(AuditRecord.chain_index).limit(cap)
        .execution_options(yield_per=2000)
    )
    for r in session.scalars(stmt):
        yield [r.chain_index, r.occurred_at.isoformat(), r.actor_label, r.actor_id, r.action, r.target_type,
               r.target_id, json.dumps(r.changes, sort_keys=True), r.ip, r.user_agent, r.correlation_id, r.row_hash]


def build_export(session: Session, job_id: str, filters: dict[str, str], progress: Callable[[int], None]) -> int:
    """Write the CSV (gzip) to Redis under the job's key; returns the row count."""
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer)
    count = 0
    for count, line in enumerate(csv_lines(session, AuditFilters.from_mapping(filters))):  # noqa: B007
        writer.writerow(line)
        if count and count % 5000 == 0:
            progress(count)
    jobs.connection().set(_export_key(job_id), gzip.compress(buffer.getvalue().encode()), ex=EXPORT_TTL)
    progress(count)
    return count


def _export_key(job_id: str) -> str:
    return f"backoffice:audit-export:{job_id}"


def start_export(session: Session, actor: Actor, f: AuditFilters) -> str:
    """Exports are recorded in the audit trail themselves: who took a copy, of what."""
    actor.require("audit:export")
    job_id = f"audit-export-{uuid.uuid4().hex}"
    with transaction(session):
        audit.record(session, actor, "audit.exported", "audit", job_id, {"filters": f.as_dict()})
    job = jobs.enqueue(EXPORT_JOB, job_id, f.as_dict(), job_id=job_id, queue_name="low", retries=1,
                       meta={"owner": str(actor.id), "rows": 0})
    if job is None:
        raise Conflict("The export queue is unavailable right now. Try again in a minute.")
    return job_id


@dataclass(frozen=True)
class ExportStatus:
    job_id: str
    state: str  # queued, started, finished, failed
    rows: int

    @property
    def done(self) -> bool:
        return self.state in ("finished", "failed", "stopped", "canceled")


def _owned_job(actor: Actor, job_id: str) -> Job:
    actor.require("audit:export")
    try:
        job = Job.fetch(job_id, connection=jobs.connection())
    except (NoSuchJobError, RedisError) as exc:
        raise NotFound("This export is gone (exports are kept for an hour).") from exc
    if job.meta.get("owner") != str(actor.id) or not job_id.startswith("audit-export-"):
        raise NotFound("This export is gone (exports are kept for an hour).")
    return job


def export_status(actor: Actor, job_id: str) -> ExportStatus:
    job = _owned_job(actor, job_id)
    state = job.get_status(refresh=True)
    return ExportStatus(job_id, str(getattr(state, "value", state) or "queued"), int(job.meta.get("rows", 0)))


def export_file(actor: Actor, job_id: str) -> bytes:
    _owned_job(actor, job_id)
    data = cast(bytes | None, jobs.connection().get(_export_key(job_id)))
    if data is None:
        raise NotFound("This export is not ready, or has expired.")
    return gzip.decompress(data)
