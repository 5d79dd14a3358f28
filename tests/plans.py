"""The plan PostgreSQL would choose for a statement, asked so that only an index can give the order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
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


@contextmanager
def recorded_statements(target: Any) -> Iterator[list[str]]:
    """Every SQL statement run on `target` (an engine or a connection) inside the block, in order."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", record)
