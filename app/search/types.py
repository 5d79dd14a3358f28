"""What every backend returns: hits to show, and the error that sends a search to PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

ENTITIES = ("tickets", "customers", "users")
MARK, UNMARK = "\ue000", "\ue001"  # highlight markers: the web layer escapes the text, then marks


@dataclass(frozen=True)
class Hit:
    kind: str  # tickets | customers | users
    id: uuid.UUID
    title: str
    subtitle: str = ""
    snippet: str = ""  # may hold the backend's highlight markers (query.MARK / UNMARK)


class SearchUnavailable(Exception):
    """The search index did not answer in time, refused, or answered something we cannot read."""
