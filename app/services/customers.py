"""Customers and their invoices: the list, the profile, and every change to them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, and_, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import search
from app.models import Customer, CustomerHealth, Invoice
from app.models.base import utcnow
from app.models.customer import TIERS
from app.services import audit, events, list_counts
from app.services.actor import Actor
from app.services.errors import Conflict, Invalid, NotFound
from app.services.listing import ListQuery, Page, SortKey, bounded_count, fetch_page, with_count
from app.services.uow import transaction

# Each ends in id and is served by an index on the same (…, id) (migrations 0001 and lk7_list_keys).
SORTS: dict[str, SortKey] = {
    "company": SortKey((func.lower(Customer.company_name), Customer.id), (str, uuid.UUID)),
    "email": SortKey((func.lower(Customer.contact_email), Customer.id), (str, uuid.UUID)),
    "tier": SortKey((Customer.subscription_tier, Customer.id), (str, uuid.UUID)),
    "status": SortKey((Customer.status, Customer.id), (str, uuid.UUID)),
    "updated": SortKey((Customer.updated_at, Customer.id), (datetime, uuid.UUID)),
    # ix_customer_health_score_id (and ix_customer_health_band_score_id with the band filter).
    "health": SortKey((CustomerHealth.score, CustomerHealth.customer_id), (int, uuid.UUID)),
}
DEFAULT_SORT = "-updated"
META_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
META_MAX_VALUE = 500
META_MAX_PAIRS = 50
EDITABLE = ("company_name", "contact_name", "contact_email", "subscription_tier")
# The profile's limits: the form and the API schema are built from these.
COMPANY_NAME_MAX = 200
CONTACT_NAME_MAX = 120
CONTACT_EMAIL_MAX = 254
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Revenue:
    monthly_recurring: Decimal
    lifetime: Decimal


# ---------------------------------------------------------------- reading


def _visible(actor: Actor, stmt: Select[tuple[Customer]]) -> Select[tuple[Customer]]:
    """Actors with only resource-scoped grants (`customers:read:<id>`) see just those customers."""
    if actor.can("customers:read"):
        return stmt
    ids = [g.split(":", 2)[2] for g in actor.grants if g.startswith("customers:read:")]
    if not ids:
        actor.require("customers:read")
    return stmt.where(Customer.id.in_([_uuid_or_nil(i) for i in ids]))


def _uuid_or_nil(raw: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return uuid.UUID(int=0)


def _filtered(actor: Actor, query: ListQuery) -> Select[tuple[Customer]]:
    # Every customer has its health row (the insert trigger of migration 0010): an inner join.
    stmt = _visible(actor, select(Customer).join(CustomerHealth, CustomerHealth.customer_id == Customer.id))
    if query.q:
        stmt = stmt.where(search.condition("customers", query.q)[0])
    if "tier" in query.filters:
        stmt = stmt.where(Customer.subscription_tier == query.filters["tier"])
    if "status" in query.filters:
        stmt = stmt.where(Customer.status == query.filters["status"])
    if "health" in query.filters:
        stmt = stmt.where(CustomerHealth.band == query.filters["health"])
    return stmt


def list_customers(session: Session, actor: Actor, query: ListQuery) -> Page[Customer]:
    """One page of customers and a bounded count (no full COUNT at 100,000 rows)."""
    stmt = _filtered(actor, query)
    key = SORTS[query.sort]
    # With a search, not the sort index: walking it and filtering each row reads all 100,000 when
    # few match; the trigram index finds the matches, then a top-N sort orders them.
    hidden = [func.coalesce(c, c) for c in key.columns] if query.q else None
    rows = stmt.options(contains_eager(Customer.health))
    page = fetch_page(session, rows, key, query, entity=True, order_columns=hidden)
    page.notes = [note] if query.q and (note := search.condition("customers", query.q)[1]) else []
    return with_count(page, query, lambda: bounded_count(session, stmt.with_only_columns(Customer.id)))


# What a row of the customer list shows: plain columns, no ORM objects (nor the health components).
ROW_COLUMNS = (Customer.id, Customer.company_name, Customer.contact_name, Customer.contact_email,
               Customer.subscription_tier, Customer.status, Customer.updated_at, CustomerHealth.score,
               CustomerHealth.band, CustomerHealth.computed_at)


def list_customer_rows(session: Session, actor: Actor, query: ListQuery) -> Page[Row[Any]]:
    """list_customers for the screen: the same page, as rows of ROW_COLUMNS (then the sort key)."""
    stmt = _filtered(actor, query)
    key = SORTS[query.sort]
    hidden = [func.coalesce(c, c) for c in key.columns] if query.q else None
    # The estimate is kept per view: its filters, and the scoped grants of a reader without customers:read.
    scoped = not actor.can("customers:read")
    scope = tuple(sorted(g for g in actor.grants if g.startswith("customers:"))) if scoped else None
    kept = None if query.q else ("customers", tuple(sorted(query.filters.items())), scope)
    page = list_counts.counted_page(session, stmt.with_only_columns(*ROW_COLUMNS), stmt.with_only_columns(Customer.id),
                                    key, query, kept, order_columns=hidden)
    page.notes = [note] if query.q and (note := search.condition("customers", query.q)[1]) else []
    return page


def _load(session: Session, customer_id: object, lock: bool = False) -> Customer:
    stmt = select(Customer).where(Customer.id == _uuid_or_nil(customer_id))
    customer = session.scalar(stmt.with_for_update() if lock else stmt)
    if customer is None:
        raise NotFound("There is no such customer.")
    return customer


def get_customer_for(session: Session, actor: Actor, customer_id: object) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.id == _uuid_or_nil(customer_id))
                              .options(joinedload(Customer.health, innerjoin=True)))
    if customer is None:
        raise NotFound("There is no such customer.")
    if not actor.can("customers:read", customer):
        raise NotFound("There is no such customer.")  # do not reveal that it exists
    return customer


def revenue_for(session: Session, customer_id: uuid.UUID) -> Revenue:
    """Monthly recurring: the latest paid recurring invoice. Lifetime: all paid invoices."""
    paid = and_(Invoice.customer_id == customer_id, Invoice.status == "paid")
    latest = session.scalar(
        select(Invoice.amount).where(paid, Invoice.recurring.is_(True)).order_by(Invoice.issued_at.desc()).limit(1)
    )
    lifetime = session.scalar(select(func.coalesce(func.sum(Invoice.amount), 0)).where(paid))
    return Revenue(Decimal(latest or 0), Decimal(lifetime or 0))


# ---------------------------------------------------------------- changing


def _clean(values: dict[str, Any]) -> dict[str, str]:
    """Trimmed profile fields, or Invalid with every problem at once."""
    data = {k: str(values.get(k) or "").strip() for k in EDITABLE}
    errors: dict[str, list[str]] = {}
    if not data["company_name"]:
        errors["company_name"] = ["Enter the company name."]
    elif len(data["company_name"]) > COMPANY_NAME_MAX:
        errors["company_name"] = [f"Use at most {COMPANY_NAME_MAX} characters."]
    if len(data["contact_name"]) > CONTACT_NAME_MAX:
        errors["contact_name"] = [f"Use at most {CONTACT_NAME_MAX} characters."]
    if len(data["contact_email"]) > CONTACT_EMAIL_MAX or not EMAIL.match(data["contact_email"]):
        errors["contact_email"] = ["Enter a valid email address."]
    if data["subscription_tier"] not in TIERS:
        errors["subscription_tier"] = ["Choose one of the tiers."]
    if errors:
        raise Invalid("Please correct the highlighted fields.", errors)
    return data


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {k: getattr(customer, k) for k in (*EDITABLE, "status")}


def create_customer(session: Session, actor: Actor, values: dict[str, Any]) -> Customer:
    actor.require("customers:create")
    data = _clean(values)
    with transaction(session):
        customer = Customer(**data, status="active", metadata_={})
        session.add(customer)
        session.flush()
        audit.record(session, actor, "customer.created", "customer", customer.id, audit.diff({}, _snapshot(customer)))
        events.emit(session, actor, "customer.created", "customer", customer.id, {"actor_id": _actor_id(actor)})
    return customer


def _actor_id(actor: Actor) -> str | None:
    return str(actor.id) if actor.id else None


def _fresh(session: Session, actor: Actor, permission: str, customer_id: object, version: int | None) -> Customer:
    customer = _load(session, customer_id, lock=True)
    actor.require(permission, customer)
    if version is not None and customer.version != version:
        raise Conflict(
            "Someone else changed this customer after you opened it. Reload to see their change, then try again.",
            {"version": [f"Current version is {customer.version}; you edited version {version}."]},
        )
    return customer


def update_customer(
    session: Session, actor: Actor, customer_id: object, version: int, values: dict[str, Any]
) -> Customer:
    data = _clean(values)
    try:
        with transaction(session):
            customer = _fresh(session, actor, "customers:update", customer_id, version)
            before = _snapshot(customer)
            for key, value in data.items():
                setattr(customer, key, value)
            changes = audit.diff(before, _snapshot(customer))
            if changes:
                session.flush()
                audit.record(session, actor, "customer.updated", "customer", customer.id, changes)
                events.emit(session, actor, "customer.updated", "customer", customer.id, {"actor_id": _actor_id(actor)})
            if before["subscription_tier"] != customer.subscription_tier:
                _tier_changed(session, actor, customer, before["subscription_tier"])
    except StaleDataError as exc:
        raise Conflict("Someone else changed this customer at the same moment. Reload and try again.") from exc
    return customer


def _tier_changed(session: Session, actor: Actor, customer: Customer, old: str) -> None:
    change = {"subscription_tier": [old, customer.subscription_tier]}
    audit.record(session, actor, "customer.tier_changed", "customer", customer.id, change)
    data = {"actor_id": _actor_id(actor), "from": old, "to": customer.subscription_tier}
    events.emit(session, actor, "customer.tier_changed", "customer", customer.id, data)


def set_status(session: Session, actor: Actor, customer_id: object, status: str) -> Customer:
    """Suspend (`suspended`) or reactivate (`active`) a customer."""
    if status not in ("active", "suspended"):
        raise Invalid("Unknown status.", {"status": ["Choose active or suspended."]})
    with transaction(session):
        customer = _fresh(session, actor, "customers:suspend", customer_id, None)
        if customer.status == status:
            raise Conflict(f"This customer is already {status}.")
        before = customer.status
        customer.status = status
        session.flush()
        action = "customer.suspended" if status == "suspended" else "customer.reactivated"
        audit.record(session, actor, action, "customer", customer.id, {"status": [before, status]})
        events.emit(session, actor, action, "customer", customer.id, {"actor_id": _actor_id(actor), "from": before})
    return customer


def validate_metadata(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Key/value rows → a dict; blank rows are dropped. Errors are keyed `metadata-<row>`."""
    errors: dict[str, list[str]] = {}
    result: dict[str, str] = {}
    rows = [(i, k.strip(), v.strip()) for i, (k, v) in enumerate(pairs) if k.strip() or v.strip()]
    for i, key, value in rows:
        problems = []
        if not META_KEY.match(key):
            problems.append("Keys are 1–64 letters, digits, dots, dashes or underscores.")
        elif key in result:
            problems.append(f"The key “{key}” appears twice.")
        if len(value) > META_MAX_VALUE:
            problems.append(f"Values are at most {META_MAX_VALUE} characters.")
        if problems:
            errors[f"metadata-{i}"] = problems
        else:
            result[key] = value
    if len(rows) > META_MAX_PAIRS:
        errors["metadata"] = [f"At most {META_MAX_PAIRS} pairs."]
    if errors:
        raise Invalid("Please correct the highlighted metadata.", errors)
    return result


def set_metadata(
    session: Session, actor: Actor, customer_id: object, version: int, pairs: list[tuple[str, str]]
) -> Customer:
    data = validate_metadata(pairs)
    try:
        with transaction(session):
            customer = _fresh(session, actor, "customers:update", customer_id, version)
            before = dict(customer.metadata_ or {})
            if before != data:
                customer.metadata_ = data
                session.flush()
                audit.record(
                    session, actor, "customer.metadata_changed", "customer", customer.id, audit.diff(before, data)
                )
    except StaleDataError as exc:
        raise Conflict("Someone else changed this customer at the same moment. Reload and try again.") from exc
    return customer


def mark_invoice_paid(session: Session, actor: Actor, invoice_id: object) -> Invoice:
    with transaction(session):
        invoice = session.scalar(select(Invoice).where(Invoice.id == _uuid_or_nil(invoice_id)).with_for_update())
        if invoice is None or not actor.can("invoices:read", invoice.customer_id):
            raise NotFound("There is no such invoice.")
        actor.require("invoices:update", invoice.customer_id)
        if invoice.status == "paid":
            raise Conflict(f"Invoice #{invoice.number} is already paid.")
        if invoice.status not in ("open", "draft"):
            raise Invalid(f"Invoice #{invoice.number} is {invoice.status} and cannot be paid.", {})
        before = invoice.status
        invoice.status, invoice.paid_at = "paid", utcnow()
        session.flush()
        changes = {"status": [before, "paid"], "paid_at": [None, invoice.paid_at.isoformat()]}
        audit.record(session, actor, "invoice.paid", "invoice", invoice.id, changes)
        data = {"actor_id": _actor_id(actor), "customer_id": str(invoice.customer_id), "amount": str(invoice.amount)}
        events.emit(session, actor, "invoice.paid", "invoice", invoice.id, data)
    return invoice
