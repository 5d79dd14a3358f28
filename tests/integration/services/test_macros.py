"""Macros: placeholders rendered safely, shared ones need macros:share, applying is one audited change."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, Macro, TicketComment
from app.services import macros, macros_apply
from app.services.actor import Actor
from app.services.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests.factories import make_customer, make_ticket, make_user

AGENT = frozenset({"tickets:*", "customers:read", "macros:use", "macros:create"})
LEAD = AGENT | {"macros:share"}


def _actor(session: Session, grants: frozenset[str] = AGENT, name: str = "Alma Agent") -> Actor:
    user = make_user(session, name=name)
    return Actor(user.id, user.email, grants)


def _macro(session: Session, actor: Actor, body: str = "", shared: bool = False, **actions: object) -> Macro:
    return macros.save_macro(session, actor, None, "Test macro", body, False, shared, dict(actions))


def test_it_renders_the_whitelisted_placeholders(db_session: Session) -> None:
    actor = _actor(db_session)
    customer = make_customer(db_session, company_name="Acme Ltd")
    ticket = make_ticket(db_session, customer_id=customer.id)
    macro = _macro(db_session, actor, "Hello {{ customer.company }}, ticket #{{ ticket.number }}. {{ agent.name }}")
    text = macros_apply.preview(db_session, actor, ticket, macro.body)
    assert text == f"Hello Acme Ltd, ticket #{ticket.number}. Alma Agent"


@pytest.mark.parametrize("body", [
    "{{ ''.__class__ }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ customer.__class__ }}",
    "{{ customer }}", "{{ customer['company'] }}", "{{ ticket.number.__add__(1) }}", "{{ config }}",
    "{% for x in range(10) %}x{% endfor %}", "{{ customer.company|attr('upper') }}", "{{ lipsum.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}", "{{", "{% set x = 1 %}",
])
def test_template_injection_is_refused_when_saved_and_when_rendered(db_session: Session, body: str) -> None:
    with pytest.raises(Invalid):
        _macro(db_session, _actor(db_session), body)
    with pytest.raises(Invalid):
        macros.render_body(body, {})


def test_the_sandbox_itself_gives_nothing_away_even_without_the_whitelist() -> None:
    out = macros.SANDBOX.from_string("[{{ ''.__class__ }}]").render()
    assert out == "[]"
    with pytest.raises(Exception, match="unsafe|undefined|attribute"):
        macros.SANDBOX.from_string("{{ ''.__class__.__mro__ }}").render()


def test_script_and_line_breaks_in_values_render_inert(db_session: Session) -> None:
    actor = _actor(db_session)
    customer = make_customer(db_session, company_name="<script>alert(1)</script>\r\nBcc: evil@example.com")
    ticket = make_ticket(db_session, customer_id=customer.id)
    text = macros_apply.preview(db_session, actor, ticket, "Dear {{ customer.company }}")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\r" not in text and "\n" not in text


def test_shared_macros_need_the_share_permission(db_session: Session) -> None:
    agent = _actor(db_session)
    with pytest.raises(PermissionDenied):
        _macro(db_session, agent, "Hi", shared=True)
    shared = _macro(db_session, _actor(db_session, LEAD, "Lead"), "Hi all", shared=True)
    mine = _macro(db_session, agent, "Mine")
    other = _actor(db_session, name="Other")
    assert {m.id for m in macros.list_macros(db_session, other)} == {shared.id}
    with pytest.raises(NotFound):
        macros.get_macro_for(db_session, other, mine.id)
    with pytest.raises(PermissionDenied):
        macros.delete_macro(db_session, agent, shared.id)


def test_applying_replies_and_solves_in_one_audit_record(db_session: Session) -> None:
    actor = _actor(db_session)
    ticket = make_ticket(db_session, tags=["billing"])
    macro = _macro(db_session, actor, "Solved for #{{ ticket.number }}.", status="solved", priority="low",
                   add_tags=["refund"])
    macros_apply.apply_macro(db_session, actor, ticket.id, macro.id, 1)
    db_session.refresh(ticket)
    assert (ticket.status, ticket.priority, ticket.tags, ticket.version) == ("solved", "low", ["billing", "refund"], 2)
    assert ticket.first_response_at is not None and ticket.resolved_at is not None
    comment = db_session.scalars(select(TicketComment).where(TicketComment.ticket_id == ticket.id)).one()
    assert comment.body == f"Solved for #{ticket.number}." and not comment.internal
    recs = db_session.scalars(select(AuditRecord).where(AuditRecord.target_id == str(ticket.id))).all()
    assert [r.action for r in recs] == ["ticket.macro_applied"]
    assert recs[0].changes["status"] == ["open", "solved"] and recs[0].changes["comment_id"] == str(comment.id)


def test_a_stale_version_applies_nothing(db_session: Session) -> None:
    actor = _actor(db_session)
    ticket = make_ticket(db_session)
    macro = _macro(db_session, actor, "Done.", status="solved")
    with pytest.raises(Conflict):
        macros_apply.apply_macro(db_session, actor, ticket.id, macro.id, 0)
    assert db_session.scalars(select(TicketComment).where(TicketComment.ticket_id == ticket.id)).first() is None


def test_it_needs_the_ticket_permissions_the_changes_need(db_session: Session) -> None:
    lead = _actor(db_session, LEAD, "Lead")
    ticket = make_ticket(db_session)
    macro = _macro(db_session, lead, "", shared=True, status="solved")
    reader = _actor(db_session, frozenset({"tickets:read", "macros:use"}), "Reader")
    with pytest.raises(PermissionDenied):
        macros_apply.apply_macro(db_session, reader, ticket.id, macro.id, 1)
