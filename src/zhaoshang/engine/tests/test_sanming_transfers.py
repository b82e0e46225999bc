"""sanming-2021 项目流转 (004 §三(二)11) as the ledger records it: the project, its investment and its
start are the introducing county's records, the transfer names both counties by division code,
and the city's rankings of counties (units standing for them) read each side's share.

“‘招商方’和‘落户方’按照3∶7的比例进行分配，分别计入双方的年度考核任务 … 指标分配期限自项目动建之时
起计”. Worked by hand: 沙县区 (350405) introduces, 三元区 (350404) hosts; construction starts on
2021-09-10; investment 500 in August (before the start: not split), 1000 in September (the start
month: split whole), 2000 in December.
- 2021: 沙县区 500 + 0.3 × (1000 + 2000) = 1400; 三元区 0.7 × 3000 = 2100.
- 2021-08: 沙县区 500, 三元区 0.  2021-09: 沙县区 0.3 × 1000 = 300, 三元区 700.
- negotiated 4:6: 沙县区 500 + 0.4 × 3000 = 1700; 三元区 0.6 × 3000 = 1800.
"""

from __future__ import annotations

from datetime import date

import pytest

from zhaoshang.engine import assess
from zhaoshang.engine.context import Context
from zhaoshang.engine.facts import Facts, ProjectFact, Transfer, jurisdiction, unit
from zhaoshang.engine.periods import parse_period
from zhaoshang.engine.transfers import is_split, moves, shares, split_from, split_rule

from .helpers import D, amounts, m, policy

SANMING = policy("sanming-2021")
RULE = split_rule(SANMING.rules)
INVESTMENT = {"2021-08": D(500), "2021-09": D(1000), "2021-12": D(2000)}


def _facts(share=None, start=date(2021, 9, 10)):
    p = ProjectFact(
        "t", "流转项目", unit("沙县区"), signed_on=date(2021, 8, 2), construction_start_on=start,
        first_tax_on=date(2021, 11, 3), tax_wan={"2021-11": D(100)},
        indicators={"actual_investment": dict(INVESTMENT), "projects_started": {"2021-09": D(1)}},
        transfer=Transfer(jurisdiction("350405"), jurisdiction("350404"), share, declared_by="introducing"),
    )  # fmt: skip
    # As the ledger credits them: every month to the introducing county's unit.
    metrics = tuple(m(unit("沙县区"), "actual_investment", tok, v) for tok, v in INVESTMENT.items())
    return Facts(metrics=metrics + (m(unit("沙县区"), "projects_started", "2021-09", 1),), projects=(p,))


def _ranked(period: str, facts: Facts) -> dict[str, D]:
    rule = "m19-rank-counties-year" if len(period) == 4 else "m19-rank-counties-monthly"
    a = assess(SANMING, period, facts)
    return {h: a.result(unit(h)).component(rule).points for h in ("沙县区", "三元区")}


def test_the_definition():
    assert RULE is not None and RULE.clause == "§三(二)11"
    assert shares(RULE) == (D("0.3"), D("0.7"))
    assert shares(RULE, D("0.4")) == (D("0.4"), D("0.6"))
    assert split_from(RULE, signed_on=date(2021, 8, 2), started_on=date(2021, 9, 10)) == date(2021, 9, 10)
    assert split_from(RULE, signed_on=date(2021, 8, 2), started_on=None) is None  # not started: no split
    # A month is split when it ends on or after the start: September (ends 09-30) is, August is not.
    assert is_split(date(2021, 9, 10), date(2021, 9, 30)) and not is_split(
        date(2021, 9, 10), date(2021, 8, 31)
    )
    assert is_split(date(2021, 9, 30), date(2021, 9, 30))  # started on the month's last day
    assert not is_split(None, date(2021, 12, 31))
    # Recorded by the introducing county, the hosting share moves; by the host, the introducing one.
    assert moves(RULE, D(1000), None, "introducing") == 700
    assert moves(RULE, D(1000), None, "hosting") == 300


def test_year_ranking_reads_3_to_7_from_construction_start():
    assert _ranked("2021", _facts()) == {"沙县区": 1400, "三元区": 2100}


@pytest.mark.parametrize(
    "month, intro, host",
    [
        ("2021-08", 500, 0),  # before construction start: the introducing county's alone
        ("2021-09", 300, 700),  # the start month, split whole
        ("2021-12", 600, 1400),
    ],
)
def test_month_rankings_at_the_start_boundary(month, intro, host):
    assert _ranked(month, _facts()) == {"沙县区": intro, "三元区": host}


def test_negotiated_share():
    assert _ranked("2021", _facts(D("0.4"))) == {"沙县区": 1700, "三元区": 1800}


def test_started_on_the_first_of_the_month_after():
    """Started 2021-10-01: September's 1000 is no longer split (500 + 1000 + 0.3 × 2000 = 2100)."""
    assert _ranked("2021", _facts(start=date(2021, 10, 1))) == {"沙县区": 2100, "三元区": 1400}


def test_project_count_splits_too():
    """项目数量: the project counts 0.3 for the introducing county and 0.7 for the host."""
    ctx = Context(SANMING, parse_period("2021", SANMING), _facts())
    assert ctx.value(unit("沙县区"), "projects_started") == D("0.3")
    assert ctx.value(unit("三元区"), "projects_started") == D("0.7")


def test_tax_shares_and_components_name_the_counties():
    a = assess(SANMING, "2021", _facts())
    assert amounts(a, "tax_share") == {("沙县区", "t"): 30, ("三元区", "t"): 70}
    ind = {
        c.facts["side"]: c.facts["indicators"]["actual_investment"]
        for h in ("沙县区", "三元区")
        for c in a.result(unit(h)).components_of("m11-transfer-split")
        if "indicators" in c.facts
    }
    assert ind == {"introducing": 900, "hosting": 2100}
