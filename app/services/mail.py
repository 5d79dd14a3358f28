"""Email: rendered from templates/email/<name>.txt and .html, sent by a worker over SMTP.

A message is an `email.requested` event in the outbox, written in the transaction that caused it,
so it survives Redis being down or wiped: the relay redelivers it, and its handler
(app/services/handlers/mail.py) sends it. The delivery row commits right after the SMTP server
accepts; a crash in between sends it again with the same Message-ID (derived from the event id)."""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from sqlalchemy.orm import Session

from app.services import jobs

log = logging.getLogger(__name__)
SEND_JOB = "workers.jobs.mail.send_email"
EMAIL_EVENT = "email.requested"


def render_email(template: str, **ctx: Any) -> tuple[str, str]:
    """(plain text, HTML) bodies of templates/email/<template>.txt and .html."""
    return render_template(f"email/{template}.txt", **ctx), render_template(f"email/{template}.html", **ctx)


def queue_email_on_commit(session: Session, to: str, subject: str, template: str,
                          correlation_id: str | None = None, **ctx: Any) -> None:
    """An `email.requested` event in the caller's transaction: sent once it commits, never when it
    rolls back, and not lost when Redis is. A held email names the correlation id of what caused
    it, not of the job that finally sends it."""
    from app.services import events
    from app.services.actor import Actor

    text, html = render_email(template, **ctx)
    actor = Actor.system("mail", correlation_id=correlation_id or jobs.CORRELATION_ID.get())
    events.emit(session, actor, EMAIL_EVENT, "email", uuid.uuid4(),
                {"to": to, "subject": subject, "text": text, "html": html})


def message_id(event_id: object) -> str:
    """The same Message-ID every time one event is sent, so a receiver can drop a redelivered copy."""
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "backoffice"
    return f"<{event_id}@{host}>"


def deliver(to: str, subject: str, text: str, html: str | None = None, correlation_id: str | None = None,
            msg_id: str | None = None) -> None:
    """Send one message now, through SMTP_URL; without one, write it to the log. The correlation id
    of the request that caused it travels in a header, so a bounce can be traced to its cause."""
    msg = EmailMessage()
    if msg_id:
        msg["Message-ID"] = msg_id
    correlation_id = correlation_id or jobs.CORRELATION_ID.get()
    if correlation_id:
        msg["X-Correlation-ID"] = correlation_id
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = " ".join(subject.split())  # a header is one line, whatever the subject held
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
