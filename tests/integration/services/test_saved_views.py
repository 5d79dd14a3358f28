"""Saved views: cleaned query, personal or shared with a role (views:share), order, counts."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.services import saved_views
from app.services.actor import Actor
from app.services.errors import Invalid, NotFound, PermissionDenied
from tests.factories import make_ticket, make_user

READ = frozenset({"tickets:read"})


def _actor(session: Session, role: str = "agent", grants: frozenset[str] = READ) -> Actor:
    user = make_user(session, role_name=role)
    return Actor(user.id, user.email, grants)


def test_it_keeps_only_the_lists_parameters() -> None:
    assert saved_views.clean_query("page=3&q=refund&status=open&cursor=x&evil=1&sort=-number") == \
        "status=open&q=refund&sort=-number"


def test_personal_views_are_ordered_and_counted(db_session: Session) -> None:
    ann = _actor(db_session)
    make_ticket(db_session, priority="urgent")
    make_ticket(db_session, priority="urgent", status="solved")
    first = saved_views.save_view(db_session, ann, "Urgent open", "priority=urgent&status=open")
    second = saved_views.save_view(db_session, ann, "Everything", "")
    rows = saved_views.list_views(db_session, ann)
    assert [r.view.id for r in rows] == [first.id, second.id]
    assert rows[0].count is not None and rows[0].count.value == 1 and rows[0].count.exact
    saved_views.move_view(db_session, ann, second.id, -1)
    assert [r.view.id for r in saved_views.list_views(db_session, ann, counts=False)] == [second.id, first.id]
    other = _actor(db_session)
    assert saved_views.list_views(db_session, other) == []
    with pytest.raises(NotFound):
        saved_views.delete_view(db_session, other, first.id)


def test_sharing_with_a_role_needs_views_share(db_session: Session) -> None:
    with pytest.raises(PermissionDenied):
        saved_views.save_view(db_session, _actor(db_session), "Team", "status=open", "agent")
    lead = _actor(db_session, "manager", READ | {"views:share"})
    shared = saved_views.save_view(db_session, lead, "Team queue", "status=open", "agent")
    agent = _actor(db_session)
    rows = saved_views.list_views(db_session, agent)
    assert [r.view.id for r in rows] == [shared.id] and not rows[0].mine
    with pytest.raises(NotFound):
        saved_views.delete_view(db_session, agent, shared.id)  # shared with them, not theirs to change
    assert saved_views.list_views(db_session, _actor(db_session, "viewer")) == []
    with pytest.raises(Invalid):
        saved_views.save_view(db_session, lead, "Nobody", "", "no-such-role")


def test_a_name_is_required(db_session: Session) -> None:
    with pytest.raises(Invalid):
        saved_views.save_view(db_session, _actor(db_session), "   ", "status=open")
