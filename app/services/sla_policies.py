"""The SLA policy editor (sla:manage): first-response and resolution targets by priority and customer
tier; changes apply to new tickets and, when asked, to the open ones (measured from their creation)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.models import Customer, SlaPolicy, Ticket
from app.models.base import utcnow
from app.models.customer import TIERS
from app.models.ticket import OPEN_STATUSES, PRIORITIES
from app.services import audit
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.uow import transaction

MAX_MINUTES = 366 * 24 * 60
Targets = dict[tuple[str, str], tuple[int, int]]


def list_policies(session: Session, actor: Actor) -> Targets:
    actor.require("sla:manage")
    return {(p.priority, p.tier): (p.first_response_minutes, p.resolution_minutes)
            for p in session.scalars(select(SlaPolicy))}


def _check(raw: Mapping[tuple[str, str], tuple[object, object]]) -> Targets:
    clean: Targets = {}
    errors: dict[str, list[str]] = {}
    for (priority, tier), (first, resolution) in raw.items():
        if priority not in PRIORITIES or tier not in TIERS:
            raise Invalid("Unknown priority or tier.", {"targets": [f"{priority}/{tier}"]})
        try:
            pair = (int(str(first)), int(str(resolution)))
        except ValueError:
            pair = (0, 0)
        if not all(0 < m <= MAX_MINUTES for m in pair) or pair[0] > pair[1]:
            errors[f"{priority}-{tier}"] = [f"{priority}, {tier}: whole minutes from 1 to {MAX_MINUTES:,}, "
                                            "first response no later than resolution."]
        clean[(priority, tier)] = pair
    if errors:
        raise Invalid("Check the targets.", errors)
    return clean


def save_targets(session: Session, actor: Actor, raw: Mapping[tuple[str, str], tuple[object, object]],
                 apply_open: bool = False) -> int:
    """Store the targets; with `apply_open`, re-time the open tickets they cover. Returns tickets re-timed."""
    actor.require("sla:manage")
    new = _check(raw)
    old = list_policies(session, actor)
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    retimed = 0
    with transaction(session):
        for (priority, tier), (first, resolution) in changed.items():
            policy = session.get(SlaPolicy, (priority, tier)) or SlaPolicy(priority=priority, tier=tier)
            policy.first_response_minutes, policy.resolution_minutes = first, resolution
            session.add(policy)
        if changed:
            audit.record(session, actor, "sla.updated", "sla", "policies",
                         {f"{p}/{t}": [list(old.get((p, t), ())) or None, list(v)] for (p, t), v in changed.items()}
                         | {"applied_to_open": apply_open})
        for (priority, tier), (first, resolution) in changed.items() if apply_open else ():
            retimed += _retime(session, priority, tier, first, resolution)
    return retimed


def _retime(session: Session, priority: str, tier: str, first: int, resolution: int) -> int:
    """New due times for the open tickets of one priority and tier; a breach the new target undoes is cleared."""
    res_due = Ticket.created_at + func.make_interval(0, 0, 0, 0, 0, resolution)
    first_due = Ticket.created_at + func.make_interval(0, 0, 0, 0, 0, first)
    now = utcnow()
    rows = session.execute(
        update(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.priority == priority,
                             Ticket.customer_id == Customer.id, Customer.subscription_tier == tier)
        .values(first_response_due_at=first_due, resolution_due_at=res_due,
                sla_breached_at=text("CASE WHEN support_tickets.created_at + make_interval(mins => :r) > :now "
                                     "THEN NULL ELSE support_tickets.sla_breached_at END").bindparams(r=resolution,
                                                                                                    now=now))
        .returning(Ticket.id).execution_options(synchronize_session=False)).all()
    return len(rows)
