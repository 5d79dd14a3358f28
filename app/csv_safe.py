"""The one CSV writer for every CSV we produce (ticket export, audit export, reports).

A spreadsheet runs a cell that starts with = + - @ (and, in some, tab or CR) as a
formula (CSV injection, OWASP ASVS 1.2.10). Every text cell that starts with one of
them is prefixed with a single quote, which spreadsheets show as text. Numbers are
written as they are, so a negative count stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """One value as it may go into a spreadsheet cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class SafeWriter:
    """csv.writer with every cell neutralised; `lines()` yields text for a streamed response."""

    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(fh: IO[str]) -> SafeWriter:
    return SafeWriter(fh)


def lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Each row as one CSV line (CRLF), for streaming."""
    buffer = io.StringIO()
    out = SafeWriter(buffer)
    for row in rows:
        out.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
