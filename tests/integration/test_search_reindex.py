from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from app.extensions import db
from tests.factories import make_ticket


def test_reindex_rebuilds_vectors_without_touching_updated_at(app: Flask, committed_db: object) -> None:
    tickets = [make_ticket(db.session, title=f"Refund request {i}") for i in range(5)]
    db.session.commit()
    ids = [t.id for t in tickets]
    with app.extensions["owner_engine"].begin() as owner:  # the app role may not alter tables
        owner.execute(text("ALTER TABLE support_tickets DISABLE TRIGGER support_tickets_search_vector"))
        owner.execute(text("UPDATE support_tickets SET search_vector = NULL, updated_at = updated_at"))
        owner.execute(text("ALTER TABLE support_tickets ENABLE TRIGGER support_tickets_search_vector"))
    before = dict(db.session.execute(text("SELECT id, updated_at FROM support_tickets")).all())
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--batch", "2"])
    assert result.exit_code == 0 and "reindexed 5 tickets" in result.output
    hits = db.session.execute(text(
        "SELECT count(*) FROM support_tickets WHERE search_vector @@ websearch_to_tsquery('english', 'refunds')"
    )).scalar()
    after = dict(db.session.execute(text("SELECT id, updated_at FROM support_tickets")).all())
    assert hits == 5 and after == before and set(after) == set(ids)
