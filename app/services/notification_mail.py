"""Notification emails that wait: folded for dedupe, held through quiet hours, gathered into digests.

`hold` stores one (or folds it into a waiting one about the same ticket); the scheduled job calls
`send_due`, which claims a user's due emails with a conditional UPDATE (running it twice sends
nothing twice) and sends them through `notifications.send` as one message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import NotificationEmail, User
from app.models.base import utcnow
from app.services import jobs
from app.services import notification_settings as ns
from app.services.uow import transaction

# Ten updates to one ticket within this window are one notification (and one email).
DEDUPE_WINDOW = timedelta(minutes=5)
BATCH = 200


@dataclass(frozen=True)
class Item:
    """What one notification says, as the email path needs it."""

    kind: str
    message: str
    link: str | None = None
    group_key: str | None = None  # e.g. "ticket:<id>": what repeated notifications fold into
    group_label: str | None = None  # e.g. "#123 Printer on fire"
    urgency: tuple[str, ...] = ()  # notification_settings.URGENT keys


def folded_message(count: int, item: Item) -> str:
    """What a notification that stands for several says: "10 updates to #123 Printer on fire"."""
    return item.message if count <= 1 else f"{count} updates to {item.group_label or 'the same item'}"


def due_at(settings: ns.Settings, mode: str, item: Item, now: datetime) -> datetime:
    """When an email may leave: after the dedupe window (folded ones) or at the next digest, and never
    inside the user's quiet hours unless the notification is urgent and the user lets it through."""
    if mode == "now":
        due = now + DEDUPE_WINDOW if item.group_key else now
    else:
        due = ns.digest_due(settings, mode, now)
    return ns.quiet_until(settings, due, item.urgency) or due


def hold(session: Session, user: User, item: Item, mode: str, now: datetime) -> NotificationEmail:
    """Keep the email for later, inside the caller's transaction; one about a ticket that already waits
    for this user (same kind and delivery) folds into it and raises its count."""
    if item.group_key:
        waiting = session.scalar(
            select(NotificationEmail)
            .where(NotificationEmail.user_id == user.id, NotificationEmail.kind == item.kind,
                   NotificationEmail.group_key == item.group_key, NotificationEmail.mode == mode,
                   NotificationEmail.sent_at.is_(None))
            .order_by(NotificationEmail.first_at.desc())
            .limit(1)
            .with_for_update()
        )
        if waiting is not None:
            waiting.count += 1
            waiting.message = folded_message(waiting.count, item)
            waiting.link = item.link or waiting.link
            waiting.last_at = now
            return waiting
    row = NotificationEmail(
        id=uuid.uuid4(), user_id=user.id, kind=item.kind, mode=mode, message=item.message[:2000], link=item.link,
        group_key=item.group_key, group_label=(item.group_label or "")[:600] or None, count=1, first_at=now,
        last_at=now, due_at=due_at(ns.settings_of(user), mode, item, now), correlation_id=jobs.CORRELATION_ID.get(),
    )
    session.add(row)
    return row


@dataclass
class DigestGroup:
    """One heading of a digest: a ticket (its kinds below it) or, for the rest, a kind."""

    title: str
    url: str | None
    lines: list[DigestLine] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)


@dataclass(frozen=True)
class DigestLine:
    label: str
    message: str
    count: int
    at: str  # local time of the latest, "Tue 14:05"


def digest_groups(rows: list[NotificationEmail], settings: ns.Settings,
                  url: Callable[[str], str]) -> list[DigestGroup]:
    """Rows grouped by ticket (or by kind when about no ticket), in the order things happened."""
    groups: dict[str, DigestGroup] = {}
    for row in sorted(rows, key=lambda r: r.first_at):
        label = ns.kind_of(row.kind).label
        key = row.group_key or f"kind:{row.kind}"
        link = url(row.link) if row.link and row.link.startswith("/") else None
        group = groups.setdefault(key, DigestGroup(row.group_label or label, link))
        at = row.last_at.astimezone(settings.zone).strftime("%a %H:%M")
        group.lines.append(DigestLine(label, row.message, row.count, at))
    return list(groups.values())


def claim_due(session: Session, user_id: uuid.UUID, now: datetime) -> list[NotificationEmail]:
    """Mark this user's due emails sent and return them; another run finds them taken."""
    return list(session.scalars(
        update(NotificationEmail)
        .where(NotificationEmail.user_id == user_id, NotificationEmail.sent_at.is_(None),
               NotificationEmail.due_at <= now)
        .values(sent_at=now)
        .returning(NotificationEmail)
        .execution_options(synchronize_session=False)
    ).all())


def users_with_due(session: Session, now: datetime, limit: int = BATCH) -> list[uuid.UUID]:
    return list(session.scalars(
        select(NotificationEmail.user_id)
        .where(NotificationEmail.sent_at.is_(None), NotificationEmail.due_at <= now)
        .group_by(NotificationEmail.user_id)
        .limit(limit)
    ).all())


def send_due(session: Session, now: datetime | None = None) -> int:
    """Periodic: every user's due emails leave as one message each (a digest when several). Returns the
    number of messages queued."""
    from app.services import notifications  # notifications imports this module

    now = now or utcnow()
    sent = 0
    for user_id in users_with_due(session, now):
        with transaction(session):
            rows = claim_due(session, user_id, now)
            user = session.get(User, user_id)
            if user is None or user.status != "active":
                continue
            # A kind switched off since the email was held is not sent after all.
            rows = [r for r in rows if ns.preference(user, r.kind)[1] != "off"]
            if rows:
                notifications.send_held(session, user, rows, ns.settings_of(user))
                sent += 1
    return sent
