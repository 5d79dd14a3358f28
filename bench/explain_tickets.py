"""EXPLAIN (ANALYZE, BUFFERS) of every statement the ticket pages run, as a custom and as a generic plan.

Run after bench/setup.sh:

    source bench/env.sh; bench_env; .venv/bin/python bench/explain_tickets.py [PAGE ...]

Each page of bench/profile_tickets.py is requested once through the app (production settings); each
statement it ran is then prepared by name and explained twice, with its parameters (a custom plan) and
under plan_cache_mode = force_generic_plan (the plan PostgreSQL may switch a prepared statement to).
EXPLAIN statements (the planner's estimates) are listed but not explained. Times are the median of 5.
"""

from __future__ import annotations

import re
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import profile_tickets  # noqa: E402

PARAM = re.compile(r"%\((\w+)\)s")


def captured(app: Any, client: Any, url: str) -> list[tuple[str, dict[str, Any]]]:
    from sqlalchemy import event

    from app.extensions import db

    seen: list[tuple[str, dict[str, Any]]] = []

    def log(_conn: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, dict(params or {})))

    with app.app_context():
        engine = db.engine
    client.get(url, base_url="https://localhost")  # warm
    event.listen(engine, "before_cursor_execute", log)
    try:
        client.get(url, base_url="https://localhost")
    finally:
        event.remove(engine, "before_cursor_execute", log)
    return seen


def _times(lines: list[str]) -> tuple[float, float, str]:
    text = "\n".join(lines)
    planning = re.search(r"Planning Time: ([\d.]+)", text)
    execution = re.search(r"Execution Time: ([\d.]+)", text)
    buffers = re.search(r"Buffers: (shared [^\n]*)", text)
    return (float(planning.group(1)) if planning else 0.0, float(execution.group(1)) if execution else 0.0,
            buffers.group(1) if buffers else "")


def explain(cur: Any, statement: str, params: dict[str, Any], generic: bool) -> tuple[float, float, str, str]:
    from psycopg import sql

    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    prepared = PARAM.sub(number, statement)
    cur.execute("DEALLOCATE ALL")
    cur.execute(f"SET plan_cache_mode = {'force_generic_plan' if generic else 'force_custom_plan'}")
    cur.execute(f"PREPARE bench_stmt AS {prepared}")
    args = sql.SQL(", ").join(sql.Literal(params[n]) for n in names)
    runs = []
    for _ in range(5):
        cur.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_stmt") +
                    (sql.SQL("(") + args + sql.SQL(")") if names else sql.SQL("")))
        lines = [r[0] for r in cur.fetchall()]
        runs.append((*_times(lines), lines[0].strip()))
    cur.execute("RESET plan_cache_mode")
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2],
            runs[-1][3][:90])


def main() -> None:
    import psycopg

    app = profile_tickets.make_app()
    client = profile_tickets.signed_in_client(app)
    urls = profile_tickets.pages(app)
    chosen = sys.argv[1:] or ["list", "filter", "page200", "detail"]
    with app.app_context():
        dsn = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn, conn.cursor() as cur:
        for name in chosen:
            print(f"\n## {name}: {urls[name]}")
            for statement, params in captured(app, client, urls[name]):
                head = " ".join(statement.split())[:100]
                if statement.lstrip().upper().startswith("EXPLAIN"):
                    print(f"- (the planner's estimate) {head}")
                    continue
                plan, run, buffers, top = explain(cur, statement, params, generic=False)
                _, generic_run, _, generic_top = explain(cur, statement, params, generic=True)
                print(f"- {head}\n  custom: planning {plan:.3f} ms, execution {run:.3f} ms ({buffers}); {top}\n"
                      f"  generic: execution {generic_run:.3f} ms; {generic_top}")


if __name__ == "__main__":
    main()
