"""The health score's components and their combination, as pure functions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.services import health_score as hs
from app.services.health_score import Inputs, Weights


def test_revenue_is_skipped_without_recurring_revenue() -> None:
    c = hs.revenue(Inputs())
    assert c.value is None and "not counted" in c.why


@pytest.mark.parametrize(("recent", "earlier", "expected"), [
    ("1100", "1000", 100), ("1000", "1000", 80), ("500", "1000", 30), ("0", "1000", 0), ("750", "1000", 55),
    ("2000", "1000", 100), ("300", "0", 100),
])
def test_revenue_follows_the_mrr_trend(recent: str, earlier: str, expected: int) -> None:
    c = hs.revenue(Inputs(mrr=Decimal("100"), recent_revenue=Decimal(recent), earlier_revenue=Decimal(earlier)))
    assert c.value == expected


def test_support_is_perfect_without_tickets() -> None:
    assert hs.support(Inputs()).value == 100


def test_support_counts_open_tickets_reopens_and_urgent_share() -> None:
    assert hs.support(Inputs(open_tickets=5)).value == 75  # half of the open part
    assert hs.support(Inputs(open_tickets=20)).value == 50  # the open part bottoms out at 10
    assert hs.support(Inputs(recent_tickets=4, reopened=1)).value == 88  # 25 % reopened: half of its 25
    assert hs.support(Inputs(recent_tickets=4, urgent=2)).value == 75  # 50 % urgent: its 25 gone
    worst = hs.support(Inputs(open_tickets=10, recent_tickets=10, reopened=5, urgent=5))
    assert worst.value == 0 and "5 of 10 reopened" in worst.why


def test_sla_loses_twenty_points_per_breach() -> None:
    assert [hs.sla(Inputs(breaches=n)).value for n in (0, 1, 3, 5, 9)] == [100, 80, 40, 0, 0]


def test_satisfaction_is_skipped_without_ratings_and_maps_ratings_to_0_100() -> None:
    assert hs.satisfaction(Inputs()).value is None
    assert hs.satisfaction(Inputs(csat=(5, 5))).value == 100
    assert hs.satisfaction(Inputs(csat=(1,))).value == 0
    assert hs.satisfaction(Inputs(csat=(3, 4, 9))).value == 62  # 9 is not a rating


def test_a_skipped_component_shares_its_weight_out() -> None:
    score = hs.compute(Inputs(breaches=5), Weights())  # revenue and satisfaction have no data
    # support 100 × 25 and sla 0 × 25 → 50
    assert score.score == 50 and score.band == "watch"
    assert score.components["satisfaction"]["value"] is None
    assert score.components["satisfaction"]["share"] == 0 and score.components["sla"]["share"] == 50


def test_ratings_count_when_they_exist() -> None:
    with_csat = hs.compute(Inputs(breaches=5, csat=(1, 1)), Weights())
    assert with_csat.score == 36  # (100×25 + 0×25 + 0×20) / 70


def test_nothing_to_judge_is_healthy() -> None:
    assert hs.compute(Inputs(), Weights()).score == 100
    assert hs.compute(Inputs(), Weights(revenue=0, support=0, sla=0, satisfaction=10)).score == 100


def test_weights_are_tunable() -> None:
    inputs = Inputs(open_tickets=10, recent_revenue=Decimal(100), earlier_revenue=Decimal(100))
    # revenue 80, support 50, sla 100
    assert hs.compute(inputs, Weights(revenue=1, support=0, sla=0)).score == 80
    assert hs.compute(inputs, Weights(revenue=0, support=1, sla=0)).score == 50
    assert hs.compute(inputs, Weights(revenue=1, support=1, sla=2)).score == 82


@pytest.mark.parametrize(("score", "band"), [(100, "healthy"), (70, "healthy"), (69, "watch"), (40, "watch"),
                                            (39, "at_risk"), (0, "at_risk")])
def test_bands_follow_the_thresholds(score: int, band: str) -> None:
    assert hs.band(score, Weights()) == band
    assert hs.band(score, Weights(healthy_min=90, at_risk_below=60)) == (
        "healthy" if score >= 90 else "watch" if score >= 60 else "at_risk")
