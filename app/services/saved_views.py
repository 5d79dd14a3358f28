"""Saved ticket views: the list's filters, search and sort under a name, personal or shared with a
role (views:share); ordered by their owner; counted with bounded_count (an estimate where exact
would scan)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from app.auth.permissions import has_any_scope
from app.models import Role, SavedView, Ticket, User
from app.models.base import utcnow
from app.services import audit
from app.services.actor import Actor
from app.services.errors import Invalid, NotFound
from app.services.ids import parse_uuid
from app.services.listing import Count, bounded_count
from app.services.tickets_query import TicketFilter, scoped_ids
from app.services.uow import transaction

NAME_MAX = 80
QUERY_MAX = 2000  # the stored filter, search and sort parameters
PER_USER_MAX = 50
FILTER_KEYS = ("view", "status", "priority", "assignee", "customer", "tag", "created_from", "created_to")
KEYS = (*FILTER_KEYS, "q", "sort")


@dataclass(frozen=True)
class ViewRow:
    view: SavedView
    count: Count | None
    mine: bool


def clean_query(raw: str) -> str:
    """Only the list's own parameters (no page or cursor), each once, in a fixed order."""
    pairs = {k: v.replace("\x00", "")[:200] for k, v in parse_qsl(raw or "", keep_blank_values=False)[:50]
             if k in KEYS and v}
    return urlencode([(k, pairs[k]) for k in KEYS if k in pairs])


def ticket_filter(view: SavedView, me: uuid.UUID | None) -> tuple[TicketFilter, str]:
    """The saved view as the list's filter, and its sort."""
    pairs = dict(parse_qsl(view.query))
    return TicketFilter({k: v for k, v in pairs.items() if k in FILTER_KEYS}, pairs.get("q", ""), me), \
        pairs.get("sort", "-updated_at")


def _require_reader(actor: Actor) -> None:
    """Anyone who may read some tickets may keep views (the counts hold only what they may read)."""
    if not has_any_scope(actor.grants, "tickets:read"):
        actor.require("tickets:read")


def _role_of(session: Session, actor: Actor) -> str | None:
    return session.scalar(select(User.role_name).where(User.id == actor.id)) if actor.id else None


def _visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    role = _role_of(session, actor)
    return or_(SavedView.owner_id == actor.id, SavedView.role_name == role) if role else SavedView.owner_id == actor.id


def get_view_for(session: Session, actor: Actor, view_id: object, own: bool = False) -> SavedView:
    """A view the actor may use (404 otherwise); with `own`, one they may change (their own)."""
    _require_reader(actor)
    vid = parse_uuid(view_id)
    view = session.scalar(select(SavedView).where(SavedView.id == vid, _visible(session, actor))) if vid else None
    if view is None or (own and view.owner_id != actor.id):
        raise NotFound("There is no such saved view.")
    return view


def count_view(session: Session, actor: Actor, view: SavedView) -> Count:
    tf, _ = ticket_filter(view, actor.id)
    conds, _ = tf.conditions()
    ids = scoped_ids(actor, "tickets:read")
    if ids is not None:
        conds.append(Ticket.id.in_(ids))
    return bounded_count(session, select(Ticket.id).where(*conds))


def list_views(session: Session, actor: Actor, counts: bool = True) -> list[ViewRow]:
    """The actor's own views in their order, then those shared with their role."""
    _require_reader(actor)
    views = session.scalars(select(SavedView).where(_visible(session, actor)).order_by(
        SavedView.owner_id != actor.id, SavedView.position, SavedView.name, SavedView.id).limit(PER_USER_MAX * 2))
    return [ViewRow(v, count_view(session, actor, v) if counts else None, v.owner_id == actor.id) for v in views]


def save_view(session: Session, actor: Actor, name: str, query: str, role_name: str | None = None) -> SavedView:
    """Save the current list as a named view; sharing it with a role needs views:share."""
    _require_reader(actor)
    name = " ".join((name or "").replace("\x00", "").split())
    if not name or len(name) > NAME_MAX:
        raise Invalid("Check the name.", {"name": [f"A name of 1 to {NAME_MAX} characters is required."]})
    if role_name:
        actor.require("views:share")
        if session.scalar(select(Role.id).where(Role.name == role_name)) is None:
            raise Invalid("Check the role.", {"role_name": ["Choose a role."]})
    mine = session.scalar(select(func.count()).select_from(SavedView).where(SavedView.owner_id == actor.id)) or 0
    if mine >= PER_USER_MAX:
        raise Invalid(f"At most {PER_USER_MAX} saved views each: delete one first.", {"name": ["Too many views."]})
    with transaction(session):
        view = SavedView(id=uuid.uuid4(), name=name, owner_id=actor.id, role_name=role_name or None,
                         query=clean_query(query), position=mine, created_at=utcnow(), updated_at=utcnow())
        session.add(view)
        session.flush()
        audit.record(session, actor, "view.created", "view", view.id,
                     {"name": [None, name], "query": [None, view.query], "role": [None, view.role_name]})
    return view


def move_view(session: Session, actor: Actor, view_id: object, step: int) -> None:
    """Move one of the actor's own views up (-1) or down (+1) in their list."""
    view = get_view_for(session, actor, view_id, own=True)
    own = list(session.scalars(select(SavedView).where(SavedView.owner_id == actor.id)
                               .order_by(SavedView.position, SavedView.name, SavedView.id)))
    at = own.index(view)
    to = max(0, min(len(own) - 1, at + (1 if step > 0 else -1)))
    if to == at:
        return
    own.insert(to, own.pop(at))
    with transaction(session):
        for position, v in enumerate(own):
            v.position = position
        audit.record(session, actor, "view.moved", "view", view.id, {"position": [at, to]})


def delete_view(session: Session, actor: Actor, view_id: object) -> None:
    view = get_view_for(session, actor, view_id, own=True)
    with transaction(session):
        audit.record(session, actor, "view.deleted", "view", view.id, {"name": [view.name, None]})
        session.delete(view)


def role_names(session: Session) -> list[str]:
    return list(session.scalars(select(Role.name).order_by(Role.name).limit(100)))
