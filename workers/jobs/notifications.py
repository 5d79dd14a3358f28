"""Notification emails that waited (dedupe window, quiet hours, digests), sent when due."""

from __future__ import annotations

import logging

from app.extensions import db_session
from app.services import notification_mail

log = logging.getLogger(__name__)


def send_notification_emails() -> int:
    """Periodic: every due held or digest email leaves, one message per user; claimed, so a second run
    at the same moment sends nothing twice."""
    sent = notification_mail.send_due(db_session())
    if sent:
        log.info("notification emails sent", extra={"messages": sent})
    return sent
