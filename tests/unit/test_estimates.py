"""The planner estimates a process keeps for a few seconds (app/services/estimates.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.services import estimates


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    estimates.forget()
    yield
    estimates.forget()


def test_it_asks_once_for_every_missing_key_and_keeps_the_answers() -> None:
    sizes = {"a": 100, "b": 200, "c": 300}
    asked: list[list[str]] = []

    def ask_for(keys: list[str]) -> Callable[[list[int]], list[int]]:
        def ask(missing: list[int]) -> list[int]:
            asked.append([keys[i] for i in missing])
            return [sizes[keys[i]] for i in missing]
        return ask

    assert estimates.estimates(["a", "b"], ask_for(["a", "b"])) == [100, 200]
    assert estimates.estimates(["b", "c", "a"], ask_for(["b", "c", "a"])) == [200, 300, 100]
    assert asked == [["a", "b"], ["c"]]


def test_it_asks_again_once_an_estimate_is_older_than_the_ttl() -> None:
    answers = iter([[5], [7]])
    assert estimates.estimates(["k"], lambda _: next(answers)) == [5]
    assert estimates.estimates(["k"], lambda _: next(answers), ttl=0) == [7]
