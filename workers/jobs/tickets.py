"""Ticket jobs: the SLA breach sweep (periodic) and CSV exports."""

from __future__ import annotations

from rq import get_current_job

from app.extensions import db_session
from app.services import sla, tickets_export
from app.services.ids import parse_uuid
from app.services.tickets_query import TicketFilter


def mark_sla_breaches() -> int:
    """Periodic: mark open tickets past their resolution target; each breach once."""
    return sla.mark_breaches(db_session())


def export_tickets(export_id: str, owner_id: str, filters: dict[str, str], q: str) -> int:
    job = get_current_job()
    tf = TicketFilter(dict(filters), q, parse_uuid(owner_id))

    def progress(done: int) -> None:
        if job is not None:
            job.meta["done"] = done
            job.save_meta()

    return tickets_export.write_csv(db_session(), export_id, tf, progress)
