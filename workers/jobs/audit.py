"""Audit jobs: the CSV export and the periodic anchor of the chain's head."""

from __future__ import annotations

from rq import get_current_job

from app.extensions import db_session
from app.services import audit, audit_log


def export_audit_csv(job_id: str, filters: dict[str, str]) -> int:
    """Build the CSV of the filtered audit records; progress (rows so far) lives in job.meta."""
    job = get_current_job()

    def progress(rows: int) -> None:
        if job is not None:
            job.meta["rows"] = rows
            job.save_meta()

    return audit_log.build_export(db_session(), job_id, filters, progress)


def anchor_audit_chain() -> int:
    """Periodic: write the chain's head outside the database; returns the anchored index."""
    from flask import current_app

    anchor = audit.write_anchor(db_session(), audit.anchor_file(current_app.config), current_app.config["SECRET_KEY"])
    return anchor.chain_index
