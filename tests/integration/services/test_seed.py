"""The seed writes search vectors and pairs itself; they must equal what PostgreSQL computes."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from app.extensions import db
from app.seed import seed
from tests.conftest import truncate_all


def test_seeded_search_vectors_equal_postgres_own(app: Flask) -> None:
    with app.app_context():
        try:
            seed(app.extensions["owner_engine"], users=5, customers=20, tickets=300, seed_value=3)
            mismatches = db.session.execute(text(
                "SELECT count(*) FROM support_tickets WHERE search_vector IS DISTINCT FROM "
                "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')"
            )).scalar()
            total = db.session.execute(text("SELECT count(*) FROM support_tickets")).scalar()
            found = db.session.execute(text(
                "SELECT count(*) FROM support_tickets WHERE search_vector @@ websearch_to_tsquery('english', 'refunds')"
            )).scalar()
            pair_mismatches = db.session.execute(text(
                "SELECT count(*) FROM support_tickets WHERE search_pairs IS NULL OR "
                "ARRAY(SELECT DISTINCT c FROM unnest(search_pairs) c ORDER BY c) <> search_pair_codes(search_vector)"
            )).scalar()
            containing = db.session.execute(text(
                "SELECT count(*) FROM support_tickets WHERE title || ' ' || description ILIKE '%refund%'"
            )).scalar()
        finally:
            db.session.remove()
            truncate_all(app)
    assert total == 300 and mismatches == 0
    assert pair_mismatches == 0  # search_pairs equals what the trigger computes from the vector
    assert containing and found == containing  # "refunds" stems to the seeded "refund"


def test_the_trigger_fills_and_follows_the_text(app: Flask, db_session: object) -> None:
    from tests.factories import make_ticket

    ticket = make_ticket(db_session, title="Printer refunds", description="The printer is on fire")
    s = db_session
    sql = text("SELECT count(*) FROM support_tickets WHERE id = :id"
               " AND search_vector @@ websearch_to_tsquery('english', :q)")
    hit = lambda q: s.execute(sql, {"id": ticket.id, "q": q}).scalar()  # type: ignore[attr-defined]  # noqa: E731
    assert hit("refund") == 1 and hit("fire") == 1
    pairs = text("SELECT search_pairs @> ARRAY[hashtext(:pair)] AND search_pairs = search_pair_codes(search_vector)"
                 " FROM support_tickets WHERE id = :id")
    has_pair = lambda pair: s.execute(pairs, {"id": ticket.id, "pair": pair}).scalar()  # type: ignore[attr-defined]  # noqa: E731
    assert has_pair("printer refund") and not has_pair("refund printer")  # "the" sits between them
    ticket.description = "Good paper now"
    s.flush()  # type: ignore[attr-defined]
    assert hit("fire") == 0 and hit("good") == 1
    # the pairs follow the text; the title's last word meets the body's first
    assert has_pair("good paper") and has_pair("refund good") and has_pair("printer refund")
