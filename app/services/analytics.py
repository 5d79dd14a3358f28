"""Reports over the analytics events (filled by app/services/handlers/analytics.py)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from app import csv_safe
from app.models import AnalyticsEvent
from app.services import freshness
from app.services.actor import Actor
from app.services.catalogue import TRACKED
from app.services.dashboard import DateRange

TYPES: tuple[str, ...] = TRACKED


@dataclass(frozen=True)
class Report:
    days: list[date]
    types: list[str]
    counts: dict[tuple[date, str], int]
    at: float = field(default_factory=time.time)  # when the query ran (reports are never cached)

    @property
    def stamp(self) -> freshness.Stamp:
        return freshness.Stamp(self.at, cached=False, max_age=0)

    def count(self, day: date, type_: str) -> int:
        return self.counts.get((day, type_), 0)

    def chart(self) -> dict[str, Any]:
        """The Chart.js spec that static/js/dashboard.js draws."""
        return {"type": "line", "labels": [d.isoformat() for d in self.days],
                "datasets": [{"label": t, "data": [self.count(d, t) for d in self.days], "color": i}
                             for i, t in enumerate(self.types)]}

    def total(self, type_: str) -> int:
        return sum(n for (_d, t), n in self.counts.items() if t == type_)


def daily_counts(session: Session, actor: Actor, rng: DateRange, type_: str | None = None) -> Report:
    """Events per UTC day and type in the range (uses ix_analytics_events_type_occurred_at)."""
    actor.require("analytics:read")
    types = [type_] if type_ in TYPES else list(TYPES)
    start = datetime(rng.start.year, rng.start.month, rng.start.day, tzinfo=UTC)
    day = cast(func.timezone("UTC", AnalyticsEvent.occurred_at), Date)
    rows = session.execute(
        select(day, AnalyticsEvent.type, func.count())
        .where(AnalyticsEvent.type.in_(types), AnalyticsEvent.occurred_at >= start,
               AnalyticsEvent.occurred_at < start + timedelta(days=rng.days))
        .group_by(day, AnalyticsEvent.type)
    ).all()
    return Report(rng.day_list(), types, {(d, t): n for d, t, n in rows})


def csv_rows(report: Report) -> Iterator[str]:
    """day,type,count lines, through the one CSV writer."""
    rows = ((d, t, report.count(d, t)) for d in report.days for t in report.types)
    yield from csv_safe.lines(itertools.chain([("day", "type", "count")], rows))
