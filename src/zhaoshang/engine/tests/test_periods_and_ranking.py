"""Period parsing, units of a cadence, and the ranking rule."""

from datetime import date

import pytest

from zhaoshang.engine.context import rank
from zhaoshang.engine.facts import unit
from zhaoshang.engine.periods import PeriodParseError, fits, parse_period, units_in

from .helpers import D, policy


@pytest.mark.parametrize(
    "text, start, end, kind",
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "year"),
        ("2024-06", date(2024, 6, 1), date(2024, 6, 30), "month"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2023-Q3", date(2023, 7, 1), date(2023, 9, 30), "quarter"),
        ("2021-H1", date(2021, 1, 1), date(2021, 6, 30), "half_year"),
        ("2023-W23", date(2023, 6, 5), date(2023, 6, 11), "week"),
        ("2023-06..2023-08", date(2023, 6, 1), date(2023, 8, 31), "range"),
        ("2024-01..2024-03", date(2024, 1, 1), date(2024, 3, 31), "quarter"),
        ("2024-01..2024-12", date(2024, 1, 1), date(2024, 12, 31), "year"),
    ],
)
def test_parse_period(text, start, end, kind):
    s = parse_period(text)
    assert (s.start, s.end, s.kind) == (start, end, kind)


def test_parse_policy_periods():
    p = policy("xinfeng-2023-100days")
    assert parse_period("2023-06..2023-08", p).key == "2023-100days"
    assert parse_period("2023-100days", p).kind == "campaign"
    assert parse_period("2023-2025", policy("xiayi-2023-2025")).kind == "campaign"
    with pytest.raises(PeriodParseError):
        parse_period("2024-13")
    with pytest.raises(PeriodParseError):
        parse_period("2024-06..2024-01")
    with pytest.raises(PeriodParseError):
        from zhaoshang.engine import assess

        assess(policy("xinfeng-2024"), "2021")  # outside the policy


def test_units_and_fits():
    y = parse_period("2024")
    assert (
        len(units_in(y, "month")) == 12
        and len(units_in(y, "quarter")) == 4
        and len(units_in(y, "half_year")) == 2
    )
    assert units_in(parse_period("2024-06"), "year") == []
    assert fits(parse_period("2024"), "year_end") and not fits(parse_period("2024-12"), "year_end")
    p = policy("xinfeng-2023-100days")
    assert fits(parse_period("2023-06..2023-08", p), "period", p)
    assert (
        parse_period("2024").previous().key == "2023" and parse_period("2024-01").previous().key == "2023-12"
    )
    assert (
        parse_period("2024-Q1").previous().key == "2023-Q4"
        and parse_period("2024-H1").previous(2).key == "2023-H1"
    )


def test_ranking_ties_competition_style():
    scores = {unit(k): D(v) for k, v in {"a": 9, "b": 7, "c": 7, "d": 5, "e": 3, "f": 3}.items()}
    r = rank(scores, "p")
    assert [r[unit(k)].rank for k in "abcdef"] == [1, 2, 2, 4, 5, 5]
    # from the bottom too: 1 + the holders strictly worse (e and f share 倒数第1)
    assert [r[unit(k)].bottom for k in "abcdef"] == [6, 4, 4, 3, 1, 1]
    asc = rank(scores, "p", descending=False)
    assert asc[unit("e")].rank == 1 and asc[unit("a")].rank == 6
