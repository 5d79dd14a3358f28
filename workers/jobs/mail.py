from __future__ import annotations

from rq import get_current_job

from app.services import mail


def send_email(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Deliver one email; RQ retries on SMTP failure."""
    job = get_current_job()
    mail.deliver(to, subject, text, html, job.meta.get("correlation_id") if job is not None else None)
