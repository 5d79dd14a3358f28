"""Event handlers, one module per area, registered explicitly by register_all()."""

from __future__ import annotations

from app.services import catalogue, events
from app.services.handlers import analytics, health, mail, notifications, search, tickets, users

_OWN: dict[str, tuple[events.Handler, ...]] = {
    "user.created": (users.send_invitation,),
    "user.invitation_resent": (users.send_invitation,),
    "user.email_changed": (users.send_invitation, users.notify_old_address),
    "user.password_reset_requested": (users.send_reset_link,),
    "user.role_changed": (users.notify_role_changed,),
    "user.locked": (notifications.notify_admins_of_lockout, users.alert_owner_of_lockout),
    "ticket.assigned": (tickets.notify_assignee,),
    "ticket.bulk_updated": (tickets.notify_bulk_assignee, health.recompute_for_bulk),
    "ticket.reply_added": (tickets.email_customer, tickets.notify_mentions, tickets.notify_update),
    "ticket.sla_breached": (tickets.notify_breach, health.recompute_for_ticket),
    "ticket.first_response_breached": (tickets.notify_breach,),
    "ticket.solved": (tickets.send_csat_survey,),
    "ticket.status_changed": (tickets.notify_update, health.recompute_for_ticket),
    "ticket.priority_changed": (tickets.notify_update, health.recompute_for_ticket),
    # Customer health: only the customer an event touches is recomputed.
    "customer.created": (health.recompute_for_customer,),
    "invoice.paid": (health.recompute_for_invoice,),
    "ticket.created": (health.recompute_for_ticket,),
    "email.requested": (mail.deliver,),
}
# Every type, with its handlers in the order they run: the area's own, then analytics, then search.
HANDLERS: dict[str, tuple[events.Handler, ...]] = {
    t: (*_OWN.get(t, ()), *((analytics.track,) if t in catalogue.TRACKED else ()),
        *((search.index_change,) if t in catalogue.INDEXED else ()))
    for t in dict.fromkeys([*_OWN, *catalogue.TRACKED, *catalogue.INDEXED])
}


def register_all() -> None:
    """Called once by create_app: every handler, for every type the catalogue says it consumes."""
    for event_type, fns in HANDLERS.items():
        for fn in fns:
            events.register(event_type, fn)
