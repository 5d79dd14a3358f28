"""All models, imported here so Alembic and the app see one metadata."""

from app.models.activity import AnalyticsEvent, IdempotencyKey, Notification, NotificationEmail, RefreshToken
from app.models.audit import AuditRecord
from app.models.base import Base
from app.models.csat import CsatSurvey
from app.models.customer import Customer, Invoice
from app.models.health import CustomerHealth, CustomerHealthHistory, HealthSettings
from app.models.macro import Macro
from app.models.outbox import EventDelivery, OutboxEvent
from app.models.role import Role
from app.models.rollup import RevenueDaily, TicketDailyStats, TicketOpenCount
from app.models.saved_view import SavedView
from app.models.ticket import SlaCalendar, SlaPolicy, Ticket, TicketComment
from app.models.ticket_bulk import TicketBulkRun
from app.models.ticket_link import TicketLink
from app.models.two_factor import RecoveryCode, RememberedDevice, TwoFactor
from app.models.user import User, UserSession

__all__ = [
    "AnalyticsEvent",
    "AuditRecord",
    "Base",
    "CsatSurvey",
    "Customer",
    "CustomerHealth",
    "CustomerHealthHistory",
    "EventDelivery",
    "HealthSettings",
    "IdempotencyKey",
    "Invoice",
    "Macro",
    "Notification",
    "NotificationEmail",
    "RecoveryCode",
    "RememberedDevice",
    "OutboxEvent",
    "RefreshToken",
    "RevenueDaily",
    "Role",
    "SavedView",
    "SlaCalendar",
    "SlaPolicy",
    "Ticket",
    "TicketBulkRun",
    "TicketComment",
    "TicketLink",
    "TicketDailyStats",
    "TicketOpenCount",
    "TwoFactor",
    "User",
    "UserSession",
]
