"""Email: rendered from templates/email/<name>.txt and .html, sent by a worker job over SMTP."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from sqlalchemy.orm import Session

from app.services import jobs

log = logging.getLogger(__name__)
SEND_JOB = "workers.jobs.mail.send_email"


def render_email(template: str, **ctx: Any) -> tuple[str, str]:
    """(plain text, HTML) bodies of templates/email/<template>.txt and .html."""
    return render_template(f"email/{template}.txt", **ctx), render_template(f"email/{template}.html", **ctx)


def queue_email(to: str, subject: str, template: str, **ctx: Any) -> None:
    """Render now (we have the context), send from a worker (SMTP is slow and fails)."""
    text, html = render_email(template, **ctx)
    jobs.enqueue(SEND_JOB, to, subject, text, html, queue_name="default", retries=5)


def queue_email_on_commit(session: Session, to: str, subject: str, template: str,
                          correlation_id: str | None = None, **ctx: Any) -> None:
    """queue_email once the caller's transaction commits: a rolled-back change sends nothing. A held
    email names the correlation id of what caused it, not of the job that finally sends it."""
    text, html = render_email(template, **ctx)
    meta = {"correlation_id": correlation_id} if correlation_id else None
    jobs.after_commit(
        session, lambda: jobs.enqueue(SEND_JOB, to, subject, text, html, queue_name="default", retries=5, meta=meta)
    )


def deliver(to: str, subject: str, text: str, html: str | None = None, correlation_id: str | None = None) -> None:
    """Send one message now, through SMTP_URL; without one, write it to the log. The correlation id
    of the request that caused it travels in a header, so a bounce can be traced to its cause."""
    msg = EmailMessage()
    if correlation_id:
        msg["X-Correlation-ID"] = correlation_id
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = " ".join(subject.split())  # a header is one line, whatever the subject held
    correlation_id = correlation_id or jobs.CORRELATION_ID.get()
    if correlation_id and "X-Correlation-ID" not in msg:
        msg["X-Correlation-ID"] = correlation_id
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    url = current_app.config["SMTP_URL"]
    if not url:
        log.info("email (no SMTP_URL set)", extra={"to": to, "subject": subject, "body": text})
        return
    parts = urlsplit(url)
    smtp_cls = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_cls(parts.hostname or "localhost", parts.port or 25, timeout=10) as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(msg)
