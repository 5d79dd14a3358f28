"""All models, imported here so Alembic and the app see one metadata."""

from app.models.activity import AnalyticsEvent, IdempotencyKey, Notification, NotificationEmail, RefreshToken
from app.models.audit import AuditRecord
from app.models.base import Base
from app.models.customer import Customer, Invoice
from app.models.health import CustomerHealth, CustomerHealthHistory, HealthSettings
from app.models.outbox import EventDelivery, OutboxEvent
from app.models.role import Role
from app.models.rollup import RevenueDaily, TicketDailyStats, TicketOpenCount
from app.models.ticket import SlaPolicy, Ticket, TicketComment
from app.models.two_factor import RecoveryCode, RememberedDevice, TwoFactor
from app.models.user import User, UserSession

__all__ = [
    "AnalyticsEvent",
    "AuditRecord",
    "Base",
    "Customer",
    "CustomerHealth",
    "CustomerHealthHistory",
    "EventDelivery",
    "HealthSettings",
    "IdempotencyKey",
    "Invoice",
    "Notification",
    "NotificationEmail",
    "RecoveryCode",
    "RememberedDevice",
    "OutboxEvent",
    "RefreshToken",
    "RevenueDaily",
    "Role",
    "SlaPolicy",
    "Ticket",
    "TicketComment",
    "TicketDailyStats",
    "TicketOpenCount",
    "TwoFactor",
    "User",
    "UserSession",
]
