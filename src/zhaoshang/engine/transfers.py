"""项目流转 (004 §三(二)11): how a transferred project's indicators are split between the county
that introduced it (招商方) and the one that hosts it (落户方). One definition, read by the engine
(`Context._apply_transfers`, the `transfer_split` evaluator) and by every figure computed outside
it (the dashboards' SQL sums), so that the city sees the same county figures everywhere.

- The shares: introducing : hosting = the rule's (3 : 7), or the project's negotiated share
  (分成比例可由双方根据实际贡献度具体商定).
- From when: 指标分配期限自项目动建之时起计 — the indicators split from construction start
  (`indicators_from`), counted by month: the month construction started is split whole, earlier
  months stay where they were recorded. Tax splits from the first tax (the evaluator).
- Which: the rule's `indicator_metrics` (项目数量 = `projects_started`, counted in the start month;
  实际到位资金额 = `actual_investment`; 固定资产投资, 企业产值, 利税 as entered).
- Where the figures were recorded (`declared_by`): the document has the hosting county declare
  them (由“落户方”负责管理申报); the ledger records a transferred project, its investment and its
  start under the county that registered it, the introducing one (a transfer's hosting county
  is never the project's own). Either way each side ends with its share of the whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from .schema import TransferSplit

ONE = Decimal(1)


def split_rule(rules: Iterable) -> TransferSplit | None:
    """The policy's transfer rule (one per policy), or None: nothing is split."""
    return next((r for r in rules if isinstance(r, TransferSplit)), None)


def shares(rule: TransferSplit, negotiated: Decimal | None = None) -> tuple[Decimal, Decimal]:
    """(introducing, hosting): the negotiated introducing share if any, else the rule's."""
    intro = negotiated if negotiated is not None else rule.introducing_share
    return intro, ONE - intro


def split_from(rule: TransferSplit, *, signed_on: date | None, started_on: date | None) -> date | None:
    """The day the indicator split starts (None: not yet, nothing is split)."""
    return started_on if rule.indicators_from == "construction_start" else signed_on


def is_split(start: date | None, period_end: date) -> bool:
    """Whether a figure of the period ending `period_end` is split: its period ends on or after
    the day the split starts (the start month is split whole)."""
    return start is not None and period_end >= start


def moves(
    rule: TransferSplit, value: Decimal, negotiated: Decimal | None, declared_by: str = "hosting"
) -> Decimal:
    """How much of `value` moves from the side it was recorded under to the other side: the
    other side's share (recorded by the host, the introducing share moves to the introducing
    county; recorded by the introducing county, the hosting share moves to the host)."""
    intro, host = shares(rule, negotiated)
    return value * (intro if declared_by == "hosting" else host)
