"""Bulk status change of 1,000 tickets and the CSV export of all 1,000,000, on the bench database.

Run after bench/setup.sh:  .venv/bin/python bench/bench_tickets.py [bulk|export|all]
Each part runs in its own process so the export's peak memory is the export's alone.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app():  # noqa: ANN202 - a Flask app
    import os

    os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/backoffice_bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from app import create_app

    return create_app()


def _admin_actor():  # noqa: ANN202 - an Actor
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    from app.services.actor import Actor

    admin = db.session.scalar(select(User).where(User.role_name == "admin").limit(1))
    return Actor(id=admin.id, label=admin.email, grants=frozenset({"*"}), correlation_id="bench")


def bulk(rounds: int = 3) -> None:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Ticket
    from app.services.tickets_bulk import bulk_update

    app = _app()
    with app.app_context():
        actor = _admin_actor()
        for r in range(rounds):
            ids = [str(i) for i in db.session.scalars(
                select(Ticket.id).where(Ticket.status == "open").order_by(Ticket.updated_at.desc()).limit(1000))]
            started = time.perf_counter()
            result = bulk_update(db.session, actor, "status", "pending", ids=ids)
            took = time.perf_counter() - started
            print(f"bulk status of {len(ids)} tickets, round {r + 1}: {took * 1000:.0f} ms "
                  f"({result.changed} changed, one audit record each)")
            bulk_update(db.session, actor, "status", "open", ids=ids)  # put them back


def export() -> None:
    from app.extensions import db
    from app.services.tickets_export import write_csv
    from app.services.tickets_query import TicketFilter

    app = _app()
    with app.app_context():
        export_id = uuid.uuid4().hex
        started = time.perf_counter()
        rows = write_csv(db.session, export_id, TicketFilter(), lambda _done: None)
        took = time.perf_counter() - started
        db.session.rollback()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"export of {rows:,} rows: {took:.1f} s, {rows / took:,.0f} rows/s, peak RSS {peak_mb:.0f} MB")
        from app.services.tickets_export import folder

        (folder() / f"tickets-{export_id}.csv").unlink(missing_ok=True)


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else "all"
    if part == "bulk":
        bulk()
    elif part == "export":
        export()
    else:
        for name in ("bulk", "export"):
            subprocess.run([sys.executable, __file__, name], check=True)
