"""Small display helpers every template may use: ages and honest counts."""

from __future__ import annotations

from datetime import datetime

from app.models.base import utcnow
from app.services import sla
from app.services.listing import Count


def age(when: datetime | None, now: datetime) -> str:
    """How long ago, in the largest whole unit: "now", "5m", "3h", "2d", "6w", "1y"."""
    if when is None:
        return "—"
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


def count_label(count: Count) -> str:
    """An exact count as it is; an estimate marked and rounded to the thousand ("~251k") or, from a
    million, to a tenth of a million ("~1.3M")."""
    if count.exact:
        return f"{count.value:,}"
    value = count.value
    thousands = round(value, -3) // 1000
    if thousands >= 1000:
        return f"~{value / 1_000_000:.1f}M".replace(".0M", "M")
    return f"~{thousands:,}k" if thousands else f"~{value}"


def sla_due(iso: str | None) -> str:
    """A cached due time (ISO text) as "due in 2 h" / "breached 3 h ago"; "no SLA" without one."""
    if not iso:
        return "no SLA"
    return sla.describe("open", datetime.fromisoformat(iso), None, utcnow())
