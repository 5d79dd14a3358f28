"""Search at 1,000,000 tickets and 100,000 customers, on the PostgreSQL backend, timed in the server process.

Run after bench/setup.sh with BENCH_DB=backoffice_bench_search:
    .venv/bin/python bench/bench_search.py [ROUNDS]
Each case is the service call a page makes (the ticket list's search box, global search across the
three kinds), timed with perf_counter around the call inside the app process, ROUNDS times after one
warm-up; min, median, 90th percentile, the app process's own CPU time and the CPU time of the
PostgreSQL backend that served it (from /proc: the bench must run on the database's machine) go into a
Markdown table. With `source bench/env.sh; bench_env` first, the app runs with production settings.
The machine is shared: medians of many runs, measured server-side, not wall-clock through HTTP.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app() -> Any:
    db_name = os.environ.get("BENCH_DB", "backoffice_bench_search")
    os.environ.setdefault("DATABASE_URL", f"postgresql://postgres@127.0.0.1:5432/{db_name}")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("ELASTICSEARCH_URL", None)  # the PostgreSQL backend is what is measured
    from app import create_app

    return create_app()


TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _backend_cpu_ms(pid: int) -> float:
    """User + system CPU of a PostgreSQL backend on this machine (/proc), in ms (10 ms ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def _time(fn: Callable[[], Any], rounds: int, backend: int) -> tuple[float, float, float, float, float, Any]:
    """min, median and p90 wall time, the median CPU time of this (the app's) process, and the mean
    CPU time of the PostgreSQL backend serving it (whose clock ticks in 10 ms steps), in ms."""
    result = fn()  # warm-up
    took, cpu = [], []
    db_started = _backend_cpu_ms(backend)
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        took.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    db_cpu = (_backend_cpu_ms(backend) - db_started) / rounds
    took.sort()
    return took[0], statistics.median(took), took[int(len(took) * 0.9) - 1], statistics.median(cpu), db_cpu, result


def main(rounds: int = 30) -> None:
    from sqlalchemy import func, select, text

    from app.extensions import db
    from app.models import Customer, Ticket
    from app.services.actor import Actor
    from app.services.listing import ListQuery
    from app.services.search import global_search
    from app.services.tickets_query import list_tickets

    app = _app()
    with app.app_context():
        s = db.session
        actor = Actor(id=None, label="bench", grants=frozenset({"*"}), correlation_id="bench")
        number = s.scalar(select(Ticket.number).order_by(Ticket.number).offset(946_397 % 1_000_000).limit(1))
        company = s.scalar(select(Customer.company_name).order_by(Customer.id).offset(50_000).limit(1)) or "x"
        part = company.split()[0][:4]
        total = s.scalar(select(func.count()).select_from(Ticket))

        def listing(q: str) -> Callable[[], Any]:
            return lambda: list_tickets(s, actor, ListQuery(q=q))

        def everywhere(q: str) -> Callable[[], Any]:
            return lambda: global_search(s, actor, q)

        cases = [
            ("one word (list)", "refund", listing("refund"), 30),
            ("two-word phrase (list)", '"password reset"', listing('"password reset"'), 30),
            ("prefix (list)", "refu*", listing("refu*"), 30),
            ("negation (list)", "refund -invoice", listing("refund -invoice"), 30),
            ("one word (global, ranked)", "refund", everywhere("refund"), 50),
            ("two-word phrase (global)", '"password reset"', everywhere('"password reset"'), 50),
            ("as-you-type prefix (global)", "refu", everywhere("refu"), 50),
            ("negation (global)", "refund -invoice", everywhere("refund -invoice"), 50),
            ("customer name part (global)", part, everywhere(part), 50),
            ("ticket number (list)", str(number), listing(str(number)), 100),
            ("ticket number with # (list)", f"#{number}", listing(f"#{number}"), 100),
            ("ticket number (global)", f"#{number}", everywhere(f"#{number}"), 100),
            ("customer name (list)", company, listing(company), 100),
            ("no match (list)", "zzyzxqv", listing("zzyzxqv"), 100),
            ("no match (global)", "zzyzxqv", everywhere("zzyzxqv"), 50),
        ]
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{total:,} tickets · {rounds} rounds per case after one warm-up · server-side, in-process · "
              f"load average {load} on {os.cpu_count()} cores at the start\n")
        backend = int(s.scalar(text("SELECT pg_backend_pid()")) or 0)
        print("| case | query | target | min ms | median ms | p90 ms | app CPU ms | db CPU ms | result |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, q, fn, target in cases:
            fastest, median, p90, cpu, db_cpu, result = _time(fn, rounds, backend)
            rows = (f"{len(result.rows)} rows, count {result.count.value}{'' if result.count.exact else ' (about)'}"
                    if hasattr(result, "rows") else
                    ", ".join(f"{g.kind} {len(g.hits)}" for g in result.groups))
            print(f"| {name} | `{q}` | ≤ {target} | {fastest:.1f} | {median:.1f} | {p90:.1f} | {cpu:.1f} "
                  f"| {db_cpu:.1f} | {rows} |")
            s.rollback()
        print("\nload average at the end: " + " / ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
