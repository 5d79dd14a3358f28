"""bounded_count for the customers, users and audit lists, with a large estimate kept a few seconds.

When the planner expects more rows than a bounded count would ever count, the list shows "about N"
from the estimate alone; asking for it costs a round trip and a planning of the query (an EXPLAIN) on
every page view. Such an estimate is kept per process for TTL_SECONDS, by the list and its filters.
Small estimates are never kept: those lists are counted, exactly up to the cap, on every view.
Searches are not kept either (their matches are many different texts, each asked once or twice).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from app.services import listing
from app.services.listing import Count

TTL_SECONDS = 10.0
MAX_KEYS = 1000

_lock = threading.Lock()
_kept: dict[Hashable, tuple[float, int]] = {}


def bounded_count(session: Session, stmt: Select[Any], key: Hashable | None) -> Count:
    """listing.bounded_count(session, stmt), reusing a kept large estimate for `key` (None: keep nothing)."""
    now = time.monotonic()
    if key is not None:
        with _lock:
            kept = _kept.get(key)
        if kept is not None and now - kept[0] < TTL_SECONDS:
            return Count(kept[1], exact=False)
    count = listing.bounded_count(session, stmt)
    if key is not None and not count.exact and count.value > listing.COUNT_CAP * listing.PLANNER_SLACK:
        with _lock:
            if len(_kept) >= MAX_KEYS:
                _kept.clear()
            _kept[key] = (now, count.value)
    return count


def forget() -> None:
    with _lock:
        _kept.clear()
