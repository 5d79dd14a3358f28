"""CPU per request of the customers, users and audit pages, in-process, against a bench database.

The Flask test client signs the bench admin in (two-factor enforcement off, so no code is needed)
and requests each page many times after a warm-up. For each page it reports the median and p90
of this process's CPU (time.process_time) and of the PostgreSQL backends' CPU (from /proc), the
SQL statements per request, and the page's own cost: the median minus that of a template-less
signed-in request (`/_bench/bare`, the floor of every page) and minus that of the bare layout
(`/_bench/layout`, base.html with an empty content block, which the layout work owns).

Run:  .venv/bin/python bench/bench_lists.py [--db backoffice_bench_lists] [-n 300] [--rounds 10]
      [--pages C1,U1] [--partial] [--profile C1 [--match REGEX]]
      (--profile prints cProfile's top 20, by CPU time, for those pages)
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HZ = os.sysconf("SC_CLK_TCK")


def _pages(session: Any) -> dict[str, str]:
    from sqlalchemy import text

    q = lambda sql: session.execute(text(sql)).scalar()  # noqa: E731
    customer = q("SELECT id FROM customers ORDER BY created_at, id OFFSET (SELECT count(*) / 2 FROM customers) LIMIT 1")
    word = q(f"SELECT split_part(lower(company_name), ' ', 1) FROM customers WHERE id = '{customer}'")
    session.rollback()
    return {
        "bare": "/_bench/bare",
        "layout": "/_bench/layout",
        "C1": "/customers",
        "C2": f"/customers?q={word}",
        "C3": "/customers?tier=enterprise&status=active&sort=company",
        "C4": f"/customers/{customer}",
        "U1": "/users",
        "A1": "/audit",
        "A2": "/audit?target_type=customer",
    }


def _backend_cpu(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / HZ


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=os.environ.get("BENCH_DB", "backoffice_bench_lists"))
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10, help="the n requests per page, interleaved in rounds")
    parser.add_argument("--pages", default="")
    parser.add_argument("--profile", default="", help="comma-separated page names to profile")
    parser.add_argument("--match", default="", help="only profile lines whose path matches this regex")
    parser.add_argument("--partial", action="store_true", help="send HX-Request (the htmx partial)")
    args = parser.parse_args()

    os.environ.update(DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{args.db}",
                      REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
                      BACKOFFICE_ENV="production", LOG_LEVEL="WARNING")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789abcdef")
    from flask import render_template_string
    from sqlalchemy import event, select, text

    from app import create_app
    from app.auth.permissions import login_only
    from app.config import Config
    from app.extensions import db
    from app.models import User
    from app.services import auth

    cfg = Config.from_env()
    options = {**cfg.SQLALCHEMY_ENGINE_OPTIONS, "connect_args": {"application_name": "bench_lists"}}
    app = create_app(replace(cfg, TWO_FACTOR_ENFORCE=False, SQLALCHEMY_ENGINE_OPTIONS=options))
    app.add_url_rule("/_bench/bare", "bench_bare", login_only(lambda: "ok"))
    app.add_url_rule("/_bench/layout", "bench_layout",
                     login_only(lambda: render_template_string('{% extends "base.html" %}')))
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
        admin = db.session.scalar(select(User).where(User.email == "bench-admin@example.com"))
        if admin is None:
            sys.exit("no bench admin: run bench/setup.sh (or create-admin) on this database first")
        token = auth.start_session(db.session, admin, "127.0.0.1", "bench_lists")
        db.session.commit()
        pages = _pages(db.session)
        db.session.remove()

    def backends() -> list[int]:
        with app.app_context():
            rows = db.session.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = 'bench_lists'"))
            pids = [r[0] for r in rows]
            db.session.remove()
        return pids

    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    with client.session_transaction() as sess:
        sess["_user_id"] = token
    headers = {"HX-Request": "true"} if args.partial else {}
    chosen = [p for p in (args.pages.split(",") if args.pages else pages) if p]
    chosen = ["bare", "layout", *(p for p in chosen if p not in ("bare", "layout"))]
    print(f"database {args.db}; {args.n} requests per page after {args.warmup}, in {args.rounds} rounds; "
          f"{'htmx partial' if args.partial else 'full page'}; loadavg {os.getloadavg()[0]:.2f}")
    print(f"{'page':6} {'app ms':>7} {'p90':>6} {'db ms':>6} {'-bare':>6} {'-layout':>7} {'SQL':>4} {'KB':>5}  url")
    samples: dict[str, tuple[list[float], list[float], list[int]]] = {}
    getters: dict[str, Callable[[], Any]] = {}
    sizes: dict[str, int] = {}
    for name in chosen:
        url = pages[name]
        getters[name] = lambda url=url: client.get(url, headers=headers)  # noqa: E731
        resp = getters[name]()
        if resp.status_code != 200:
            print(f"{name:6} HTTP {resp.status_code} {url}: {resp.get_data(as_text=True)[:300]}")
            continue
        for _ in range(args.warmup):
            getters[name]()
        samples[name], sizes[name] = ([], [], []), len(resp.data)
    pids = backends()
    # Round-robin over the pages, so a change of the machine's load touches every page alike.
    for _ in range(args.rounds):
        for name, (times, dbs, counts) in samples.items():
            get = getters[name]
            for _ in range(max(1, args.n // args.rounds)):
                before_db, before_n = _backend_cpu(pids), statements[0]
                start = time.process_time()
                get()
                times.append(time.process_time() - start)
                dbs.append(_backend_cpu(pids) - before_db)
                counts.append(statements[0] - before_n)
    floor = layout = 0.0
    for name, (times, dbs, counts) in samples.items():
        med = statistics.median(times) * 1000
        p90 = statistics.quantiles(times, n=10)[-1] * 1000
        db_ms = statistics.mean(dbs) * 1000  # ticks are 10 ms: the mean, not the median
        if name == "bare":
            floor = med
        if name == "layout":
            layout = med
        print(f"{name:6} {med:7.2f} {p90:6.2f} {db_ms:6.2f} {med - floor:6.2f} {med - layout:7.2f} "
              f"{statistics.median(counts):4.0f} {sizes[name] / 1024:5.1f}  {pages[name]}")
    print(f"loadavg at the end {os.getloadavg()[0]:.2f}")
    for name in (p for p in args.profile.split(",") if p in getters):
        prof = cProfile.Profile(time.process_time)  # CPU, not time spent waiting for PostgreSQL
        prof.enable()
        for _ in range(50):
            getters[name]()
        prof.disable()
        print(f"== {name} {pages[name]}: cProfile of 50 requests (CPU time)")
        restrict = [args.match, 30] if args.match else [20]
        pstats.Stats(prof).sort_stats("cumulative").print_stats(*restrict)
        if not args.match:
            pstats.Stats(prof).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
