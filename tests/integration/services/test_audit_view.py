"""The readable audit log: names instead of ids, no bookkeeping fields, a bulk change as one entry."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord
from app.services import audit_view, tickets, tickets_bulk
from app.services.actor import Actor
from tests.factories import make_ticket, make_user


def _actor(user_id: object, correlation: str) -> Actor:
    return Actor(id=user_id, label="boss@example.com", grants=frozenset({"*"}), correlation_id=correlation)


def _newest(session: Session, n: int) -> list[AuditRecord]:
    return list(session.scalars(select(AuditRecord).order_by(AuditRecord.chain_index.desc()).limit(n)))


def test_a_bulk_change_is_one_entry_listing_its_tickets(db_session: Session) -> None:
    boss = make_user(db_session, role_name="admin")
    picked = [make_ticket(db_session, status=s) for s in ("open", "on_hold", "open")]
    tickets_bulk.bulk_update(db_session, _actor(boss.id, "req-bulk"), "status", "pending",
                             ids=[str(t.id) for t in picked])
    entries = audit_view.entries(db_session, _newest(db_session, 3))
    assert len(entries) == 1 and entries[0].grouped
    assert sorted(t.label for t in entries[0].targets) == sorted(f"#{t.number}" for t in picked)
    assert entries[0].changes == {"status": "pending"}
    assert entries[0].targets[0].url == f"/tickets/{entries[0].targets[0].id}"


def test_it_names_people_and_hides_bookkeeping(db_session: Session) -> None:
    boss = make_user(db_session, role_name="admin")
    ann = make_user(db_session, role_name="agent", name="Ann Agent")
    ticket = make_ticket(db_session)
    tickets.update_ticket(db_session, _actor(boss.id, "req-1"), ticket.id, ticket.version, {"assignee_id": str(ann.id)})
    tickets.add_comment(db_session, _actor(boss.id, "req-2"), ticket.id, "On it", internal=True)
    note, assigned = audit_view.entries(db_session, _newest(db_session, 2))
    assert assigned.changes == {"assignee": [None, "Ann Agent"]} and assigned.targets[0].label == f"#{ticket.number}"
    assert note.changes == {} and not note.grouped  # comment_id and internal are bookkeeping


def test_separate_requests_stay_separate(db_session: Session) -> None:
    boss = make_user(db_session, role_name="admin")
    first, second = make_ticket(db_session), make_ticket(db_session)
    for n, t in enumerate((first, second)):
        tickets.update_ticket(db_session, _actor(boss.id, f"req-{n}"), t.id, t.version, {"status": "pending"})
    assert len(audit_view.entries(db_session, _newest(db_session, 2))) == 2


def test_the_audit_page_shows_the_group(admin_client: FlaskClient, db_session: Session) -> None:
    boss = make_user(db_session, role_name="admin")
    picked = [make_ticket(db_session) for _ in range(4)]
    tickets_bulk.bulk_update(db_session, _actor(boss.id, "req-page"), "priority", "high",
                             ids=[str(t.id) for t in picked])
    html = admin_client.get("/audit?action=ticket.updated").get_data(as_text=True)
    assert 'data-grouped="4"' in html and f"#{picked[0].number}" in html and "version" not in html
