from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AnalyticsEvent, AuditRecord, Customer, OutboxEvent
from app.services import customers, events, handlers  # noqa: F401 - handlers register themselves
from app.services.actor import Actor
from app.services.errors import Conflict, Invalid, PermissionDenied
from tests.factories import make_customer, make_invoice

ADMIN = Actor.system("pytest")
VIEWER = Actor(id=None, label="viewer", grants=frozenset({"customers:read", "invoices:read"}))


def _values(customer: Customer, **changes: str) -> dict[str, str]:
    values = {k: getattr(customer, k) for k in customers.EDITABLE}
    return {**values, **changes}


def test_a_tier_change_is_audited_emitted_and_tracked(db_session: Session) -> None:
    customer = make_customer(db_session, subscription_tier="starter")
    customers.update_customer(
        db_session, ADMIN, customer.id, customer.version, _values(customer, subscription_tier="enterprise")
    )
    rec = db_session.scalar(select(AuditRecord).where(AuditRecord.action == "customer.tier_changed"))
    assert rec is not None and rec.changes == {"subscription_tier": ["starter", "enterprise"]}
    evt = db_session.scalar(select(OutboxEvent).where(OutboxEvent.type == "customer.tier_changed"))
    assert evt is not None and evt.data["to"] == "enterprise"
    assert events.process(db_session, evt.id)
    tracked = db_session.scalar(select(AnalyticsEvent).where(AnalyticsEvent.event_id == evt.id))
    assert tracked is not None and tracked.type == "customer.tier_changed"


def test_a_stale_version_is_a_conflict_and_changes_nothing(db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Before")
    db_session.commit()
    with pytest.raises(Conflict):
        customers.update_customer(
            db_session, ADMIN, customer.id, customer.version - 1, _values(customer, company_name="X")
        )
    db_session.refresh(customer)
    assert customer.company_name == "Before"


def test_viewers_cannot_change_customers(db_session: Session) -> None:
    customer = make_customer(db_session)
    db_session.commit()
    with pytest.raises(PermissionDenied):
        customers.set_status(db_session, VIEWER, customer.id, "suspended")
    with pytest.raises(PermissionDenied):
        customers.create_customer(db_session, VIEWER, _values(customer))


def test_metadata_rules() -> None:
    assert customers.validate_metadata([("a.b-c_1", "x"), ("", "")]) == {"a.b-c_1": "x"}
    with pytest.raises(Invalid) as exc:
        customers.validate_metadata([("ok", "1"), ("no spaces", "2"), ("ok", "3")])
    assert set(exc.value.details) == {"metadata-1", "metadata-2"}


def test_revenue_comes_from_paid_invoices(db_session: Session) -> None:
    from datetime import timedelta

    from app.models.base import utcnow

    customer = make_customer(db_session)
    make_invoice(db_session, customer, amount=Decimal("10.00"), issued_at=utcnow() - timedelta(days=60))
    make_invoice(db_session, customer, amount=Decimal("20.00"), issued_at=utcnow() - timedelta(days=30))
    make_invoice(db_session, customer, amount=Decimal("500.00"), recurring=False)
    make_invoice(db_session, customer, amount=Decimal("99.00"), status="open", paid_at=None)
    revenue = customers.revenue_for(db_session, customer.id)
    assert revenue.monthly_recurring == Decimal("20.00") and revenue.lifetime == Decimal("530.00")
