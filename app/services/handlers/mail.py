"""Email requests from the outbox: the one place a message leaves for the SMTP server."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import OutboxEvent
from app.services import mail


def deliver(session: Session, evt: OutboxEvent) -> None:
    """Send it now; the delivery row commits right after the server accepts it."""
    data = evt.data
    mail.deliver(data["to"], data["subject"], data["text"], data.get("html"), evt.correlation_id,
                 msg_id=mail.message_id(evt.id))
