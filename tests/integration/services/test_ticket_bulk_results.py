"""Bulk changes account for every ticket (changed / unchanged / refused, with why) and can be undone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditRecord, Ticket, TicketBulkRun
from app.models.base import utcnow
from app.services import tickets, tickets_bulk, tickets_bulk_undo
from app.services.actor import Actor
from app.services.errors import Invalid, NotFound
from tests.factories import make_customer, make_ticket, make_user


def _agent(session: Session, name: str = "Ann", grants: frozenset[str] = frozenset({"tickets:*"})) -> Actor:
    user = make_user(session, email=f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com", name=name)
    return Actor(user.id, user.email, grants)


def _by_outcome(items: tuple[dict[str, object], ...]) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for item in items:
        found.setdefault(str(item["outcome"]), []).append(item)
    return found


def test_every_selected_ticket_has_a_result(db_session: Session) -> None:
    customer = make_customer(db_session)
    open_ = [make_ticket(db_session, customer_id=customer.id) for _ in range(3)]
    solved = make_ticket(db_session, customer_id=customer.id, status="solved")
    gone = make_ticket(db_session, customer_id=customer.id)
    gone_id = gone.id
    db_session.delete(gone)
    db_session.flush()
    ids = [str(t.id) for t in [*open_, solved]] + [str(gone_id)]
    result = tickets_bulk.bulk_update(db_session, _agent(db_session), "status", "solved", ids=ids)
    got = _by_outcome(result.items)
    assert len(got["changed"]) == 3 and len(got["unchanged"]) == 1 and len(got["refused"]) == 1
    assert got["unchanged"][0]["id"] == str(solved.id) and got["unchanged"][0]["reason"] == "already as asked"
    assert got["refused"][0]["id"] == str(gone_id) and "missing" in str(got["refused"][0]["reason"])
    assert result.summary == "3 tickets changed, 1 already as asked, 1 refused."
    audits = db_session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.target_id.in_([str(t.id) for t in open_])))
    assert audits == 3


def test_a_ticket_changed_since_the_list_was_loaded_is_refused_naming_who(db_session: Session) -> None:
    ticket, other = make_ticket(db_session), make_ticket(db_session)
    loaded_at = utcnow()
    tickets.update_ticket(db_session, _agent(db_session, "Bob"), ticket.id, 1, {"priority": "urgent"})
    result = tickets_bulk.bulk_update(db_session, _agent(db_session), "status", "pending",
                                      ids=[str(ticket.id), str(other.id)], loaded_at=loaded_at)
    got = _by_outcome(result.items)
    assert [i["id"] for i in got["changed"]] == [str(other.id)]
    assert "changed by bob-" in str(got["refused"][0]["reason"]) and "priority" in str(got["refused"][0]["reason"])
    db_session.refresh(ticket)
    assert ticket.status == "open" and ticket.priority == "urgent"


def test_a_stale_version_is_refused(db_session: Session) -> None:
    ticket = make_ticket(db_session)
    result = tickets_bulk.bulk_update(db_session, _agent(db_session), "status", "pending", ids=[str(ticket.id)],
                                      versions={str(ticket.id): 0})
    assert result.items[0]["outcome"] == "refused" and "now version 1" in str(result.items[0]["reason"])


def test_scoped_grants_refuse_the_tickets_outside_them(db_session: Session) -> None:
    mine, theirs, hidden = make_ticket(db_session), make_ticket(db_session), make_ticket(db_session)
    grants = frozenset({"tickets:bulk", f"tickets:read:{mine.id}", f"tickets:read:{theirs.id}",
                        f"tickets:update:{mine.id}"})
    result = tickets_bulk.bulk_update(db_session, _agent(db_session, grants=grants), "status", "pending",
                                      ids=[str(mine.id), str(theirs.id), str(hidden.id)])
    reasons = {i["id"]: (i["outcome"], str(i["reason"])) for i in result.items}
    assert reasons[str(mine.id)][0] == "changed"
    assert reasons[str(theirs.id)][0] == "refused" and reasons[str(theirs.id)][1].startswith("no permission")
    assert reasons[str(hidden.id)] == ("refused", tickets_bulk.MISSING)  # no hint that it exists


def test_undo_restores_each_ticket_unless_it_changed_since(db_session: Session) -> None:
    ann = _agent(db_session)
    first, second = make_ticket(db_session, priority="low"), make_ticket(db_session, priority="high")
    run = tickets_bulk.bulk_update(db_session, ann, "priority", "urgent", ids=[str(first.id), str(second.id)])
    tickets.update_ticket(db_session, _agent(db_session, "Bob"), second.id, 2, {"status": "pending"})
    results = tickets_bulk_undo.undo_bulk(db_session, ann, run.run_id)
    by_id = {r["id"]: r for r in results}
    assert by_id[str(first.id)]["outcome"] == "restored"
    assert by_id[str(second.id)]["outcome"] == "skipped" and "changed status" in str(by_id[str(second.id)]["reason"])
    db_session.refresh(first)
    db_session.refresh(second)
    assert (first.priority, first.version) == ("low", 3) and second.priority == "urgent"
    undo_audit = db_session.scalars(select(AuditRecord).where(AuditRecord.action == "ticket.bulk_undone")).all()
    assert [r.target_id for r in undo_audit] == [str(first.id)]
    assert undo_audit[0].changes["priority"] == ["urgent", "low"]
    with pytest.raises(Invalid):
        tickets_bulk_undo.undo_bulk(db_session, ann, run.run_id)  # once only


def test_undo_restores_resolved_at_and_is_only_for_ten_minutes_and_the_author(db_session: Session) -> None:
    ann = _agent(db_session)
    ticket = make_ticket(db_session)
    run = tickets_bulk.bulk_update(db_session, ann, "status", "solved", ids=[str(ticket.id)])
    with pytest.raises(NotFound):
        tickets_bulk_undo.undo_bulk(db_session, _agent(db_session, "Bob"), run.run_id)
    row = db_session.get(TicketBulkRun, run.run_id)
    assert row is not None
    row.finished_at = utcnow() - timedelta(minutes=11)
    db_session.flush()
    with pytest.raises(Invalid):
        tickets_bulk_undo.undo_bulk(db_session, ann, run.run_id)
    row.finished_at = utcnow() - timedelta(minutes=9)
    db_session.flush()
    tickets_bulk_undo.undo_bulk(db_session, ann, run.run_id)
    db_session.refresh(ticket)
    assert ticket.status == "open" and ticket.resolved_at is None


def test_a_large_bulk_runs_as_a_job_in_chunks(db_session: Session, run_jobs: Callable[[], int],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tickets_bulk, "SYNC_MAX", 3)
    monkeypatch.setattr(tickets_bulk, "CHUNK", 2)
    customer = make_customer(db_session)
    ids = [str(make_ticket(db_session, customer_id=customer.id).id) for _ in range(5)]
    result = tickets_bulk.bulk_update(db_session, _agent(db_session), "status", "pending", ids=ids, background=True)
    assert result.queued and result.changed == 0
    run_jobs()
    run = db_session.get(TicketBulkRun, result.run_id)
    assert run is not None
    db_session.refresh(run)
    assert (run.state, run.processed, len(run.results)) == ("done", 5, 5)
    assert db_session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status == "pending")) == 5
    assert tickets_bulk.run_queued(db_session, str(run.id)) == 5  # again: nothing more happens
