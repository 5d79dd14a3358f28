"""The seed's tickets have the benchmark peer's shape."""

from __future__ import annotations

import random
import uuid
from collections import Counter

from app.seed import WORDS, _Clock, _ordered_uuid, ticket_rows, tsvector_literal

N = 20_000
# Unit tests have no database: identity lexemes, with two stop-word stand-ins.
LEXEMES: dict[str, str | None] = {w: w for w in [*WORDS, "refund"]} | {"access": None, "admin": None}


def _rows() -> list[list[str]]:
    staff = [str(uuid.uuid4()) for _ in range(10)]
    customers = [str(uuid.uuid4()) for _ in range(100)]
    rows = ticket_rows(random.Random(7), N, 0, customers, staff, 1_750_000_000, LEXEMES)
    return [r.rstrip("\n").split("\t") for r in rows]


def test_it_has_the_peers_status_priority_assignment_and_refund_mix() -> None:
    rows = _rows()
    status = Counter(r[6] for r in rows)
    priority = Counter(r[5] for r in rows)
    for name, share in {"open": 0.20, "pending": 0.10, "solved": 0.30, "closed": 0.40}.items():
        assert abs(status[name] / N - share) < 0.015, name
    for name, share in {"low": 0.40, "medium": 0.35, "high": 0.20, "urgent": 0.05}.items():
        assert abs(priority[name] / N - share) < 0.015, name
    assert abs(sum(r[2] != "\\N" for r in rows) / N - 0.90) < 0.015
    refunds = sum("refund" in (r[3] + " " + r[4]).lower() for r in rows) / N
    assert 0.006 < refunds < 0.014
    assert all(6 <= len(r[3].split()) <= 10 and 50 <= len(r[4].split()) <= 70 for r in rows)


def test_dates_span_two_years_and_never_run_backwards() -> None:
    rows = _rows()
    created = sorted(r[7] for r in rows)
    assert created[0][:4] != created[-1][:4]
    assert all(r[7] <= r[8] for r in rows)
    assert all((r[9] != "\\N") == (r[6] in ("solved", "closed")) for r in rows)


def test_ids_are_valid_and_ordered() -> None:
    ids = [_ordered_uuid(i, random.getrandbits(64)) for i in range(1000)]
    assert ids == sorted(ids) and all(uuid.UUID(i).version == 7 for i in ids)


def test_the_clock_formats_like_strftime() -> None:
    assert _Clock()(1_700_000_000) == "2023-11-14 22:13:20+00"


def test_the_vector_literal_keeps_positions_and_skips_stop_words() -> None:
    words = ["billing", "access", "billing", "refund"]
    assert tsvector_literal(words, LEXEMES) == "'billing':1,3 'refund':4"
