from __future__ import annotations

from app.services import mail


def send_email(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Deliver one email; RQ retries on SMTP failure."""
    mail.deliver(to, subject, text, html)
