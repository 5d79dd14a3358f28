"""The dashboard: date ranges, a short cache, and one data function per widget.

Everything counted here comes from the rollups of migration 0002_dashboard (exact, kept by
triggers) or from small indexed queries, so each widget answers in milliseconds at 1,000,000
tickets. Days are UTC days.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from redis.exceptions import RedisError
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import Customer, Ticket, User
from app.models.rollup import NO_ASSIGNEE, RevenueDaily, TicketDailyStats, TicketOpenCount
from app.models.ticket import OPEN_STATUSES, PRIORITIES
from app.services import csat as csat_service
from app.services import dashboard_health, freshness, health, jobs
from app.services.actor import Actor
from app.services.uow import transaction

RANGES = {"today": "Today", "7d": "Last 7 days", "30d": "Last 30 days", "quarter": "This quarter",
          "custom": "Custom"}
DEFAULT_RANGE = "30d"
MAX_DAYS = 731
FULL_WIDGETS = ("cards", "opened_solved", "backlog", "sla", "revenue", "workload", "at_risk", "csat", "recent")
AGENT_WIDGETS = ("my_cards", "queue", "recent")
QUEUE_SIZE = 10
REFRESH_CHOICES = (0, 2, 5, 10, 30, 60, 300)


@dataclass(frozen=True)
class DateRange:
    key: str
    start: date
    end: date  # inclusive
    note: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> DateRange:
        return DateRange(self.key, self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def day_list(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def _preset(key: str, today: date) -> DateRange:
    starts = {"today": today, "7d": today - timedelta(days=6), "30d": today - timedelta(days=29),
              "quarter": date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)}
    return DateRange(key, starts[key], today)


def parse_range(args: Mapping[str, str], today: date) -> DateRange:
    """The range from the query string; anything malformed falls back to the last 30 days, with a note."""
    key = args.get("range") or DEFAULT_RANGE
    if key in RANGES and key != "custom":
        return _preset(key, today)
    fallback = _preset(DEFAULT_RANGE, today)
    if key != "custom":
        return DateRange(fallback.key, fallback.start, fallback.end,
                         f"Unknown range “{key[:20]}”; showing the last 30 days.")
    try:
        start, end = date.fromisoformat(args.get("from", "")), date.fromisoformat(args.get("to", ""))
    except ValueError:
        return DateRange(fallback.key, fallback.start, fallback.end,
                         "The dates were not understood (use YYYY-MM-DD); showing the last 30 days.")
    if not (1900 <= start.year <= 2999 and 1900 <= end.year <= 2999):
        return DateRange(fallback.key, fallback.start, fallback.end,
                         "Dates must fall between the years 1900 and 2999; showing the last 30 days.")
    if start > end:
        return DateRange(fallback.key, fallback.start, fallback.end,
                         "The start date was after the end date; showing the last 30 days.")
    if (end - start).days >= MAX_DAYS:
        return DateRange(fallback.key, fallback.start, fallback.end,
                         "Ranges are limited to two years; showing the last 30 days.")
    return DateRange("custom", start, end)


def parse_refresh(value: str | None, default: int) -> int:
    """Seconds between widget refreshes; 0 pauses. Unknown values give the default."""
    try:
        seconds = int(value) if value is not None else default
    except ValueError:
        return default
    return seconds if seconds == 0 or 2 <= seconds <= 3600 else default


def widgets_for(actor: Actor) -> tuple[str, ...]:
    return FULL_WIDGETS if actor.can("analytics:read") else AGENT_WIDGETS


# --- cache --------------------------------------------------------------------------------


def _cache_key(widget: str, scope: str, rng: DateRange) -> str:
    return f"dash:v1:{widget}:{scope}:{rng.start}:{rng.end}"


@dataclass(frozen=True)
class Widget:
    """A widget's data with its freshness and the digest of the data (for the ETag)."""

    data: dict[str, Any]
    stamp: freshness.Stamp
    digest: str


def cached(widget: str, scope: str, rng: DateRange, max_age: float,
           compute: Callable[[], dict[str, Any]]) -> Widget:
    """A value computed within max_age seconds (shared by everyone), else computed now.

    Entries carry their own time, so a viewer refreshing every 2 s never sees a value older than
    2 s even though someone refreshing every minute stored it. The entry is kept a day: it is
    also the last good value behind the stale marker. Its digest is taken once, when it is computed.
    """
    redis = jobs.connection()
    key = _cache_key(widget, scope, rng)
    try:
        raw = cast(bytes | None, redis.get(key))
        if raw:
            entry = json.loads(raw)
            if time.time() - entry["at"] < max_age and "digest" in entry:
                return Widget(entry["data"], freshness.Stamp(entry["at"], True, max_age), entry["digest"])
    except (RedisError, OSError, ValueError, KeyError):
        pass
    data, at = compute(), time.time()
    digest = freshness.digest(data)
    entry = json.dumps({"at": at, "data": data, "digest": digest}, default=str)
    try:
        redis.setex(key, 86400, entry)
    except (RedisError, OSError):
        pass
    return Widget(data, freshness.Stamp(at, False, max_age), digest)


def last_good(widget: str, scope: str, rng: DateRange) -> dict[str, Any] | None:
    """The last value that rendered, with its time, for the stale marker; None if there is none."""
    try:
        raw = cast(bytes | None, jobs.connection().get(_cache_key(widget, scope, rng)))
    except (RedisError, OSError):
        return None
    return json.loads(raw) if raw else None


def widget_data(session: Session, actor: Actor, widget: str, rng: DateRange, max_age: float) -> Widget:
    """The data of one widget; widgets outside the actor's dashboard are refused."""
    actor.require("dashboard:read")
    if widget not in FULL_WIDGETS + AGENT_WIDGETS:
        raise KeyError(widget)
    if widget not in widgets_for(actor):
        actor.require("analytics:read")
    mine = widget in AGENT_WIDGETS and not actor.can("analytics:read")
    scope = str(actor.id) if mine else "all"
    compute = COMPUTE[widget]
    return cached(widget, scope, rng, max_age, lambda: compute(session, rng, actor.id if mine else None))


# --- widgets ------------------------------------------------------------------------------


def _pct_change(now: float, before: float) -> float | None:
    return None if not before else round(100 * (now - before) / before, 1)


def _daily(session: Session, rng: DateRange) -> dict[date, tuple[int, int, int]]:
    rows = session.execute(
        select(TicketDailyStats.day, func.sum(TicketDailyStats.opened), func.sum(TicketDailyStats.resolved),
               func.sum(TicketDailyStats.resolved_in_sla))
        .where(TicketDailyStats.day.between(rng.start, rng.end)).group_by(TicketDailyStats.day)
    ).all()
    return {d: (int(o), int(r), int(s)) for d, o, r, s in rows}


def revenue_total(session: Session, rng: DateRange) -> str:
    total = session.scalar(select(func.coalesce(func.sum(RevenueDaily.amount), 0))
                           .where(RevenueDaily.day.between(rng.start, rng.end)))
    return f"{total:.2f}"


def open_total(session: Session, assignee: Any = None) -> int:
    query = select(func.coalesce(func.sum(TicketOpenCount.open_count), 0))
    if assignee is not None:
        query = query.where(TicketOpenCount.assignee_key == assignee)
    return int(session.scalar(query) or 0)


def _bounds(rng: DateRange) -> tuple[datetime, datetime]:
    from datetime import UTC

    start = datetime(rng.start.year, rng.start.month, rng.start.day, tzinfo=UTC)
    return start, start + timedelta(days=rng.days)


def _card_numbers(session: Session, rng: DateRange) -> Any:
    """Every number of the cards for the range and the previous one, in one round trip."""
    prev = rng.previous()
    (start, end), (prev_start, _) = _bounds(rng), _bounds(prev)
    day, rev = TicketDailyStats.day, RevenueDaily.day

    def one(expr: Any, *where: Any) -> Any:
        return select(func.coalesce(expr, 0)).where(*where).scalar_subquery()

    net = func.sum(TicketDailyStats.opened - TicketDailyStats.resolved)
    return session.execute(select(
        one(func.count(), User.status != "suspended").label("users"),
        one(func.count(), User.created_at >= start, User.created_at < end).label("new_users"),
        one(func.count(), User.created_at >= prev_start, User.created_at < start).label("new_users_prev"),
        one(net, day.between(rng.start, rng.end)).label("net"),
        one(net, day.between(prev.start, prev.end)).label("net_prev"),
        one(func.sum(RevenueDaily.amount), rev.between(rng.start, rng.end)).label("revenue"),
        one(func.sum(RevenueDaily.amount), rev.between(prev.start, prev.end)).label("revenue_prev"),
        one(func.sum(TicketOpenCount.open_count)).label("open"),
    )).one()


def cards(session: Session, rng: DateRange, _: Any = None) -> dict[str, Any]:
    n = _card_numbers(session, rng)
    return {
        "total_users": n.users, "new_users": n.new_users, "new_users_prev": n.new_users_prev,
        "open_tickets": int(n.open), "open_net": int(n.net), "open_net_prev": int(n.net_prev),
        "revenue": f"{n.revenue:.2f}", "revenue_prev": f"{n.revenue_prev:.2f}",
        "revenue_change": _pct_change(float(n.revenue), float(n.revenue_prev)),
        "health": dashboard_health.check(session),
    }


def opened_solved(session: Session, rng: DateRange, _: Any = None) -> dict[str, Any]:
    daily = _daily(session, rng)
    days = rng.day_list()
    return {"labels": [d.isoformat() for d in days],
            "opened": [daily.get(d, (0, 0, 0))[0] for d in days],
            "solved": [daily.get(d, (0, 0, 0))[1] for d in days]}


def backlog(session: Session, rng: DateRange, _: Any = None) -> dict[str, Any]:
    rows = dict(session.execute(select(TicketOpenCount.priority, func.sum(TicketOpenCount.open_count))
                                .group_by(TicketOpenCount.priority)).tuples().all())
    return {"labels": list(PRIORITIES), "counts": [int(rows.get(p, 0)) for p in PRIORITIES]}


def sla(session: Session, rng: DateRange, _: Any = None) -> dict[str, Any]:
    daily = _daily(session, rng)
    days = rng.day_list()
    resolved = sum(r for _o, r, _s in daily.values())
    met = sum(s for _o, _r, s in daily.values())
    per_day = [round(100 * daily[d][2] / daily[d][1], 1) if daily.get(d, (0, 0, 0))[1] else None for d in days]
    return {"resolved": resolved, "met": met, "percent": round(100 * met / resolved, 1) if resolved else None,
            "labels": [d.isoformat() for d in days], "per_day": per_day}


def revenue(session: Session, rng: DateRange, _: Any = None) -> dict[str, Any]:
    """Per day up to 31 days, else per ISO week (labelled by its Monday)."""
    rows = session.execute(select(RevenueDaily.day, RevenueDaily.amount)
                           .where(RevenueDaily.day.between(rng.start, rng.end))).all()
    weekly = rng.days > 31
    buckets: dict[date, float] = {}
    for d in rng.day_list():
        buckets.setdefault(d - timedelta(days=d.weekday()) if weekly else d, 0.0)
    for d, amount in rows:
        buckets[d - timedelta(days=d.weekday()) if weekly else d] += float(amount)
    return {"per": "week" if weekly else "day", "labels": [d.isoformat() for d in buckets],
            "amounts": [round(v, 2) for v in buckets.values()], "total": revenue_total(session, rng)}


def workload(session: Session, rng: DateRange, _: Any = None, limit: int = 15) -> dict[str, Any]:
    """Open tickets per assignee, busiest first."""
    total = func.sum(TicketOpenCount.open_count)
    rows = session.execute(
        select(TicketOpenCount.assignee_key, User.name, total).outerjoin(User, User.id == TicketOpenCount.assignee_key)
        .group_by(TicketOpenCount.assignee_key, User.name).having(total > 0).order_by(total.desc()).limit(limit)
    ).all()
    return {"labels": [name or ("Unassigned" if key == NO_ASSIGNEE else "Unknown") for key, name, _n in rows],
            "counts": [int(n) for _k, _name, n in rows]}


def recent(session: Session, rng: DateRange, assignee: Any = None, limit: int = 10) -> dict[str, Any]:
    query = (select(Ticket.id, Ticket.number, Customer.company_name, Ticket.title, Ticket.priority, Ticket.status)
             .join(Customer, Customer.id == Ticket.customer_id).order_by(Ticket.created_at.desc()).limit(limit))
    if assignee is not None:
        query = query.where(Ticket.assignee_id == assignee)
    keys = ("id", "number", "customer", "subject", "priority", "status")
    return {"tickets": [dict(zip(keys, [str(r[0]), *r[1:]], strict=True)) for r in session.execute(query).all()]}


def queue(session: Session, rng: DateRange, assignee: Any = None, limit: int = QUEUE_SIZE) -> dict[str, Any]:
    """An agent's open tickets, the one due soonest first (no due time last): one read of the partial
    index ix_support_tickets_queue (migration 0016_agent_queue), stopped by the LIMIT."""
    query = (select(Ticket.id, Ticket.number, Customer.company_name, Ticket.title, Ticket.priority, Ticket.status,
                    Ticket.resolution_due_at)
             .join(Customer, Customer.id == Ticket.customer_id)
             .where(Ticket.assignee_id == assignee, Ticket.status.in_(OPEN_STATUSES))
             .order_by(Ticket.resolution_due_at.asc().nulls_last(), Ticket.id).limit(limit))
    keys = ("id", "number", "customer", "subject", "priority", "status", "due")
    rows = session.execute(query).all()
    return {"tickets": [dict(zip(keys, [str(r[0]), *r[1:6], r[6].isoformat() if r[6] else None], strict=True))
                        for r in rows]}


def my_cards(session: Session, rng: DateRange, assignee: Any = None) -> dict[str, Any]:
    """An agent's own queue: open tickets, resolved in the range and how many within SLA."""
    start, end = _bounds(rng)
    due_ok = (Ticket.resolution_due_at.is_(None)) | (Ticket.resolved_at <= Ticket.resolution_due_at)
    resolved, met = session.execute(
        select(func.count(), func.count().filter(due_ok)).where(
            Ticket.assignee_id == assignee, Ticket.resolved_at >= start, Ticket.resolved_at < end)
    ).one()
    return {"open_tickets": open_total(session, assignee), "resolved": resolved, "met": met,
            "sla_percent": round(100 * met / resolved, 1) if resolved else None,
            "open_statuses": list(OPEN_STATUSES)}


def at_risk(session: Session, rng: DateRange, _: Any = None) -> dict[str, Any]:
    """Customers at risk, weighted by their monthly recurring revenue (the stored health scores)."""
    return health.at_risk(session)


def csat(session: Session, rng: DateRange, _: Any = None) -> dict[str, Any]:
    """Customer satisfaction in the range, with its change from the period of the same length before, by agent
    and by tier (the ratings, as on /satisfaction)."""
    return csat_service.dashboard_scores(session, *_bounds(rng))


COMPUTE: dict[str, Callable[..., dict[str, Any]]] = {
    "cards": cards, "opened_solved": opened_solved, "backlog": backlog, "sla": sla, "revenue": revenue,
    "workload": workload, "at_risk": at_risk, "csat": csat, "recent": recent, "my_cards": my_cards, "queue": queue,
}


def rebuild_rollups(session: Session, actor: Actor) -> None:
    """Recompute the rollups from the base tables (the triggers keep them exact; this is the safety net)."""
    actor.require("system:manage")
    with transaction(session):
        session.execute(text("SELECT dashboard_rebuild_rollups()"))
