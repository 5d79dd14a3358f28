"""CSV export of a ticket view: an RQ job streams rows with COPY into a temporary file, then stores
it in PostgreSQL (export_parts, 1 MiB parts) so that any web instance can serve the download."""

from __future__ import annotations

import io
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased

from app import csv_safe
from app.models import Customer, Ticket, User
from app.services import jobs
from app.services.actor import Actor
from app.services.errors import DomainError, NotFound
from app.services.tickets_query import TicketFilter, estimate

EXPORT_JOB = "workers.jobs.tickets.export_tickets"
HEADER = ["number", "title", "status", "priority", "customer", "assignee", "tags", "created_at", "updated_at",
          "resolution_due_at", "sla_breached_at"]
BATCH = 5000


class QueueUnavailable(DomainError):
    status = 503
    code = "unavailable"


PART_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ExportStatus:
    id: str
    done: int
    total: int
    state: str  # queued, running, finished, failed

    @property
    def percent(self) -> int:
        if self.state == "finished":
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in ("finished", "failed")


def start_export(session: Session, actor: Actor, tf: TicketFilter) -> ExportStatus:
    actor.require("tickets:export")
    export_id = uuid.uuid4().hex
    total = estimate(session, tf)
    meta = {"owner": str(actor.id), "done": 0, "total": total}
    job = jobs.enqueue(EXPORT_JOB, export_id, str(actor.id), tf.filters, tf.q, queue_name="low",
                       job_id=f"export-{export_id}", retries=0, timeout=3600, meta=meta)
    if job is None:
        raise QueueUnavailable("Exports are unavailable right now (the job queue cannot be reached). Try again "
                               "in a minute.")
    return ExportStatus(export_id, 0, total, "queued")


def _job_for(actor: Actor, export_id: str) -> Job:
    """The export job, only for its owner (anyone else gets 404, as for an unknown id)."""
    if not export_id.isalnum() or len(export_id) != 32:
        raise NotFound("There is no such export.")
    try:
        job = Job.fetch(f"export-{export_id}", connection=jobs.connection())
    except NoSuchJobError:
        raise NotFound("There is no such export.") from None
    if job.meta.get("owner") != str(actor.id):
        raise NotFound("There is no such export.")
    return job


def export_status(actor: Actor, export_id: str) -> ExportStatus:
    actor.require("tickets:export")
    job = _job_for(actor, export_id)
    raw = job.get_status(refresh=True)
    state = {"finished": "finished", "failed": "failed", "started": "running"}.get(str(getattr(raw, "value", raw)),
                                                                                 "queued")
    return ExportStatus(export_id, int(job.meta.get("done", 0)), int(job.meta.get("total", 0)), state)


def export_file(session: Session, actor: Actor, export_id: str) -> Iterator[bytes]:
    """The finished CSV, part by part (each its own small query: memory stays flat)."""
    actor.require("tickets:export")
    _job_for(actor, export_id)
    count = session.scalar(text("SELECT count(*) FROM export_parts WHERE export_id = :e"), {"e": export_id})
    if not count:
        raise NotFound("The export is not ready.")

    def parts() -> Iterator[bytes]:
        for seq in range(int(count)):
            yield bytes(session.scalar(text("SELECT data FROM export_parts WHERE export_id = :e AND seq = :s"),
                                       {"e": export_id, "s": seq}))
        session.rollback()

    return parts()


def _export_select(tf: TicketFilter) -> Any:
    assignee = aliased(User)
    conds, _ = tf.conditions()
    return (
        select(Ticket.number, Ticket.title, Ticket.status, Ticket.priority, Customer.company_name, assignee.name,
               func.array_to_string(Ticket.tags, " "), Ticket.created_at, Ticket.updated_at,
               Ticket.resolution_due_at, Ticket.sla_breached_at)
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
        .where(*conds)
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    )


def write_csv(session: Session, export_id: str, tf: TicketFilter, progress: Callable[[int], Any]) -> int:
    """Stream every matching row to the file through a server-side cursor and the one CSV writer
    (every cell neutralised against formula injection), so memory stays flat whatever the row count."""
    conn = session.connection()
    compiled = _export_select(tf).compile(conn, compile_kwargs={"render_postcompile": True})
    done = 0
    raw = conn.connection.driver_connection
    if raw is None:  # typed optional for a pool entry already closed; a checked-out one has its driver
        raise RuntimeError("the export connection has no database driver connection")
    with tempfile.TemporaryFile() as fh:
        text_out = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        with raw.cursor(name=f"export_{export_id[:16]}") as cur:
            out = csv_safe.writer(text_out)
            out.writerow(HEADER)
            cur.itersize = BATCH
            cur.execute(compiled.string, compiled.params)
            while rows := cur.fetchmany(BATCH):
                out.writerows(rows)
                done += len(rows)
                progress(done)
        text_out.flush()
        fh.seek(0)
        session.execute(text("DELETE FROM export_parts WHERE export_id = :e"), {"e": export_id})
        seq = 0
        while part := fh.read(PART_BYTES):
            session.execute(text("INSERT INTO export_parts (export_id, seq, data) VALUES (:e, :s, :d)"),
                            {"e": export_id, "s": seq, "d": part})
            seq += 1
        session.commit()
        text_out.detach()
    if done == 0:
        progress(0)
    return done
