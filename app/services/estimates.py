"""The planner's row estimates, kept per process for a few seconds.

An estimate is shown as "about N" and is only ever approximate, so one a few seconds old serves as
well as a fresh one, and asking again costs a round trip and a planning of the query. Exact counts
are never kept: a caller counts whenever the estimate is small enough to count.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence

TTL_SECONDS = 10.0
MAX_KEYS = 1000

_lock = threading.Lock()
_kept: dict[Hashable, tuple[float, int]] = {}


def kept(key: Hashable | None, ttl: float = TTL_SECONDS) -> int | None:
    """The estimate kept for `key` if it is younger than `ttl` (None for no key)."""
    if key is None:
        return None
    with _lock:
        found = _kept.get(key)
    return found[1] if found is not None and time.monotonic() - found[0] < ttl else None


def keep(key: Hashable, value: int) -> None:
    with _lock:
        if len(_kept) >= MAX_KEYS:
            _kept.clear()
        _kept[key] = (time.monotonic(), value)


def estimates(keys: Sequence[Hashable], ask: Callable[[list[int]], list[int]],
              ttl: float = TTL_SECONDS) -> list[int]:
    """The estimate for each key: kept ones younger than `ttl`, the others from `ask(positions)` (one
    call for all that are missing, given their positions in `keys`)."""
    values = [kept(k, ttl) for k in keys]
    missing = [i for i, v in enumerate(values) if v is None]
    if missing:
        for i, value in zip(missing, ask(missing), strict=True):
            keep(keys[i], value)
            values[i] = value
    return [int(v or 0) for v in values]


def forget() -> None:
    with _lock:
        _kept.clear()
