"""The agent's home at 1,000,000 tickets, cold: the queue in SLA order, the cards and the recent tickets.

Run after `BENCH_DB=backoffice_bench_ws bench/setup.sh`:

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/backoffice_bench_ws \\
        .venv/bin/python bench/bench_agent_home.py [--agents 20]

"Cold" here: the widget cache is bypassed (each widget's data function runs its queries), every
agent is measured once on a new database connection (opened before timing, as the pool would hold
it; no prepared plans, that agent's index pages not read before by this run), and the agents are the
ones with the most open tickets. Prints the median and worst per widget and for the whole home
(queue + cards + recent), and the plan of the queue query.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDGETS = ("queue", "my_cards", "recent")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/backoffice_bench_ws"))
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.services import dashboard

    app = create_app()
    rng = dashboard.parse_range({}, date.today())
    with app.app_context():
        total = db.session.scalar(text("SELECT count(*) FROM support_tickets"))
        agents = list(db.session.scalars(text(
            "SELECT assignee_id FROM support_tickets WHERE status IN ('open', 'pending', 'on_hold') "
            "AND assignee_id IS NOT NULL GROUP BY assignee_id ORDER BY count(*) DESC LIMIT :n"), {"n": args.agents}))
        timings: dict[str, list[float]] = {w: [] for w in (*WIDGETS, "home")}
        for agent in agents:
            db.session.remove()
            db.engine.dispose()  # a new connection for every agent (opened before the clock starts:
            db.session.execute(text("SELECT 1"))  # in production the pool holds it open)
            home = 0.0
            for widget in WIDGETS:
                start = time.perf_counter()
                dashboard.COMPUTE[widget](db.session, rng, agent)
                took = (time.perf_counter() - start) * 1000
                timings[widget].append(took)
                home += took
            timings["home"].append(home)
        plan = db.session.execute(text(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM support_tickets WHERE assignee_id = :a "
            "AND status IN ('open', 'pending', 'on_hold') ORDER BY resolution_due_at NULLS LAST, id LIMIT 10"),
            {"a": agents[0]}).scalars().all()
    print(f"{total:,} tickets, {len(agents)} agents (most open tickets first), each on a new connection, "
          "cache bypassed")
    print("| widget | median ms | worst ms |")
    print("|---|---:|---:|")
    for name, values in timings.items():
        print(f"| {name} | {statistics.median(values):.1f} | {max(values):.1f} |")
    print("\nqueue plan:\n    " + "\n    ".join(plan))


if __name__ == "__main__":
    main()
