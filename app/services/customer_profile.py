"""The customer page in one query: the customer, its health, revenue, satisfaction, the health
settings, and its invoices, tickets, activity and health trend (each list a json_agg of the same
rows the separate queries of app.services.customers read, in the same order and limits).

Who may see what is decided from the actor's grants and the customer id before the query, so a
refused reader is answered NotFound without one, and lists the viewer may not read are not read.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.actor import Actor
from app.services.csat import Score
from app.services.customers import Revenue, _uuid_or_nil
from app.services.errors import NotFound
from app.services.health import SETTING_FIELDS, Trend
from app.services.health_score import Weights

_LISTS = """
  CASE WHEN :invoices THEN (SELECT json_agg(i ORDER BY i.issued_at DESC)::text FROM (
    SELECT id, number, issued_at, currency, amount, status FROM invoices
    WHERE customer_id = c.id ORDER BY issued_at DESC LIMIT :invoice_limit) i) END AS invoices,
  CASE WHEN :tickets THEN (SELECT json_agg(t ORDER BY t.updated_at DESC)::text FROM (
    SELECT id, number, title, status, updated_at FROM support_tickets
    WHERE customer_id = c.id ORDER BY updated_at DESC LIMIT :ticket_limit) t) END AS tickets,
  (SELECT json_agg(a ORDER BY a.chain_index DESC)::text FROM (
    SELECT * FROM (
      (SELECT chain_index, occurred_at, actor_label, action, changes FROM audit.audit_log
       WHERE target_type = 'customer' AND target_id = c.id::text ORDER BY chain_index DESC LIMIT :activity_limit)
      UNION ALL
      (SELECT chain_index, occurred_at, actor_label, action, changes FROM audit.audit_log
       WHERE :invoices AND target_type = 'invoice' AND target_id = ANY(ARRAY(
         SELECT id::text FROM invoices WHERE customer_id = c.id ORDER BY issued_at DESC LIMIT :invoice_limit))
       ORDER BY chain_index DESC LIMIT :activity_limit)
    ) both_kinds ORDER BY chain_index DESC LIMIT :activity_limit) a) AS activity,
  (SELECT json_agg(h ORDER BY h.recorded_at)::text FROM (
    SELECT recorded_at, score FROM customer_health_history
    WHERE customer_id = c.id ORDER BY recorded_at DESC LIMIT :trend_limit) h) AS trend
"""
PROFILE = text(f"""
SELECT c.id, c.company_name, c.contact_name, c.contact_email, c.subscription_tier, c.status, c.created_at,
  c.version, c.metadata, h.score, h.band, h.components, h.computed_at,
  {", ".join(f"s.{name}" for name in SETTING_FIELDS)}, s.id IS NOT NULL AS has_settings,
  (SELECT amount FROM invoices WHERE customer_id = c.id AND status = 'paid' AND recurring
   ORDER BY issued_at DESC LIMIT 1) AS monthly_recurring,
  (SELECT coalesce(sum(amount), 0) FROM invoices WHERE customer_id = c.id AND status = 'paid') AS lifetime,
  (SELECT avg(score) FROM csat_surveys WHERE customer_id = c.id) AS csat_average,
  (SELECT count(score) FROM csat_surveys WHERE customer_id = c.id) AS csat_count,
  {_LISTS}
FROM customers c JOIN customer_health h ON h.customer_id = c.id LEFT JOIN health_settings s ON s.id = 1
WHERE c.id = :id
""")


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: uuid.UUID
    company_name: str
    contact_name: str
    contact_email: str
    subscription_tier: str
    status: str
    created_at: datetime
    version: int
    metadata_: dict[str, Any]


@dataclass(frozen=True, slots=True)
class HealthView:
    score: int
    band: str
    components: dict[str, Any]
    computed_at: datetime | None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    id: str
    number: int
    issued_at: datetime
    currency: str
    amount: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class TicketLine:
    id: str
    number: int
    title: str
    status: str


@dataclass(frozen=True, slots=True)
class ActivityLine:
    occurred_at: datetime
    actor_label: str
    action: str
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Profile:
    customer: CustomerView
    health: HealthView
    weights: Weights
    revenue: Revenue
    satisfaction: Score
    invoices: list[InvoiceLine]
    tickets: list[TicketLine]
    activity: list[ActivityLine]
    trend: Trend


def _list(raw: str | None) -> list[dict[str, Any]]:
    return json.loads(raw, parse_float=Decimal) if raw else []


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def profile_for(session: Session, actor: Actor, customer_id: object, invoice_limit: int = 24,
                ticket_limit: int = 20, activity_limit: int = 20, trend_limit: int = 90) -> Profile:
    """Everything the customer page shows, or NotFound (also when the actor may not read it)."""
    key = _uuid_or_nil(customer_id)
    if not actor.can("customers:read", key):
        raise NotFound("There is no such customer.")  # do not reveal that it exists
    row = session.execute(PROFILE, {
        "id": key, "invoices": actor.can("invoices:read", key), "tickets": actor.can("tickets:read"),
        "invoice_limit": invoice_limit, "ticket_limit": ticket_limit, "activity_limit": activity_limit,
        "trend_limit": trend_limit}).first()
    if row is None:
        raise NotFound("There is no such customer.")
    trend = _list(row.trend)
    return Profile(
        customer=CustomerView(row.id, row.company_name, row.contact_name, row.contact_email, row.subscription_tier,
                              row.status, row.created_at, row.version, row.metadata or {}),
        health=HealthView(row.score, row.band, row.components or {}, row.computed_at),
        weights=Weights(*(getattr(row, name) for name in SETTING_FIELDS)) if row.has_settings else Weights(),
        revenue=Revenue(Decimal(row.monthly_recurring or 0), Decimal(row.lifetime or 0)),
        satisfaction=Score("Customer", round(float(row.csat_average), 2) if row.csat_average is not None else None,
                           row.csat_count),
        invoices=[InvoiceLine(i["id"], i["number"], _at(i["issued_at"]), i["currency"], Decimal(i["amount"]),
                              i["status"]) for i in _list(row.invoices)],
        tickets=[TicketLine(t["id"], t["number"], t["title"], t["status"]) for t in _list(row.tickets)],
        activity=[ActivityLine(_at(a["occurred_at"]), a["actor_label"], a["action"], a["changes"])
                  for a in _list(row.activity)],
        trend=Trend([_at(h["recorded_at"]).strftime("%Y-%m-%d %H:%M") for h in trend],
                    [int(h["score"]) for h in trend]),
    )
