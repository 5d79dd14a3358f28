"""How fresh a value is: when it was computed, whether it came from the cache, and a cheap ETag.

A widget's ETag is a digest of its data, taken once when the value is computed (and stored with it
in the cache), so answering "has it changed?" never renders and, on a cache hit, never queries.
It is weak: two answers with equal data are equivalent even though their "as of" times differ.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def digest(data: Any) -> str:
    """A short, stable digest of JSON-like data (keys sorted; dates and decimals as text)."""
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def weak_etag(*parts: str) -> str:
    return 'W/"' + "-".join(parts) + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of an If-None-Match list (or `*`) with our ETag."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


@dataclass(frozen=True)
class Stamp:
    """When a value was computed (epoch seconds), whether this answer came from the shared cache,
    and for how long a cached value is served."""

    at: float
    cached: bool
    max_age: float

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)

    def text(self) -> str:
        """'as of 12:00:01 UTC, cached (recomputed at most every 10 s)' — plain ASCII, also sent as a header."""
        when = f"as of {self.time.strftime('%H:%M:%S')} UTC"
        if self.cached:
            return f"{when}, cached (recomputed at most every {self.max_age:g} s)"
        return f"{when}, just computed"
