"""The one CSV writer neutralises every cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from app import csv_safe


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://e")'])
def test_formula_looking_text_gets_a_quote(value: str) -> None:
    assert csv_safe.cell(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "a=b", "", " =x"])
def test_other_text_is_untouched(value: str) -> None:
    assert csv_safe.cell(value) == value


def test_numbers_stay_numbers_and_none_is_empty() -> None:
    assert [csv_safe.cell(v) for v in (-5, 3, None, True)] == [-5, 3, "", "true"]


def test_lines_round_trip_through_a_reader() -> None:
    text = "".join(csv_safe.lines([["a", "=x"], ["@y", 2]]))
    assert list(csv.reader(io.StringIO(text))) == [["a", "'=x"], ["'@y", "2"]]
