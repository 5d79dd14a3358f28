"""The dashboard's numbers agree with direct SQL over the same seeded data, for a fixed range."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models.ticket import PRIORITIES
from app.services import dashboard
from app.services.actor import Actor
from tests.factories import make_customer, make_invoice, make_ticket, make_user

RANGE = dashboard.DateRange("custom", date(2025, 3, 1), date(2025, 3, 10))
ADMIN = Actor(id=None, label="admin", grants=frozenset({"*"}))


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture()
def seeded(db_session: Session) -> dict:
    """~120 tickets and 40 invoices spread over the range, the previous period and outside both."""
    rnd = random.Random(6)
    agents = [make_user(db_session, role_name="agent") for _ in range(3)]
    customer = make_customer(db_session)
    for _ in range(120):
        created = _at(date(2025, 2, 15) + timedelta(days=rnd.randint(0, 30)), rnd.randint(0, 23))
        status = rnd.choice(["open", "pending", "on_hold", "solved", "closed"])
        resolved = created + timedelta(hours=rnd.randint(1, 200)) if status in ("solved", "closed") else None
        make_ticket(db_session, customer_id=customer.id, status=status, priority=rnd.choice(PRIORITIES),
                    assignee_id=rnd.choice([*[a.id for a in agents], None]), created_at=created,
                    resolved_at=resolved, resolution_due_at=created + timedelta(hours=rnd.randint(1, 120)))
    for _ in range(40):
        paid = _at(date(2025, 2, 15) + timedelta(days=rnd.randint(0, 30)), rnd.randint(0, 23))
        make_invoice(db_session, customer, amount=Decimal(rnd.randint(100, 99999)) / 100,
                     status=rnd.choice(["paid", "paid", "open"]), issued_at=paid, paid_at=paid)
    return {"agents": agents}


def _sql(session: Session, query: str, **params: object) -> list:
    return session.execute(text(query), {"start": RANGE.start, "end": RANGE.end + timedelta(days=1), **params}).all()


def test_it_counts_opened_and_solved_per_day_like_sql(db_session: Session, seeded: dict) -> None:
    data = dashboard.opened_solved(db_session, RANGE)
    opened = dict(_sql(db_session, "SELECT (created_at AT TIME ZONE 'UTC')::date::text, count(*) FROM support_tickets "
                                   "WHERE created_at >= :start AND created_at < :end GROUP BY 1"))
    solved = dict(_sql(db_session, "SELECT (resolved_at AT TIME ZONE 'UTC')::date::text, count(*) FROM support_tickets "
                                   "WHERE resolved_at >= :start AND resolved_at < :end GROUP BY 1"))
    assert data["labels"][0] == "2025-03-01" and len(data["labels"]) == 10
    assert data["opened"] == [opened.get(day, 0) for day in data["labels"]]
    assert data["solved"] == [solved.get(day, 0) for day in data["labels"]]
    assert sum(data["opened"]) > 0 and sum(data["solved"]) > 0


def test_it_counts_the_open_backlog_and_workload_like_sql(db_session: Session, seeded: dict) -> None:
    backlog = dashboard.backlog(db_session, RANGE)
    rows = dict(_sql(db_session, "SELECT priority, count(*) FROM support_tickets "
                                 "WHERE status IN ('open', 'pending', 'on_hold') GROUP BY 1"))
    assert backlog["counts"] == [rows.get(p, 0) for p in PRIORITIES]
    work = dashboard.workload(db_session, RANGE)
    per_agent = dict(_sql(db_session, "SELECT coalesce(u.name, 'Unassigned'), count(*) FROM support_tickets t "
                                      "LEFT JOIN users u ON u.id = t.assignee_id "
                                      "WHERE t.status IN ('open', 'pending', 'on_hold') GROUP BY 1"))
    assert dict(zip(work["labels"], work["counts"], strict=True)) == per_agent


def test_it_computes_sla_compliance_like_sql(db_session: Session, seeded: dict) -> None:
    data = dashboard.sla(db_session, RANGE)
    resolved, met = _sql(db_session, "SELECT count(*), count(*) FILTER (WHERE resolved_at <= resolution_due_at) "
                                     "FROM support_tickets WHERE resolved_at >= :start AND resolved_at < :end")[0]
    assert (data["resolved"], data["met"]) == (resolved, met)
    assert data["percent"] == round(100 * met / resolved, 1)


def test_the_cards_agree_with_sql(db_session: Session, seeded: dict) -> None:
    data = dashboard.cards(db_session, RANGE)
    revenue = _sql(db_session, "SELECT coalesce(sum(amount), 0) FROM invoices WHERE status = 'paid' "
                               "AND paid_at >= :start AND paid_at < :end")[0][0]
    open_now = _sql(db_session, "SELECT count(*) FROM support_tickets WHERE status IN ('open', 'pending', 'on_hold')")
    users = _sql(db_session, "SELECT count(*) FROM users WHERE status <> 'suspended'")[0][0]
    assert data["revenue"] == f"{revenue:.2f}" and Decimal(data["revenue"]) > 0
    assert data["open_tickets"] == open_now[0][0]
    assert data["total_users"] == users
    prev = _sql(db_session, "SELECT coalesce(sum(amount), 0) FROM invoices WHERE status = 'paid' "
                            "AND paid_at >= :start - interval '10 days' AND paid_at < :start")[0][0]
    assert data["revenue_prev"] == f"{prev:.2f}"


def test_the_revenue_chart_sums_to_the_card(db_session: Session, seeded: dict) -> None:
    data = dashboard.revenue(db_session, RANGE)
    assert data["per"] == "day" and len(data["labels"]) == 10
    assert f"{sum(Decimal(str(a)) for a in data['amounts']):.2f}" == data["total"]


def test_the_rollups_follow_updates_and_deletes(db_session: Session) -> None:
    ticket = make_ticket(db_session, status="open", priority="high", created_at=_at(RANGE.start, 9))
    assert dashboard.backlog(db_session, RANGE)["counts"][2] == 1
    ticket.status, ticket.resolved_at = "solved", _at(RANGE.start, 12)
    db_session.flush()
    assert dashboard.backlog(db_session, RANGE)["counts"][2] == 0
    assert dashboard.opened_solved(db_session, RANGE)["solved"][0] == 1
    db_session.delete(ticket)
    db_session.flush()
    assert dashboard.opened_solved(db_session, RANGE)["opened"][0] == 0


def test_an_agent_sees_only_their_queue(db_session: Session, seeded: dict) -> None:
    agent = seeded["agents"][0]
    actor = Actor(id=agent.id, label="a", grants=frozenset({"dashboard:read"}))
    data = dashboard.widget_data(db_session, actor, "my_cards", RANGE, 10).data
    mine = _sql(db_session, "SELECT count(*) FROM support_tickets WHERE assignee_id = :a "
                            "AND status IN ('open', 'pending', 'on_hold')", a=agent.id)[0][0]
    assert data["open_tickets"] == mine
    recent = dashboard.widget_data(db_session, actor, "recent", RANGE, 10).data
    ids = {r[0] for r in _sql(db_session, "SELECT id::text FROM support_tickets WHERE assignee_id = :a", a=agent.id)}
    assert recent["tickets"] and {t["id"] for t in recent["tickets"]} <= ids
    from app.services.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        dashboard.widget_data(db_session, actor, "revenue", RANGE, 10)


def test_the_rebuild_job_gives_the_same_rollups(db_session: Session, seeded: dict) -> None:
    from workers.jobs.dashboard import rebuild_rollups

    before = dashboard.opened_solved(db_session, RANGE), dashboard.backlog(db_session, RANGE)
    db_session.execute(text("DELETE FROM ticket_open_counts"))
    assert dashboard.backlog(db_session, RANGE) != before[1]
    rebuild_rollups()
    assert (dashboard.opened_solved(db_session, RANGE), dashboard.backlog(db_session, RANGE)) == before


def test_only_the_system_may_rebuild(db_session: Session) -> None:
    from app.services.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        dashboard.rebuild_rollups(db_session, Actor(id=None, label="x", grants=frozenset({"dashboard:read"})))
