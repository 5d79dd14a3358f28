"""`make run`: embedded services when no URL is set, migrations, demo data, an admin,
then gunicorn and an RQ worker (plus its scheduler) until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from app.config import ROOT, env, env_int


def _prepare() -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db, db_session
    from app.models import User
    from app.seed import seed
    from app.services.actor import Actor
    from app.services.roles_setup import create_admin, ensure_default_roles

    app = create_app()
    with app.app_context():
        upgrade()
        ensure_default_roles(db_session())
        db_session().commit()
        empty = db_session().scalar(select(User.id).limit(1)) is None
        # End this transaction before seeding: the seed drops and restores the foreign keys
        # that reference `users` on its own connection and would wait on our read lock.
        db_session().rollback()
        if empty:
            print("loading demo data …", flush=True)
            seed(db.engine, users=25, customers=200, tickets=2000)
        email = env("ADMIN_EMAIL", "admin@example.com") or "admin@example.com"
        password = env("ADMIN_PASSWORD")
        existing = db_session().scalar(select(User).where(User.email == email))
        if existing is None or password:
            _, generated = create_admin(db_session(), Actor.system("make run"), email, "Administrator", password)
            if generated:
                print(f"\n  admin: {email}\n  password (shown once): {generated}\n", flush=True)


def main() -> int:
    embedded_redis: Any = None
    embedded_pg: Any = None
    if not (env("DATABASE_URL") and env("REDIS_URL")):
        from app import embedded

        if not env("DATABASE_URL"):
            os.environ["DATABASE_URL"], embedded_pg = embedded.start_postgres()
            print(f"embedded PostgreSQL in {ROOT / 'instance' / 'pgdata'}", flush=True)
        if not env("REDIS_URL"):
            redis_url, embedded_redis = embedded.start_redis()
            os.environ["REDIS_URL"] = redis_url  # for Config.from_env here and in the child processes
            print(f"embedded Redis at {redis_url}", flush=True)
    try:
        return _serve(embedded_pg is not None)
    finally:
        if embedded_redis is not None:
            try:
                embedded_redis.shutdown(save=True)
            except Exception:  # noqa: BLE001, S110 - it is exiting either way
                pass
        del embedded_pg  # pgserver stops its server when the last handle goes


def _serve(embedded_pg: bool = False) -> int:
    _prepare()
    if embedded_pg:
        # Migrations and demo data ran as the owner; the app runs as a role that owns nothing.
        from app import embedded

        os.environ["DATABASE_URL"] = embedded.app_role_url(env("DATABASE_URL") or "")
    port = env_int("PORT", 8000)
    python = sys.executable
    procs = [
        subprocess.Popen([python, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                          "--threads", "4", "--access-logfile", "-"], cwd=ROOT),
        subprocess.Popen([python, "-m", "workers"], cwd=ROOT),
        subprocess.Popen([python, "-m", "workers.schedule"], cwd=ROOT),
    ]
    print(f"\nBackoffice is running at http://127.0.0.1:{port}  (Ctrl-C stops it)\n", flush=True)
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
