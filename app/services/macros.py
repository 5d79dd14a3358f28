"""Macros: canned replies with placeholders and field changes, shared (macros:share) or personal.

A body is plain text whose only template syntax is a whitelisted placeholder (`{{ ticket.number }}`):
it is checked when saved and again when rendered, then rendered by Jinja's SandboxedEnvironment with
autoescape, over plain single-line strings, never over ORM objects."""

from __future__ import annotations

import uuid
from typing import Any

from jinja2 import TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import Customer, Macro, Ticket, User
from app.models.base import utcnow
from app.models.ticket import PRIORITIES, STATUSES
from app.services import audit
from app.services.actor import Actor
from app.services.errors import Invalid, NotFound
from app.services.ids import parse_uuid
from app.services.tickets import BODY_MAX, check_assignee, normalise_tags
from app.services.uow import transaction

NAME_MAX = 100
LIST_MAX = 200
PLACEHOLDERS: dict[str, tuple[str, ...]] = {"customer": ("company", "name", "email"),
                                            "ticket": ("number", "title", "status", "priority"),
                                            "agent": ("name", "email")}
ACTION_KEYS = ("status", "priority", "assignee_id", "add_tags")
SANDBOX = SandboxedEnvironment(autoescape=True)
_ALLOWED_NODES = (nodes.Template, nodes.Output, nodes.TemplateData)


def placeholder_list() -> list[str]:
    return [f"{{{{ {obj}.{attr} }}}}" for obj, attrs in PLACEHOLDERS.items() for attr in attrs]


def check_template(body: str) -> None:
    """Refuse anything but text and whitelisted placeholders (no calls, filters, blocks or other attributes)."""
    allowed = "Only these placeholders may be used: " + ", ".join(placeholder_list()) + "."
    try:
        tree = SANDBOX.parse(body)
    except TemplateError as exc:
        raise Invalid("Check the macro text.", {"body": [f"The text has a template error: {exc.message}"]}) from None
    for node in tree.find_all(nodes.Node):
        if isinstance(node, _ALLOWED_NODES):
            continue
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) \
                and node.attr in PLACEHOLDERS.get(node.node.name, ()):
            continue
        if isinstance(node, nodes.Name) and node.name in PLACEHOLDERS:
            continue  # the object of an allowed placeholder (a bare one fails below)
        raise Invalid("Check the macro text.", {"body": [allowed]})
    if any(isinstance(n, nodes.Name) for o in tree.find_all(nodes.Output) for n in o.nodes):
        raise Invalid("Check the macro text.", {"body": [allowed]})  # a bare {{ customer }}


def _plain(value: object) -> str:
    """One line of at most 200 characters: no CR/LF can reach a reply from a customer's fields."""
    return " ".join(str(value or "").split())[:200]


def template_values(ticket: Ticket, customer: Customer | None, agent: User | None) -> dict[str, dict[str, str]]:
    return {"ticket": {"number": _plain(ticket.number), "title": _plain(ticket.title), "status": _plain(ticket.status),
                       "priority": _plain(ticket.priority)},
            "customer": {"company": _plain(customer.company_name if customer else ""),
                         "name": _plain(customer.contact_name if customer else ""),
                         "email": _plain(customer.contact_email if customer else "")},
            "agent": {"name": _plain(agent.name if agent else ""), "email": _plain(agent.email if agent else "")}}


def render_body(body: str, values: dict[str, dict[str, str]]) -> str:
    check_template(body)
    try:
        return str(SANDBOX.from_string(body).render(values)).replace("\x00", "")
    except TemplateError as exc:  # SecurityError is one
        raise Invalid("This macro cannot be rendered.", {"body": [str(exc)]}) from None


def clean_actions(session: Session, raw: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in ACTION_KEYS:
            raise Invalid("Check the macro's changes.", {key: ["Unknown change."]})
        if value in (None, "", []):
            continue
        if (key == "status" and value not in STATUSES) or (key == "priority" and value not in PRIORITIES):
            raise Invalid("Check the macro's changes.", {key: [f"Choose a {key}."]})
        if key == "assignee_id":
            value = str(check_assignee(session, value))
        if key == "add_tags":
            value = normalise_tags(value)
        clean[key] = value
    return clean


def _check(name: str, body: str) -> tuple[str, str]:
    name = " ".join((name or "").replace("\x00", "").split())
    body = (body or "").replace("\x00", "")
    errors: dict[str, list[str]] = {}
    if not name or len(name) > NAME_MAX:
        errors["name"] = [f"A name of 1 to {NAME_MAX} characters is required."]
    if len(body) > BODY_MAX:
        errors["body"] = [f"At most {BODY_MAX:,} characters."]
    if errors:
        raise Invalid("Check the form.", errors)
    check_template(body)
    return name, body


def visible(actor: Actor) -> Any:
    return or_(Macro.owner_id.is_(None), Macro.owner_id == actor.id)


def list_macros(session: Session, actor: Actor, q: str = "") -> list[Macro]:
    actor.require("macros:use")
    stmt = select(Macro).where(visible(actor))
    if q.strip():
        stmt = stmt.where(Macro.name.ilike("%" + q.strip().replace("\\", "\\\\").replace("%", "\\%")
                                           .replace("_", "\\_") + "%"))
    return list(session.scalars(stmt.order_by(Macro.owner_id.is_not(None), Macro.name, Macro.id).limit(LIST_MAX)))


def get_macro_for(session: Session, actor: Actor, macro_id: object, edit: bool = False) -> Macro:
    """A macro the actor may see (404 otherwise); with `edit`, one they may change (403 otherwise)."""
    mid = parse_uuid(macro_id)
    macro = session.get(Macro, mid) if mid else None
    if macro is None or not actor.can("macros:use") or (macro.owner_id is not None and macro.owner_id != actor.id):
        raise NotFound("There is no such macro.")
    if edit:
        actor.require("macros:share" if macro.shared else "macros:create")
    return macro


def _snapshot(m: Macro) -> dict[str, Any]:
    return {"name": m.name, "body": m.body, "internal": m.internal, "shared": m.shared, "actions": dict(m.actions)}


def save_macro(session: Session, actor: Actor, macro_id: object | None, name: str, body: str, internal: bool,
               shared: bool, actions: dict[str, Any]) -> Macro:
    """Create (macro_id None) or change a macro; shared ones need macros:share."""
    actor.require("macros:create")
    if shared:
        actor.require("macros:share")
    macro = get_macro_for(session, actor, macro_id, edit=True) if macro_id is not None else None
    name, body = _check(name, body)
    clean = clean_actions(session, actions)
    if not body.strip() and not clean:
        raise Invalid("Check the form.", {"body": ["A macro needs a reply text or at least one change."]})
    with transaction(session):
        before = _snapshot(macro) if macro else {}
        if macro is None:
            macro = Macro(id=uuid.uuid4(), created_by=actor.id, created_at=utcnow())
            session.add(macro)
        macro.name, macro.body, macro.internal, macro.actions = name, body, internal, clean
        macro.owner_id = None if shared else actor.id
        macro.updated_at = utcnow()
        session.flush()
        audit.record(session, actor, "macro.updated" if before else "macro.created", "macro", macro.id,
                     audit.diff(before, _snapshot(macro)))
    return macro


def delete_macro(session: Session, actor: Actor, macro_id: object) -> None:
    macro = get_macro_for(session, actor, macro_id, edit=True)
    with transaction(session):
        audit.record(session, actor, "macro.deleted", "macro", macro.id, audit.diff(_snapshot(macro), {}))
        session.delete(macro)
