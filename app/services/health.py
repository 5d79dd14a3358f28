"""Customer health: gathering a customer's inputs, recomputing and storing the score.

Scores are recomputed per customer by the event handlers (app/services/handlers/health.py) and
for everyone by recompute_all (the CLI, the scheduled daily run, a change of weights); pages
only read the stored rows. The scoring itself is app/services/health_score.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from app.models import Customer, CustomerHealth, CustomerHealthHistory, HealthSettings, Invoice, Ticket
from app.models.base import utcnow
from app.models.ticket import OPEN_STATUSES
from app.services import audit, jobs
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.health_score import WINDOW_DAYS, Inputs, Score, Weights, compute
from app.services.uow import transaction

RECOMPUTE_JOB = "workers.jobs.health.recompute_all"
WRITE_BATCH = 2000
# The stored columns, in the order of Weights' fields.
SETTING_FIELDS = ("weight_revenue", "weight_support", "weight_sla", "weight_satisfaction", "healthy_min",
                  "at_risk_below")


# ---------------------------------------------------------------- inputs


def weights(session: Session) -> Weights:
    row = session.get(HealthSettings, 1)
    if row is None:
        return Weights()
    return Weights(*(getattr(row, name) for name in SETTING_FIELDS))


def _since(now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=WINDOW_DAYS), now - timedelta(days=2 * WINDOW_DAYS)


def _ticket_stats(now: datetime, ids: list[uuid.UUID] | None) -> Any:
    since, _ = _since(now)
    recent = Ticket.created_at >= since
    stmt = select(
        Ticket.customer_id,
        func.count().filter(Ticket.status.in_(OPEN_STATUSES)),
        func.count().filter(recent),
        func.count().filter(recent, Ticket.reopened_count > 0),
        func.count().filter(recent, Ticket.priority == "urgent"),
        func.count().filter(Ticket.sla_breached_at >= since),
    ).group_by(Ticket.customer_id)
    return stmt.where(Ticket.customer_id.in_(ids)) if ids is not None else stmt


def gather(session: Session, now: datetime, ids: list[uuid.UUID] | None = None) -> dict[uuid.UUID, Inputs]:
    """Every customer's inputs (or those of `ids`): two grouped queries, over the tickets and the invoices."""
    tickets = {r[0]: r[1:] for r in session.execute(_ticket_stats(now, ids))}
    since, before = _since(now)
    paid = and_(Invoice.status == "paid", Invoice.recurring.is_(True))
    if ids is not None:
        paid = and_(paid, Invoice.customer_id.in_(ids))
    latest = (select(Invoice.customer_id, Invoice.amount).where(paid)
              .distinct(Invoice.customer_id).order_by(Invoice.customer_id, Invoice.issued_at.desc()).subquery())
    sums = (select(Invoice.customer_id,
                   func.coalesce(func.sum(Invoice.amount).filter(Invoice.issued_at >= since), 0).label("recent"),
                   func.coalesce(func.sum(Invoice.amount).filter(Invoice.issued_at >= before,
                                                                 Invoice.issued_at < since), 0).label("earlier"))
            .where(paid).group_by(Invoice.customer_id).subquery())
    revenue = {r[0]: r[1:] for r in session.execute(
        select(sums.c.customer_id, latest.c.amount, sums.c.recent, sums.c.earlier)
        .join(latest, latest.c.customer_id == sums.c.customer_id))}
    found: dict[uuid.UUID, Inputs] = {}
    for cid in (ids if ids is not None else set(tickets) | set(revenue)):
        t = tickets.get(cid, (0, 0, 0, 0, 0))
        mrr, recent, earlier = revenue.get(cid, (Decimal(0), Decimal(0), Decimal(0)))
        found[cid] = Inputs(mrr=Decimal(mrr), recent_revenue=Decimal(recent), earlier_revenue=Decimal(earlier),
                            open_tickets=t[0], recent_tickets=t[1], reopened=t[2], urgent=t[3], breaches=t[4])
    return found


# ---------------------------------------------------------------- recomputing


def recompute_customer(session: Session, customer_id: uuid.UUID, now: datetime | None = None) -> Score | None:
    """Recompute one customer's score inside the caller's transaction (an event handler's).

    The row is locked first, so two handlers of the same customer run one after the other and the
    second reads everything the first saw: the stored score is never older than the last event."""
    row = session.scalar(select(CustomerHealth).where(CustomerHealth.customer_id == customer_id).with_for_update())
    if row is None:
        return None  # the customer is gone
    now = now or utcnow()
    inputs = gather(session, now, [customer_id])[customer_id]
    result = compute(inputs, weights(session))
    changed = row.computed_at is None or row.score != result.score or row.band != result.band
    row.score, row.band, row.components, row.mrr, row.computed_at = (
        result.score, result.band, result.components, inputs.mrr, now)
    if changed:
        session.add(CustomerHealthHistory(customer_id=customer_id, score=result.score, band=result.band,
                                          components=result.components, recorded_at=now))
    session.flush()
    return result


def recompute_many(session: Session, customer_ids: Iterable[uuid.UUID]) -> int:
    """Several customers (a bulk ticket change), each as recompute_customer, in a stable order."""
    done = 0
    for cid in sorted(set(customer_ids)):
        done += recompute_customer(session, cid) is not None
    return done


_WRITE = text("""
WITH u AS (
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:scores AS smallint[]), CAST(:bands AS varchar[]),
                         CAST(:components AS jsonb[]), CAST(:mrrs AS numeric[])) AS u(id, score, band, components, mrr)
), old AS (
    SELECT h.customer_id, h.score, h.band, h.computed_at FROM customer_health h JOIN u ON u.id = h.customer_id
    WHERE h.computed_at IS NULL OR h.computed_at < :started
    FOR UPDATE OF h
), changed AS (
    UPDATE customer_health h SET score = u.score, band = u.band, components = u.components, mrr = u.mrr,
           computed_at = :now
    FROM u JOIN old ON old.customer_id = u.id WHERE h.customer_id = u.id
    RETURNING h.customer_id
)
INSERT INTO customer_health_history (customer_id, score, band, components, recorded_at)
SELECT u.id, u.score, u.band, u.components, :now FROM u JOIN old ON old.customer_id = u.id
WHERE old.computed_at IS NULL OR old.score <> u.score OR old.band <> u.band
""")


def recompute_all(session: Session, actor: Actor, batch: int = WRITE_BATCH) -> int:
    """Every customer (backfill, the daily run, new weights): one pass over tickets and invoices, then
    batched writes. A row an event handler recomputed after this run started is left alone."""
    actor.require("customers:read")
    started = utcnow()
    w = weights(session)
    ids = list(session.scalars(select(CustomerHealth.customer_id).order_by(CustomerHealth.customer_id)))
    found = gather(session, started, None)
    empty = Inputs()
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        inputs = [found.get(cid, empty) for cid in chunk]
        scores = [compute(x, w) for x in inputs]
        with transaction(session):
            session.execute(_WRITE, {
                "ids": chunk, "scores": [s.score for s in scores], "bands": [s.band for s in scores],
                "components": [json.dumps(s.components) for s in scores], "mrrs": [x.mrr for x in inputs],
                "started": started, "now": utcnow()})
    return len(ids)


# ---------------------------------------------------------------- settings


def _clean_settings(values: dict[str, Any]) -> dict[str, int]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for name in SETTING_FIELDS:
        raw = values.get(name)
        try:
            number = int(str(raw).strip())
        except (TypeError, ValueError):
            errors[name] = ["Enter a whole number."]
            continue
        if not 0 <= number <= 100:
            errors[name] = ["Use 0 to 100."]
        clean[name] = number
    if not errors:
        if clean["weight_revenue"] + clean["weight_support"] + clean["weight_sla"] == 0:
            errors["weight_revenue"] = ["Revenue, support and SLA cannot all weigh 0 (satisfaction has no data yet)."]
        if clean["healthy_min"] <= clean["at_risk_below"]:
            errors["healthy_min"] = ["Healthy must start above the at-risk line."]
        if clean["at_risk_below"] < 1:
            errors["at_risk_below"] = ["Use 1 to 99."]
    if errors:
        raise Invalid("Please correct the highlighted fields.", errors)
    return clean


def get_settings(session: Session, actor: Actor) -> HealthSettings:
    actor.require("health:manage")
    row = session.get(HealthSettings, 1)
    if row is None:
        row = HealthSettings(id=1, **dict(zip(SETTING_FIELDS, astuple(Weights()), strict=True)))
        session.add(row)
        session.flush()
    return row


def update_settings(session: Session, actor: Actor, values: dict[str, Any]) -> HealthSettings:
    """New weights or thresholds, audited; every score is recomputed in the background after commit."""
    clean = _clean_settings(values)
    with transaction(session):
        row = get_settings(session, actor)
        before = {k: getattr(row, k) for k in SETTING_FIELDS}
        changes = audit.diff(before, clean)
        if changes:
            for key, value in clean.items():
                setattr(row, key, value)
            row.updated_at, row.updated_by = utcnow(), actor.id
            session.flush()
            audit.record(session, actor, "health.settings_changed", "health_settings", 1, changes)
            jobs.after_commit(session, lambda: jobs.enqueue(RECOMPUTE_JOB, queue_name="low",
                                                             job_id="health-recompute-all", timeout=1800))
    return row


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Trend:
    labels: list[str]
    scores: list[int]


def trend(session: Session, customer: Customer, limit: int = 90) -> Trend:
    """The latest score changes, oldest first (ix_customer_health_history_customer_at)."""
    rows = list(reversed(session.execute(
        select(CustomerHealthHistory.recorded_at, CustomerHealthHistory.score)
        .where(CustomerHealthHistory.customer_id == customer.id)
        .order_by(CustomerHealthHistory.recorded_at.desc()).limit(limit)).all()))
    return Trend([r[0].strftime("%Y-%m-%d %H:%M") for r in rows], [int(r[1]) for r in rows])


def at_risk(session: Session, limit: int = 5) -> dict[str, Any]:
    """Customers at risk weighted by revenue: their count and MRR against all, and the largest of them."""
    bands = {b: (int(n), Decimal(m or 0)) for b, n, m in session.execute(
        select(CustomerHealth.band, func.count(), func.sum(CustomerHealth.mrr)).group_by(CustomerHealth.band))}
    total_mrr = sum((m for _n, m in bands.values()), Decimal(0))
    count, mrr = bands.get("at_risk", (0, Decimal(0)))
    top = session.execute(
        select(Customer.id, Customer.company_name, CustomerHealth.score, CustomerHealth.mrr)
        .join(Customer, Customer.id == CustomerHealth.customer_id)
        .where(CustomerHealth.band == "at_risk")
        .order_by(CustomerHealth.mrr.desc(), CustomerHealth.customer_id.desc()).limit(limit)).all()
    return {"count": count, "customers": sum(n for n, _m in bands.values()),
            "mrr": f"{mrr:.2f}", "total_mrr": f"{total_mrr:.2f}",
            "share": round(float(100 * mrr / total_mrr), 1) if total_mrr else None,
            "watch": bands.get("watch", (0, Decimal(0)))[0],
            "top": [{"id": str(r[0]), "company": r[1], "score": int(r[2]), "mrr": f"{r[3]:.2f}"} for r in top]}
