"""Time the customer list sorted and filtered by health at 100,000 customers.

Uses a database seeded like bench/setup.sh (100,000 customers; fewer tickets are fine):

    BENCH_DB=backoffice_bench_health BENCH_TICKETS=300000 bench/setup.sh
    .venv/bin/python -m bench.bench_customers_health [--database-url URL] [-n 30] [--prepare]

`--prepare` (once) gives about 5 % of the customers a bad quarter — urgent tickets that breached
their targets — and recomputes every score, so the "at risk" filter has rows to show. Each view is
requested through the Flask test client as an htmx partial (the whole request: session, permission,
the list query, rendering), warmed twice, then timed n times; the list query alone is timed through
the service, and its plan is printed. The API pages by keyset cursor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

VIEWS = ["/customers?sort=health", "/customers?sort=-health", "/customers?health=at_risk&sort=health",
         "/customers?health=watch&sort=-health", "/customers?sort=health&page=200",
         "/customers?tier=enterprise&sort=health", "/customers?sort=company"]
EMAIL = "bench-health@example.com"
PASSWORD = "bench health list 2026"  # noqa: S105 - a bench database's throwaway user
BAD_QUARTER = """
UPDATE support_tickets t SET priority = 'urgent', status = 'open', created_at = now() - interval '20 days',
       sla_breached_at = now() - interval '5 days'
WHERE t.customer_id IN (SELECT id FROM customers WHERE abs(hashtext(id::text)) % 20 = 0)
"""


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    return f"{statistics.median(values) * 1000:.1f} | {p95 * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/backoffice_bench_health"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--prepare", action="store_true")
    args = parser.parse_args()

    from app import create_app
    from app.config import Config, normalise_db_url
    from app.extensions import db
    from app.models import User
    from app.services import auth, customers, health
    from app.services.actor import Actor
    from app.services.listing import ListQuery, Position
    from tests.factories import make_user

    app = create_app(Config(ENV="test", TESTING=True, SECRET_KEY="bench-" + "x" * 50,
                            SQLALCHEMY_DATABASE_URI=normalise_db_url(args.database_url), REDIS_URL=args.redis_url,
                            LOG_LEVEL="WARNING", TWO_FACTOR_ENFORCE=False, RATELIMIT_ENABLED=False))
    with app.app_context():
        session = db.session
        if args.prepare:
            started = time.perf_counter()
            session.execute(text(BAD_QUARTER))
            session.commit()
            count = health.recompute_all(session, Actor.system("bench"))
            took = time.perf_counter() - started
            print(f"prepared: bad quarter for ~5 % of customers, {count} scores in {took:.1f} s")
        session.execute(text("ANALYZE customer_health"))
        session.commit()
        bands = dict(session.execute(text("SELECT band, count(*) FROM customer_health GROUP BY band")).all())
        total = session.scalar(text("SELECT count(*) FROM customers"))
        print(f"{total:,} customers; bands {bands}")
        user = session.query(User).filter_by(email=EMAIL).one_or_none() or make_user(
            session, email=EMAIL, name="Health Bench", role_name="manager", password=PASSWORD)
        session.commit()
        token = auth.start_session(session, user, "127.0.0.1", "bench")
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = token

        print("\n| view (htmx partial, test client) | HTTP | median ms | p95 ms |\n|---|---|---:|---:|")
        for url in VIEWS:
            for _ in range(2):
                client.get(url, headers={"HX-Request": "true"})
            times = []
            for _ in range(args.n):
                start = time.perf_counter()
                resp = client.get(url, headers={"HX-Request": "true"})
                times.append(time.perf_counter() - start)
            print(f"| `{url}` | {resp.status_code} | {_ms(times)} |")

        actor = Actor(user.id, user.email, frozenset({"customers:*"}))
        print("\n| list query alone (service, 50 rows + bounded count) | median ms | p95 ms |\n|---|---:|---:|")
        for label, filters, desc, offset in (("sort=health", {}, False, 0), ("sort=-health", {}, True, 0),
                                             ("health=at_risk&sort=health", {"health": "at_risk"}, False, 0),
                                             ("sort=health, offset 10,000", {}, False, 10_000)):
            query = ListQuery(filters=filters, sort="health", descending=desc, limit=50,
                              start=Position(offset=offset))
            times = []
            for _ in range(args.n):
                start = time.perf_counter()
                customers.list_customers(session, actor, query)
                times.append(time.perf_counter() - start)
                session.rollback()
            print(f"| {label} | {_ms(times)} |")

        api = app.test_client()
        login = api.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}).get_json()
        bearer = {"Authorization": f"Bearer {login['access_token']}"}
        times, cursor = [], ""
        for _ in range(args.n):
            start = time.perf_counter()
            body = api.get(f"/api/v1/customers?sort=health&limit=50&cursor={cursor}", headers=bearer).get_json()
            times.append(time.perf_counter() - start)
            cursor = body["meta"]["next_cursor"] or ""
        print(f"\nAPI `/api/v1/customers?sort=health&limit=50`, {args.n} keyset pages in a row: "
              f"median | p95 ms = {_ms(times)}")

        stmt = ("SELECT c.id FROM customers c JOIN customer_health h ON h.customer_id = c.id "
                "ORDER BY h.score, h.customer_id LIMIT 51")
        plan = session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {stmt}")).scalars().all()
        print("\nPlan of the sorted page:\n```\n" + "\n".join(plan) + "\n```")


if __name__ == "__main__":
    main()
