"""Time the /users list at 100,000 users: search, filters, sorts, a deep page.

Creates a scratch database like the tests do, fills it with generate_series, signs an
admin in through the Flask test client and times each view (htmx partial, best of 3).
Run: .venv/bin/python bench/bench_users_list.py [--users 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from tests import services  # noqa: E402

VIEWS = ["/users", "/users?q=ann", "/users?q=user4242", "/users?q=@example.org", "/users?sort=name",
         "/users?sort=-email", "/users?role=viewer&status=suspended", "/users?created_after=2026-01-01&sort=name",
         "/users?page=200"]
FILL = """
INSERT INTO users (id, email, name, role_name, status, created_at, updated_at)
SELECT gen_random_uuid(), 'user' || n || CASE WHEN n % 7 = 0 THEN '@example.org' ELSE '@example.com' END,
       (ARRAY['Ann','Bob','Cleo','Dan','Eve','Finn','Gus'])[1 + n % 7] || ' Person ' || n,
       (ARRAY['agent','viewer','manager','agent'])[1 + n % 4],
       (ARRAY['active','active','active','suspended','invited'])[1 + n % 5],
       now() - (n || ' minutes')::interval, now()
FROM generate_series(1, :count) AS n
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    admin_url = services.postgres_admin_url()
    db_url, db_name = services.create_database(admin_url)
    redis_base = services.redis_base_url()
    redis_url, index = services.claim_redis_db(redis_base)
    try:
        run(db_url, redis_url, args.users)
    finally:
        services.release_redis_db(redis_base, index)
        services.drop_database(admin_url, db_name)


def run(db_url: str, redis_url: str, count: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.config import Config
    from app.extensions import db
    from app.services import auth
    from tests.factories import make_user

    app = create_app(Config(ENV="test", TESTING=True, SECRET_KEY="bench-" + "x" * 50, SQLALCHEMY_DATABASE_URI=db_url,
                            REDIS_URL=redis_url, LOG_LEVEL="WARNING"))
    with app.app_context():
        upgrade()
        db.session.execute(text(FILL), {"count": count})
        admin = make_user(db.session, role_name="admin", email="bench-admin@example.com")
        db.session.commit()
        db.session.execute(text("ANALYZE users"))
        trgm = db.session.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_users_search_trgm'")).first()
        print(f"{count:,} users; trigram index: {'yes' if trgm else 'no (pg_trgm unavailable)'}")
        token = auth.start_session(db.session, admin, "127.0.0.1", "bench")
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = token
        for url in VIEWS:
            times = []
            for _ in range(3):
                start = time.perf_counter()
                resp = client.get(url, headers={"HX-Request": "true"})
                times.append(time.perf_counter() - start)
            print(f"{min(times) * 1000:7.1f} ms  HTTP {resp.status_code}  {url}")


if __name__ == "__main__":
    main()
