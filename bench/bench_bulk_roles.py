"""Time one bulk role change of 500 users: one request, one transaction, one audit record each.

Creates a scratch database (TEST_DATABASE_URL or the local PostgreSQL, as the tests do),
500 users, signs an admin in through the Flask test client and POSTs /users/bulk.
Run: .venv/bin/python bench/bench_bulk_roles.py [--users 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from tests import services  # noqa: E402

TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    admin_url = services.postgres_admin_url()
    db_url, db_name = services.create_database(admin_url)
    redis_base = services.redis_base_url()
    redis_url, index = services.claim_redis_db(redis_base)
    try:
        run(db_url, redis_url, args.users, args.rounds)
    finally:
        services.release_redis_db(redis_base, index)
        services.drop_database(admin_url, db_name)


def run(db_url: str, redis_url: str, count: int, rounds: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.config import Config
    from app.extensions import db
    from app.models import AuditRecord, User
    from app.services import auth
    from tests.factories import make_user

    app = create_app(Config(ENV="test", TESTING=True, SECRET_KEY="bench-" + "x" * 50, SQLALCHEMY_DATABASE_URI=db_url,
                            REDIS_URL=redis_url, LOG_LEVEL="WARNING"))
    with app.app_context():
        upgrade()
        admin = make_user(db.session, role_name="admin", email="bench-admin@example.com")
        rows = [{"email": f"bench{n}@example.com", "name": f"Bench {n}", "role_name": "agent", "status": "active"}
                for n in range(count)]
        db.session.execute(insert(User), rows)
        db.session.commit()
        ids = [str(i) for i in db.session.scalars(select(User.id).where(User.email.like("bench%@example.com")
                                                                         & (User.id != admin.id)))]
        token = auth.start_session(db.session, admin, "127.0.0.1", "bench")
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = token
        csrf = TOKEN.search(client.get("/users").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
        headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
        for n, role in zip(range(rounds), ["viewer", "agent"] * rounds, strict=False):
            audits = db.session.scalar(select(func.count()).select_from(AuditRecord))
            start, cpu = time.perf_counter(), time.process_time()
            resp = client.post("/users/bulk", data={"action": "set_role", "role": role, "ids": ids}, headers=headers)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            db.session.rollback()
            added = db.session.scalar(select(func.count()).select_from(AuditRecord)) - audits
            summary = re.search(r"\d+ updated, \d+ failed", resp.get_data(as_text=True))
            print(f"round {n + 1}: {len(ids)} users -> {role}: HTTP {resp.status_code}, "
                  f"{summary.group(0) if summary else '?'}, {added} audit records, {elapsed * 1000:.0f} ms "
                  f"(app CPU {cpu * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
