"""The customer health score as pure functions: inputs and weights in, a 0–100 score out.

Four components, each 0–100 (higher is healthier), combined by weights an admin tunes
(health_settings; defaults revenue 30, support 25, SLA 25, satisfaction 20):

- revenue: the trend of monthly recurring revenue (MRR) — paid recurring invoices issued in the
  last 90 days against the 90 days before, per month. Growing ≥ 10 % scores 100, flat 80, half
  30, none 0 (linear in between); new revenue (nothing before) 100. No recurring revenue in
  either window: skipped (nothing to judge).
- support: open tickets (0 → 100, OPEN_TICKETS_ZERO or more → 0), the reopen rate and the urgent
  share of the tickets opened in the last 90 days (each 0 % → 100, ≥ 50 % → 0); weighted 50/25/25.
- sla: resolution-target breaches in the last 90 days, 20 points off per breach (5 or more → 0).
- satisfaction: the mean CSAT rating (1–5 → 0–100) over the last 90 days. There are no CSAT
  ratings yet, so it is skipped: a skipped component's weight is shared out among the others
  (the score is the weighted mean of the components that have data), never counted as 0 or 100.

Bands: score ≥ healthy_min (70) healthy, ≥ at_risk_below (40) watch, else at risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

WINDOW_DAYS = 90
OPEN_TICKETS_ZERO = 10  # this many open tickets or more: the open-tickets part scores 0
SHARE_ZERO = 0.5  # a reopen rate or urgent share of 50 % or more scores 0
BREACH_POINTS = 20
# (ratio of recent to earlier MRR, score), linear between the points.
TREND_POINTS: tuple[tuple[float, float], ...] = ((0.0, 0.0), (0.5, 30.0), (1.0, 80.0), (1.1, 100.0))
COMPONENTS = ("revenue", "support", "sla", "satisfaction")
LABELS = {"revenue": "Revenue", "support": "Support load", "sla": "SLA", "satisfaction": "Satisfaction"}


@dataclass(frozen=True)
class Weights:
    revenue: int = 30
    support: int = 25
    sla: int = 25
    satisfaction: int = 20
    healthy_min: int = 70
    at_risk_below: int = 40

    def of(self, name: str) -> int:
        return int(getattr(self, name))


@dataclass(frozen=True)
class Inputs:
    """What one customer's score is computed from (gathered by app.services.health)."""

    mrr: Decimal = Decimal(0)  # the latest paid recurring invoice
    recent_revenue: Decimal = Decimal(0)  # paid recurring, issued in the last 90 days
    earlier_revenue: Decimal = Decimal(0)  # paid recurring, issued 90–180 days ago
    open_tickets: int = 0
    recent_tickets: int = 0  # opened in the last 90 days
    reopened: int = 0  # of those, reopened at least once
    urgent: int = 0  # of those, urgent
    breaches: int = 0  # resolution-target breaches in the last 90 days
    csat: Sequence[int] = field(default_factory=tuple)  # ratings 1–5 (none exist yet)


@dataclass(frozen=True)
class Component:
    name: str
    value: int | None  # None: no data, skipped
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "why": self.why}


def _clamp(value: float) -> int:
    return int(round(min(100.0, max(0.0, value))))


def _interpolate(x: float, points: Sequence[tuple[float, float]]) -> float:
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def revenue(inputs: Inputs) -> Component:
    recent, earlier = inputs.recent_revenue, inputs.earlier_revenue
    if recent <= 0 and earlier <= 0:
        return Component("revenue", None, "No recurring revenue in the last 180 days: not counted.")
    per_month = f"{_money(recent / 3)} a month over the last 90 days"
    if earlier <= 0:
        return Component("revenue", 100, f"New recurring revenue: {per_month}.")
    ratio = float(recent / earlier)
    change = f"{(ratio - 1) * 100:+.0f} %"
    return Component("revenue", _clamp(_interpolate(ratio, TREND_POINTS)),
                     f"MRR {_money(inputs.mrr)}; {per_month}, {change} against the 90 days before.")


def _share_score(part: int, whole: int) -> float:
    return 100.0 if not whole else 100.0 * (1 - min(1.0, part / whole / SHARE_ZERO))


def support(inputs: Inputs) -> Component:
    open_part = 100.0 * (1 - min(1.0, inputs.open_tickets / OPEN_TICKETS_ZERO))
    reopen_part = _share_score(inputs.reopened, inputs.recent_tickets)
    urgent_part = _share_score(inputs.urgent, inputs.recent_tickets)
    value = _clamp(0.5 * open_part + 0.25 * reopen_part + 0.25 * urgent_part)
    n = inputs.recent_tickets
    rates = (f"{inputs.reopened} of {n} reopened, {inputs.urgent} urgent" if n
             else "no tickets opened")
    return Component("support", value, f"{inputs.open_tickets} open; in the last {WINDOW_DAYS} days {rates}.")


def sla(inputs: Inputs) -> Component:
    n = inputs.breaches
    return Component("sla", _clamp(100 - BREACH_POINTS * n),
                     f"{n} resolution-target breach{'es' if n != 1 else ''} in the last {WINDOW_DAYS} days.")


def satisfaction(inputs: Inputs) -> Component:
    ratings = [r for r in inputs.csat if 1 <= r <= 5]
    if not ratings:
        return Component("satisfaction", None, "No satisfaction ratings yet: not counted.")
    mean = sum(ratings) / len(ratings)
    return Component("satisfaction", _clamp((mean - 1) * 25),
                     f"Mean rating {mean:.1f} of 5 from {len(ratings)} rating{'s' if len(ratings) != 1 else ''}.")


def band(score: int, weights: Weights) -> str:
    if score >= weights.healthy_min:
        return "healthy"
    return "watch" if score >= weights.at_risk_below else "at_risk"


@dataclass(frozen=True)
class Score:
    score: int
    band: str
    components: dict[str, dict[str, Any]]


def compute(inputs: Inputs, weights: Weights) -> Score:
    """The weighted mean of the components that have data; nothing to judge at all scores 100."""
    parts = [revenue(inputs), support(inputs), sla(inputs), satisfaction(inputs)]
    counted = [(c, weights.of(c.name)) for c in parts if c.value is not None and weights.of(c.name) > 0]
    total = sum(w for _c, w in counted)
    value = _clamp(sum((c.value or 0) * w for c, w in counted) / total) if total else 100
    components = {c.name: {**c.as_dict(), "weight": weights.of(c.name),
                           "share": round(100 * weights.of(c.name) / total) if total and c.value is not None
                           and weights.of(c.name) > 0 else 0}
                  for c in parts}
    return Score(value, band(value, weights), components)
