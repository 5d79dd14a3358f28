"""@mentions in internal notes: found when the note is written, shown highlighted, and notified.

`@Ann Smith` (a full name, up to four words) or `@ann.smith` (the part of an email address before
the @) names an active staff member. Only someone who may open the ticket counts as mentioned: a
note never tells anyone about a ticket they cannot read.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.auth.permissions import can
from app.models import Ticket, User

MAX_WORDS = 4
MAX_MENTIONS = 20
# "@" not inside a word or an email address, then up to four words.
MENTION_RE = re.compile(r"(?<![\w@.+-])@(\w[\w.+'-]*(?: \w[\w.'-]*){0," + str(MAX_WORDS - 1) + "})")
TRAILING = ".,;:!?'"


def _prefixes(words: str) -> list[str]:
    """The candidate names a mention may end with, longest first: "Ann Smith thanks" → ..., "Ann"."""
    parts = words.split(" ")
    return [" ".join(parts[:k]).rstrip(TRAILING) for k in range(len(parts), 0, -1)]


def find(session: Session, body: str, ticket: Ticket) -> list[dict[str, Any]]:
    """The mentions in a note, each {"id", "name", "start", "end"} (offsets of the "@…" text), for active
    users who may read `ticket`. A name two people share matches nobody."""
    matches = list(MENTION_RE.finditer(body))[:MAX_MENTIONS]
    wanted = {p.lower() for m in matches for p in _prefixes(m.group(1)) if p}
    if not wanted:
        return []
    local_part = func.lower(func.split_part(User.email, "@", 1))
    users = session.scalars(select(User).where(
        User.status == "active", or_(func.lower(User.name).in_(wanted), local_part.in_(wanted)))).all()
    by_key: dict[str, set[User]] = {}
    for user in users:
        for key in {user.name.lower(), user.email.split("@", 1)[0].lower()}:
            by_key.setdefault(key, set()).add(user)
    found: list[dict[str, Any]] = []
    for m in matches:
        for prefix in _prefixes(m.group(1)):
            who = by_key.get(prefix.lower(), set())
            if len(who) == 1:
                user = next(iter(who))
                if can(user, "tickets:read", ticket):
                    found.append({"id": str(user.id), "name": user.name, "start": m.start(),
                                  "end": m.start() + 1 + len(prefix)})
                break
            if who:
                break  # ambiguous: nobody
    return found


def render(body: str, mentions: list[dict[str, Any]] | None) -> Markup:
    """The note's text, escaped, with each mention shown as the person's highlighted name."""
    out: list[str] = []
    pos = 0
    for mention in sorted(mentions or [], key=lambda m: int(m["start"])):
        start, end = int(mention["start"]), int(mention["end"])
        if start < pos or end > len(body):
            continue  # never trust offsets that do not fit the text
        out.append(str(escape(body[pos:start])))
        out.append(f'<mark class="mention" data-testid="mention">@{escape(mention["name"])}</mark>')
        pos = end
    out.append(str(escape(body[pos:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped
