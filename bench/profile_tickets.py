"""CPU profile of the ticket pages, in-process, against the bench database.

Run after bench/setup.sh:

    source bench/env.sh; bench_env; .venv/bin/python bench/profile_tickets.py [-n 300] [--profile] [PAGE ...]

PAGE is one of: bare (a signed-in request that renders no template), layout, list, filter, page200, detail
(default: all of them). The app runs with the production settings of bench/env.sh, except that
two-factor enforcement is off so the bench admin signs in without a code. For each page it prints the
process CPU per request (median and p90 over -n requests after a warm-up), the PostgreSQL backend CPU
per request (the mean: /proc ticks of this process's connections), SQL statements per request, and with
--profile the cProfile top 20 by cumulative time. "own" is the median minus the layout's median (the
shared signed-in layout rendered around an empty page); "bare" is a signed-in request with no template.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
APP_NAME = "profile_tickets"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def make_app(commit_reads: bool = False) -> Any:
    os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/backoffice_bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("BACKOFFICE_ENV", "production")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789abcdef")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from app import create_app
    from app.config import Config

    cfg = Config.from_env()
    options = dict(cfg.SQLALCHEMY_ENGINE_OPTIONS)
    options["connect_args"] = {"application_name": APP_NAME}
    cfg = replace(cfg, TWO_FACTOR_ENFORCE=False, SQLALCHEMY_ENGINE_OPTIONS=options)
    app = create_app(cfg)

    if commit_reads:  # an experiment: end each request's transaction with COMMIT instead of ROLLBACK
        @app.teardown_appcontext
        def _commit(exc: BaseException | None) -> None:
            from app.extensions import db_session

            if exc is None:
                db_session().commit()

    @app.get("/__bench/bare")
    def _bare() -> Any:  # the shared signed-in cost: session, user, headers; no template
        from flask_login import current_user

        return "ok" if current_user.is_authenticated else ("anonymous", 401)

    @app.get("/__bench/layout")
    def _layout() -> Any:  # the shared signed-in layout alone: base.html with an empty content block
        from flask import render_template_string

        return render_template_string('{% extends "base.html" %}{% block content %}{% endblock %}')

    return app


def signed_in_client(app: Any) -> Any:
    from sqlalchemy import select

    from app.extensions import db_session
    from app.models import User
    from app.services import auth

    email = os.environ.get("BENCH_ADMIN_EMAIL", "bench-admin@example.com")
    with app.app_context():
        user = db_session().scalar(select(User).where(User.email == email))
        if user is None:
            raise SystemExit(f"no user {email}: run bench/setup.sh")
        token = auth.start_session(db_session(), user, "127.0.0.1", "profile_tickets")
        db_session().commit()
    client = app.test_client()
    with client.session_transaction(base_url="https://localhost") as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    return client


def pages(app: Any) -> dict[str, str]:
    from sqlalchemy import text

    from app.extensions import db_session

    with app.app_context():
        ticket = db_session().scalar(text("SELECT id FROM support_tickets ORDER BY number OFFSET 499999 LIMIT 1")) \
            or db_session().scalar(text("SELECT id FROM support_tickets ORDER BY number LIMIT 1"))
    return {"bare": "/__bench/bare", "layout": "/__bench/layout", "list": "/tickets",
            "filter": "/tickets?status=open&priority=high", "page200": "/tickets?page=200",
            "detail": f"/tickets/{ticket}"}


def backend_ticks(app: Any) -> int:
    """CPU ticks (user + system) so far of the PostgreSQL backends serving this process."""
    from sqlalchemy import text

    with app.app_context():
        from app.extensions import db

        with db.engine.connect() as conn:
            pids = list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :a"),
                                     {"a": APP_NAME}).scalars())
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


class StatementCounter:
    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def measure(app: Any, client: Any, url: str, n: int, counter: StatementCounter) -> dict[str, float]:
    for _ in range(max(20, n // 10)):  # warm-up: caches, pool, prepared statements
        resp = client.get(url, base_url="https://localhost")
        if resp.status_code != 200:
            raise SystemExit(f"{url}: HTTP {resp.status_code}")
    counter.count = 0
    ticks = backend_ticks(app)
    times = []
    for _ in range(n):
        started = time.process_time()
        client.get(url, base_url="https://localhost")
        times.append((time.process_time() - started) * 1000)
    pg_ms = (backend_ticks(app) - ticks) * 1000 / CLK_TCK / n
    times.sort()
    return {"median": statistics.median(times), "p90": times[int(len(times) * 0.9)], "pg": pg_ms,
            "sql": counter.count / n, "bytes": len(client.get(url, base_url="https://localhost").data)}


def profile(client: Any, url: str, n: int) -> str:
    prof = cProfile.Profile(time.process_time)  # CPU, not wall: waiting on PostgreSQL is not ours
    prof.enable()
    for _ in range(n):
        client.get(url, base_url="https://localhost")
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(20)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="measured requests per page")
    parser.add_argument("--profile", action="store_true", help="print the cProfile top 20 of each page")
    parser.add_argument("--commit-reads", action="store_true",
                        help="end requests with COMMIT: psycopg forgets its prepared statements on every ROLLBACK")
    parser.add_argument("pages", nargs="*")
    args = parser.parse_args()
    app = make_app(args.commit_reads)
    client = signed_in_client(app)
    urls = pages(app)
    chosen = args.pages or list(urls)
    with app.app_context():
        from app.extensions import db

        counter = StatementCounter(db.engine)
    results: dict[str, dict[str, float]] = {}
    chosen = ["bare", "layout", *(c for c in chosen if c not in ("bare", "layout"))]
    for name in chosen:
        results[name] = measure(app, client, urls[name], args.n, counter)
    layout = results["layout"]["median"]
    print(f"load average {os.getloadavg()[0]:.2f}; {args.n} requests per page; ms of CPU per request")
    print(f"{'page':<8} {'median':>7} {'p90':>7} {'own':>7} {'pg':>6} {'sql':>5} {'bytes':>7}  url")
    for name, r in results.items():
        own = r["median"] - layout if name not in ("bare", "layout") else 0.0
        print(f"{name:<8} {r['median']:7.2f} {r['p90']:7.2f} {own:7.2f} {r['pg']:6.2f} {r['sql']:5.1f} "
              f"{int(r['bytes']):7d}  {urls[name]}")
    if args.profile:
        for name in chosen:
            if name not in ("bare", "layout"):
                print(f"\n===== {name}: {urls[name]}")
                print(profile(client, urls[name], max(50, args.n // 3)))


if __name__ == "__main__":
    main()
