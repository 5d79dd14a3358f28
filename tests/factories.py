"""Plain factory functions: make_x(session, **overrides)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from app.auth.passwords import hash_password
from app.models import Customer, Invoice, Ticket, TicketComment, User
from app.models.base import utcnow

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@lru_cache(maxsize=8)
def _hash(password: str) -> str:
    return hash_password(password)


def make_user(session: Session, **overrides: Any) -> User:
    n = next(_seq)
    password = overrides.pop("password", PASSWORD)
    values: dict[str, Any] = {
        "email": f"user{n}@example.com",
        "name": f"User {n}",
        "role_name": "agent",
        "status": "active",
        "password_hash": _hash(password) if password else None,
    }
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def make_customer(session: Session, **overrides: Any) -> Customer:
    n = next(_seq)
    values: dict[str, Any] = {
        "company_name": f"Company {n}",
        "contact_name": f"Contact {n}",
        "contact_email": f"contact{n}@customer.example",
        "subscription_tier": "professional",
        "status": "active",
    }
    values.update(overrides)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def make_ticket(session: Session, **overrides: Any) -> Ticket:
    n = next(_seq)
    if "customer_id" not in overrides and "customer" not in overrides:
        overrides["customer_id"] = make_customer(session).id
    values: dict[str, Any] = {
        "title": f"Ticket {n}: cannot log in",
        "description": "The login page says my password is wrong.",
        "priority": "medium",
        "status": "open",
    }
    values.update(overrides)
    ticket = Ticket(**values)
    session.add(ticket)
    session.flush()
    return ticket


def make_comment(session: Session, ticket: Ticket, **overrides: Any) -> TicketComment:
    values: dict[str, Any] = {"ticket_id": ticket.id, "body": "We are looking into it.", "internal": False}
    values.update(overrides)
    comment = TicketComment(**values)
    session.add(comment)
    session.flush()
    return comment


def make_invoice(session: Session, customer: Customer, **overrides: Any) -> Invoice:
    n = next(_seq)
    values: dict[str, Any] = {
        "number": 100000 + n,
        "customer_id": customer.id,
        "amount": Decimal("100.00"),
        "status": "paid",
        "issued_at": utcnow(),
        "paid_at": utcnow(),
    }
    values.update(overrides)
    invoice = Invoice(**values)
    session.add(invoice)
    session.flush()
    return invoice


def make_outsider_role(session: Session) -> None:
    """The role "nobody" (no permissions), for the outsider of the permission cast."""
    from sqlalchemy import select

    from app.models import Role

    if session.scalar(select(Role).where(Role.name == "nobody")) is None:
        session.add(Role(name="nobody", description="no permissions", permissions=[]))
        session.flush()
