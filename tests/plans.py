"""The plan PostgreSQL would choose for a statement, asked so that only an index can give the order."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_OFF = ("enable_seqscan", "enable_bitmapscan", "enable_sort")


def index_plan(session: Session, stmt: object) -> str:
    """EXPLAIN with sequential scans, bitmap scans and sorts switched off: the question is whether an
    index can deliver the rows in order, not what the planner prefers for a test table's few rows (its
    statistics depend on what ran before)."""
    conn = session.connection()
    compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})  # type: ignore[attr-defined]
    for setting in _OFF:
        conn.exec_driver_sql(f"SET LOCAL {setting} = off")
    try:
        rows = conn.exec_driver_sql(f"EXPLAIN {compiled.string}", compiled.params).all()
    finally:
        for setting in _OFF:
            conn.execute(text(f"RESET {setting}"))
    return "\n".join(r[0] for r in rows)
