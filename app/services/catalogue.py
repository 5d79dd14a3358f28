"""Every domain event type, declared once: its payload keys and who consumes it.

An event either names its in-process consumers (handlers under app/services/handlers, registered
explicitly by handlers.register_all) or is declared `published` — written to the outbox for
integrations that read it, with no handler of ours. emit() refuses an undeclared type or payload key,
and an event whose declared consumers are not registered is never marked processed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

H = "app.services.handlers."


@dataclass(frozen=True)
class EventType:
    name: str
    payload: frozenset[str]
    consumers: tuple[str, ...] = ()  # dotted names of the handlers that must run
    published: bool = False  # kept in the outbox for integrations, even without a consumer of ours

    def __post_init__(self) -> None:
        if not self.consumers and not self.published:
            raise ValueError(f"{self.name}: an event needs a consumer or must be published for integrations")


def _e(name: str, payload: str, *consumers: str, published: bool = False) -> EventType:
    return EventType(name, frozenset(payload.split()), tuple(H + c for c in consumers), published)


_ACTOR = "actor_id"
_TICKET = f"number title {_ACTOR}"

CATALOGUE: dict[str, EventType] = {
    e.name: e
    for e in (
        # Users and sign-in
        _e("user.created", f"email role invite {_ACTOR}", "users.send_invitation", "analytics.track"),
        _e("user.invitation_resent", "email", "users.send_invitation"),
        _e("user.email_changed", f"old new name actor {_ACTOR}", "users.send_invitation", "users.notify_old_address"),
        _e("user.password_reset_requested", "email", "users.send_reset_link"),
        _e("user.activated", "email", published=True),
        _e("user.updated", "fields", published=True),
        _e("user.role_changed", f"user_ids role {_ACTOR}", "users.notify_role_changed"),
        _e("user.suspended", f"user_ids {_ACTOR}", published=True),
        _e("user.reactivated", f"user_ids {_ACTOR}", published=True),
        _e("user.locked", "email until ip", "notifications.notify_admins_of_lockout", "users.alert_owner_of_lockout"),
        _e("user.logged_in", "ip", "analytics.track"),
        # Roles
        _e("role.created", "name", published=True),
        _e("role.updated", "name", published=True),
        # Customers and invoices
        _e("customer.created", _ACTOR, "health.recompute_for_customer", published=True),
        _e("customer.updated", _ACTOR, published=True),
        _e("customer.tier_changed", f"{_ACTOR} from to", "analytics.track"),
        _e("customer.suspended", f"{_ACTOR} from", published=True),
        _e("customer.reactivated", f"{_ACTOR} from", published=True),
        _e("invoice.paid", f"{_ACTOR} customer_id amount", "health.recompute_for_invoice", published=True),
        # Tickets (bulk changes emit the same per-ticket events, marked "bulk")
        _e("ticket.created", f"{_TICKET} customer_id", "health.recompute_for_ticket", "analytics.track"),
        _e("ticket.assigned", f"{_TICKET} assignee_id bulk", "tickets.notify_assignee"),
        _e("ticket.edited", f"{_TICKET} fields", published=True),
        _e("ticket.merged", f"{_TICKET} into_id into_number", published=True),
        _e("ticket.status_changed", f"{_TICKET} from to bulk", "tickets.notify_update", "health.recompute_for_ticket",
           published=True),
        _e("ticket.priority_changed", f"{_TICKET} from to bulk", "tickets.notify_update",
           "health.recompute_for_ticket", published=True),
        _e("ticket.solved", f"{_TICKET} bulk", "tickets.send_csat_survey", "analytics.track"),
        _e("ticket.bulk_updated", f"ids field value {_ACTOR}", "tickets.notify_bulk_assignee",
           "health.recompute_for_bulk"),
        _e("ticket.reply_added", f"number comment_id internal mentioned {_ACTOR}", "tickets.email_customer",
           "tickets.notify_mentions", "tickets.notify_update"),
        _e("ticket.sla_breached", "number assignee_id", "tickets.notify_breach", "health.recompute_for_ticket"),
        _e("ticket.first_response_breached", "number assignee_id", "tickets.notify_breach"),
        # Email: every message leaves through the outbox (app/services/mail.py)
        _e("email.requested", "to subject text html", "mail.deliver"),
    )
}

# The types that change what a search shows: the search index follows each (handlers.search.index_change;
# a no-op without Elasticsearch). Edits no event announces are caught by the periodic reconciliation.
INDEXED: tuple[str, ...] = (
    "user.created", "user.activated", "user.updated", "user.email_changed", "user.role_changed", "user.suspended",
    "user.reactivated", "customer.created", "customer.updated", "customer.tier_changed", "customer.suspended",
    "customer.reactivated", "ticket.created", "ticket.assigned", "ticket.status_changed", "ticket.solved",
    "ticket.bulk_updated",
)
CATALOGUE.update({name: replace(CATALOGUE[name], consumers=(*CATALOGUE[name].consumers, H + "search.index_change"))
                  for name in INDEXED})

# The types the analytics handler records, in the order the /reports page offers them (the
# catalogue test checks this agrees with the consumers above).
TRACKED: tuple[str, ...] = ("user.logged_in", "user.created", "ticket.created", "ticket.solved",
                            "customer.tier_changed")


def declare(event_type: EventType) -> EventType:
    """Add a type at run time (tests declare their own)."""
    CATALOGUE[event_type.name] = event_type
    return event_type


def get(name: str) -> EventType:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ValueError(f"undeclared event type {name!r}: declare it in app/services/catalogue.py") from None
