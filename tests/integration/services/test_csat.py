"""Satisfaction surveys: sent on solve, a signed one-time link, scores by agent, tier and week."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, CsatSurvey
from app.services import csat, tickets
from app.services.actor import Actor
from app.services.errors import Invalid, PermissionDenied
from tests.factories import make_customer, make_ticket, make_user


def test_solving_emails_a_link_that_rates_once(app: Flask, db_session: Session, run_jobs: Callable[[], int],
                                               mail_sink: list[Any]) -> None:
    agent = make_user(db_session, name="Sol Ver")
    customer = make_customer(db_session, subscription_tier="enterprise", contact_email="buyer@example.com")
    ticket = make_ticket(db_session, customer_id=customer.id, assignee_id=agent.id)
    tickets.update_ticket(db_session, Actor.system(), ticket.id, 1, {"status": "solved"})
    run_jobs()
    mails = [m for m in mail_sink if m["To"] == "buyer@example.com"]
    assert len(mails) == 1 and "How did we do?" in mails[0]["Subject"]
    token = mails[0].get_body(preferencelist=("plain",)).get_content().split("/csat/")[1].split()[0]
    survey = csat.rate(db_session, token, "4", "Quick, thanks")
    assert (survey.score, survey.comment, survey.agent_id, survey.tier) == (4, "Quick, thanks", agent.id, "enterprise")
    with pytest.raises(Invalid, match="rated already"):
        csat.rate(db_session, token, "1")
    rec = db_session.scalars(select(AuditRecord).where(AuditRecord.action == "ticket.rated")).one()
    assert rec.target_id == str(ticket.id) and rec.changes["score"] == [None, 4]
    report = csat.report(db_session, Actor.system())
    assert report["overall"][0].average == 4.0 and report["agents"][0].label == "Sol Ver"
    assert report["tiers"][0].label == "enterprise" and report["weeks"][0].count == 1


@pytest.mark.parametrize("token", ["", "nonsense", "eyJhIjoxfQ.forged.signature"])
def test_a_bad_or_forged_link_is_refused(db_session: Session, token: str) -> None:
    with pytest.raises(Invalid):
        csat.survey_for(db_session, token)


def test_a_tampered_link_is_refused_and_scores_must_be_1_to_5(app: Flask, db_session: Session) -> None:
    ticket = make_ticket(db_session, status="solved")
    with app.test_request_context():
        token = csat.open_survey(db_session, ticket.id)
        assert token is not None
        with pytest.raises(Invalid):
            csat.survey_for(db_session, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
        for bad in ("0", "6", "x", ""):
            with pytest.raises(Invalid):
                csat.rate(db_session, token, bad)
    assert db_session.scalars(select(CsatSurvey)).one().rated_at is None


def test_the_report_needs_analytics(db_session: Session) -> None:
    with pytest.raises(PermissionDenied):
        csat.report(db_session, Actor(None, "agent", frozenset({"tickets:*"})))
