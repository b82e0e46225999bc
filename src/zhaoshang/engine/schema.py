"""The schema of a policy file.

A policy file turns one policy document into data: who is on which team, what each must
achieve, when reports are due, and the rules the assessment evaluates. Every target, calendar
entry and rule names the clause (`clause`) of the document it comes from.

Field-level checks live on the models; checks that relate one part of the file to another
(a team's lead unit must be a declared unit, a rule's group must exist…) live in
`cross_check()` so that each problem is reported at the key where it stands.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .bounds import BELOW, REACH, Bound, CapWord, FloorWord, LowerWord, UpperWord, check_side, end_included
from .metrics import COMMON_METRICS, Metric

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
Clause = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
NonNegative = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Ratio = Annotated[Decimal, Field(ge=0, le=1, allow_inf_nan=False)]

JurisdictionLevel = Literal["province", "city", "county"]
UnitKind = Literal[
    "party_department",  # 县委部门: 县委办, 组织部, 宣传部…
    "department",  # 政府部门: 商务局, 财政局…
    "town",  # 镇
    "township",  # 乡
    "park",  # 园区 / 高新区管委会
    "soe",  # 国有企业: 城投集团…
    "people_org",  # 人民团体: 工商联, 总工会, 残联…
    "legislature",  # 人大办, 政协办
    "judicial",  # 法院, 检察院
    "institution",  # 事业单位: 服务中心…
    "county",  # a county-level division acting as a unit of a city policy
    "other",
]
TeamKind = Literal["corps", "team", "work_group", "resident_squad", "squad", "task_force"]
PeriodKind = Literal["year", "campaign", "half_year", "quarter", "month", "week"]
HolderKind = Literal["jurisdiction", "team", "unit", "person"]
Per = Literal["week", "month", "quarter", "half_year", "year", "period"]
# Where field work happens (fieldwork/models.py REGIONS; a test holds the two to one another).
Region = Literal[
    "local",
    "jingjinji",
    "yangtze_delta",
    "pearl_delta",
    "southeast_fujian",
    "chengyu",
    "other_domestic",
    "abroad",
]
DEFAULT_TARGET_REGIONS = ("jingjinji", "yangtze_delta", "pearl_delta", "southeast_fujian")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Where the policy applies --------------------------------------------------------------


class JurisdictionSpec(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    name: Text
    level: JurisdictionLevel

    @model_validator(mode="after")
    def _code_matches_level(self):
        # GB/T 2260: province codes end in 0000, prefecture-level codes in 00.
        if self.level == "province" and not self.code.endswith("0000"):
            raise ValueError(f"省级行政区划代码应以0000结尾（{self.code}）")
        if self.level == "city" and (not self.code.endswith("00") or self.code.endswith("0000")):
            raise ValueError(f"市级行政区划代码应以00结尾且不以0000结尾（{self.code}）")
        if self.level == "county" and self.code.endswith("00"):
            raise ValueError(f"县级行政区划代码不应以00结尾（{self.code}）")
        return self


class DocumentSpec(Strict):
    title: Text
    number: str | None = None  # 文号, e.g. 信字〔2024〕10号
    issuer: Text
    issued_on: date | None = None
    source: Text  # file name of the original text in shared/seeds


class PeriodSpec(Strict):
    key: Key
    label: Text
    kind: PeriodKind
    start: date
    end: date
    weight: Ratio | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"结束日期 {self.end} 早于开始日期 {self.start}")
        return self


class ProjectCount(Strict):
    """A metric the ledger counts from projects, worded as the document words it: the projects
    reaching `stage` in the month whose total investment stands where `word` puts it against
    `investment` (万元; engine/bounds.py: 超10亿元 is over 100000, 10亿元以上 is 100000 or more),
    with any of `attributes` (its own or derived, as the rules read them), of `category`. The
    number of them, or (`value: investment`) their total investment."""

    stage: Literal["signed", "started", "production"] = "signed"
    investment: NonNegative | None = None
    word: LowerWord = "以上"
    below: NonNegative | None = None  # a range's upper end: 5-10亿元 is 50000 ≤ x < 100000
    attributes: list[Key] = []
    category: Literal["industry", "agriculture", "tourism", "urban", "services"] | None = None
    value: Literal["count", "investment"] = "count"
    clause: Clause


class MetricSpec(Strict):
    key: Key
    label: Text
    uom: Text
    kind: Literal["count", "amount", "ratio", "days", "area"] = "count"
    # How values over several months make one: summed (a count, an amount), or the latest
    # (a ratio, a stock such as a library's size, an office-set score). Default: `last` for
    # ratios, `sum` otherwise.
    aggregate: Literal["sum", "last"] | None = None
    # Counted from the ledger's projects as the document words it (超亿元项目, 10亿元以上项目…);
    # overrides the platform's definition of a metric of the same key for this policy.
    projects: ProjectCount | None = None


# --- Organisation ----------------------------------------------------------------------------


class UnitSpec(Strict):
    name: Text
    kind: UnitKind
    full_name: str | None = None
    aliases: list[Text] = []
    jurisdiction: str | None = None  # division code, for units of a lower jurisdiction
    placeholder: bool = False


class PersonSpec(Strict):
    name: Text
    title: str | None = None
    kind: Literal["leader", "cadre"] = "leader"
    # The document names only a post (e.g. 县长): the office fills in the person.
    placeholder: bool = False


class TargetSpec(Strict):
    metric: Key
    value: NonNegative
    clause: Clause
    period: Key | None = None  # the policy's main period when omitted
    text: str | None = None
    # The document's word for the figure (以上, 达到, 超过…, engine/bounds.py): met when the
    # actual stands there. None: the document gives no word and the target is met on reaching it.
    word: LowerWord | None = None


class TeamSpec(Strict):
    key: Key
    name: Text
    kind: TeamKind
    number: int | None = Field(default=None, ge=1)
    focus_industries: list[Text] = []
    channels: list[Text] = []
    head: str | None = None
    deputies: list[Text] = []
    lead_unit: str | None = None
    member_units: list[Text] = []  # other members, in the document's order
    resident_regions: list[Text] = []
    chain_leaders: list[Text] = []  # 链主 enterprises the team works around
    target_text: str | None = None
    targets: list[TargetSpec] = []
    clause: Clause
    # The document only counts the teams: the name is ours, the office renames it.
    placeholder: bool = False


class GroupSpec(Strict):
    """A named set of holders that targets and rules apply to.

    Either `members` lists them, or they are selected from the organisation by team kind,
    unit kind or role in a team.
    """

    key: Key
    label: Text
    holder: HolderKind
    members: list[Text] = []
    team_kinds: list[TeamKind] = []
    unit_kinds: list[UnitKind] = []
    team_role: Literal["lead_unit", "member_unit", "any_member"] | None = None
    include: list[Key] = []  # members of other groups of the same holder kind
    target_text: str | None = None
    targets: list[TargetSpec] = []
    clause: Clause

    @model_validator(mode="after")
    def _selection_fits_holder(self):
        if self.team_role and self.holder != "unit":
            raise ValueError("team_role 只适用于 holder: unit")
        if self.team_kinds and self.holder not in ("team", "unit"):
            raise ValueError("team_kinds 只适用于 holder: team 或 unit")
        if self.unit_kinds and self.holder != "unit":
            raise ValueError("unit_kinds 只适用于 holder: unit")
        return self


# --- Reporting calendar -------------------------------------------------------------------


class CalendarEntry(Strict):
    key: Key
    name: Text
    groups: list[Key] = Field(min_length=1)
    frequency: Literal["weekly", "semi_monthly", "monthly", "quarterly", "half_yearly", "yearly", "anytime"]
    weekday: int | None = Field(default=None, ge=1, le=7)  # ISO: 1 = Monday … 5 = Friday
    days: list[Annotated[int, Field(ge=1, le=31)]] = []  # day of month; past month end = last day
    covers: Literal["current", "previous"] = "current"
    non_working_day: Literal["keep", "next_working_day", "previous_working_day"] = "keep"
    recipient: Text
    content: Text
    period: Key | None = None  # only while this period runs
    clause: Clause

    @model_validator(mode="after")
    def _schedule_complete(self):
        if self.frequency == "weekly" and self.weekday is None:
            raise ValueError("每周报送须给出 weekday（1=周一 … 7=周日）")
        if self.frequency in ("semi_monthly", "monthly", "quarterly", "half_yearly") and not self.days:
            raise ValueError(f"{self.frequency} 报送须给出 days（每月几日前）")
        if self.frequency == "semi_monthly" and len(self.days) != 2:
            raise ValueError("半月报送须给出两个日期，如 [15, 30]")
        return self


# --- Priority industries ---------------------------------------------------------------------


class PriorityIndustry(Strict):
    name: Text  # as the document words it; matched against a project's 产业 (`match`)
    clause: Clause
    text: str | None = None


class PriorityIndustries(Strict):
    """The document's priority industries (重点产业链, 主导产业, 首位产业): a project whose 产业 (its
    own, else its enterprise's) names one of them counts with `attributes` (产业链项目
    `chain_project`, 主导产业项目 `leading_industry`…) unless the office excludes that attribute on
    the project. `match`: `contains` (the default: the name within the project's 产业, so 电子信息
    matches 电子信息（PCB）) or `exact`; Latin letters compare case-insensitively either way.
    engine/industries.py reads it; the Django side counts the same in SQL."""

    attributes: list[Key] = Field(min_length=1)
    industries: list[PriorityIndustry] = Field(min_length=1)
    match: Literal["contains", "exact"] = "contains"
    clause: Clause
    note: str | None = None


# --- Rules ----------------------------------------------------------------------------------


class RuleBase(Strict):
    id: Key
    title: Text  # what the rule says, in the document's words
    clause: Clause
    note: str | None = None


class Quota(RuleBase):
    """At least `min` of a metric per holder in every `per` (≥4 outbound batches a month…)."""

    type: Literal["quota"]
    group: Key
    metric: Key
    min: NonNegative
    per: Per
    head_led_only: bool = False  # only activities led by the unit's head count
    # Only within this one period (the June promotion event): counted once over it.
    period: Key | None = None
    word: LowerWord | None = None  # 以上, 不少于, 至少… (None: met on reaching `min`)


class TargetCompletion(RuleBase):
    """Completion of each holder's target for a metric: actual ÷ target, from the start of the
    target's period to the end of the assessed span (year to date in a monthly report).

    Without `group` the holder is the jurisdiction itself (the document's own targets); without
    `metric`, every target the holders have."""

    type: Literal["target_completion"]
    group: Key | None = None
    metric: Key | None = None
    points: NonNegative | None = None


class FixedAmount(RuleBase):
    """A fixed yearly amount per holder (work funds). Amounts sharing `exclusive` do not add up:
    a holder in several such groups gets the highest (就高不就低)."""

    type: Literal["fixed_amount"]
    kind: Literal["work_fund", "outbound_fund", "reception_fund", "special_fund"]
    group: Key
    amount_wan: NonNegative
    per: Per = "year"
    exclusive: Key | None = None
    tied_to_results: Ratio | None = None  # share of the amount that depends on results
    paid_to: Literal["holder", "lead_unit"] = "holder"
    at_least: bool = False  # the document sets a floor (不低于), not the amount
    word: FloorWord | None = None  # the document's word for that floor (implies at_least)
    # Another view of money other rules already pay (000: a corps' 30万 work fund, seen by unit
    # as 18万 + 6万…, is seen by purpose as 18万 outbound + 12万 reception): said in Chinese, and
    # shown as a component without an amount, unless the office sets it apart (`separate`).
    view_of: Text | None = None
    separate: bool = False
    # The amount is a ceiling reimbursed as spent (报财政据实拨付), not a grant.
    paid_as_spent: bool = False

    @property
    def floor(self) -> bool:
        return self.at_least or self.word is not None


class Bracket(Strict):
    min_completion: Ratio
    max_completion: Decimal | None = None  # None = no upper bound
    rate: Annotated[Decimal, Field(ge=0, le=1)]
    # The document's word at an end (“80%以上”: min_word 以上); a bare end of a range (“50%-80%”)
    # follows the rule's `range_includes`.
    min_word: LowerWord | None = None
    max_word: UpperWord | None = None


class CompletionRateSubsidy(RuleBase):
    """A project's amount (its new actual investment this year) × a rate chosen by the
    introducing unit's completion of its annual task, capped per project."""

    type: Literal["completion_rate_subsidy"]
    kind: Literal["project_subsidy"] = "project_subsidy"
    base_metric: Key
    completion_metric: Key
    brackets: list[Bracket] = Field(min_length=1)
    # Which end of a bare range (“50%-80%”, “20%-50%”) belongs to it, where the document leaves
    # it open: `lower` (default: 50% ≤ x < 80%, so a shared point such as 50% takes the higher
    # bracket, as “80%以上” does at 80%) or `upper` (50% < x ≤ 80%).
    range_includes: Literal["lower", "upper"] = "lower"
    # Whose completion chooses the rate, where the document says only “完成年任务”: `unit` (the
    # default: the introducing unit's own annual investment task, which is paid), `team` (its
    # corps' task; the corps is paid) or `project` (the project's own plan for the year,
    # `ProjectFact.planned_wan`; the introducing unit is paid). A project recorded under a team
    # only has its team stand in for the unit.
    completion_basis: Literal["unit", "team", "project"] = "unit"
    cap_wan_per_project: NonNegative | None = None
    cap_word: CapWord = "不超过"  # 单个项目每年…不超过200万元: the cap itself may be paid
    people_reward_share_max: Ratio | None = None

    @model_validator(mode="after")
    def _brackets_disjoint(self):
        inf = Decimal("Infinity")
        ends = sorted(
            (
                b.min_completion,
                b.max_completion if b.max_completion is not None else inf,
                end_included(b.min_word, True, self.range_includes),
                b.max_completion is not None and end_included(b.max_word, False, self.range_includes),
            )
            for b in self.brackets
        )
        for lo, hi, lo_in, hi_in in ends:
            if hi < lo or (hi == lo and not (lo_in and hi_in)):
                raise ValueError(f"完成率区间为空：{lo}–{hi}")
        for (lo1, hi1, _l1, hi1_in), (lo2, _hi2, lo2_in, _h2) in zip(ends, ends[1:], strict=False):
            if lo2 < hi1 or (lo2 == hi1 and hi1_in and lo2_in):
                raise ValueError(f"完成率区间重叠：{lo1}–{hi1} 与 {lo2}–…（完成率{lo2}同时属于两档）")
            if lo2 == hi1 and not hi1_in and not lo2_in:
                raise ValueError(f"完成率{lo2}不属于任何一档：请给出 min_word / max_word 或 range_includes")
        return self


class RewardItem(Strict):
    attribute: Key  # project attribute, e.g. world500, listed_manufacturing
    label: Text
    amount_wan: NonNegative


class InstantReward(RuleBase):
    """An amount to the introducing holder when a project with an attribute reaches a stage."""

    type: Literal["instant_reward"]
    group: Key
    stage: Literal["signing", "construction_start", "production"]
    items: list[RewardItem] = Field(min_length=1)
    combine: Literal["max", "sum"] = "max"  # per project when it has several attributes


class Condition(Strict):
    """One condition of a flag or list. Exactly one of the comparisons is set."""

    metric: Key | None = None
    completion_below: Ratio | None = None  # actual ÷ target < x
    completion_at_least: Ratio | None = None
    value_equals: NonNegative | None = None  # e.g. 0 for 未破零
    value_at_least: NonNegative | None = None  # e.g. ≥1 major signing
    value_below: NonNegative | None = None
    # The document's word for the comparison above (engine/bounds.py): 以下 for “50%以下” on
    # completion_below, 超过 on value_at_least… None: below is strictly below (低于), at least
    # includes the number (达到).
    word: LowerWord | UpperWord | None = None
    ranking: Key | None = None  # rule id of a ranking
    # 后三名 / 倒数第一: every holder whose place counted from the end (ties share it) is ≤ N.
    rank_bottom: int | None = Field(default=None, ge=1)
    rank_top: int | None = Field(default=None, ge=1)  # 前五名: place ≤ N (ties share it)
    # The holder is on a list the office keeps under this key (“完成任务较差”…): the document
    # leaves the judgement to the office (facts.OfficeDecision).
    office_named: Key | None = None

    @model_validator(mode="after")
    def _one_comparison(self):
        names = (
            "completion_below",
            "completion_at_least",
            "value_equals",
            "value_at_least",
            "value_below",
            "rank_bottom",
            "rank_top",
            "office_named",
        )
        set_ = [n for n in names if getattr(self, n) is not None]
        if len(set_) != 1:
            raise ValueError("每个条件须且只能给出一个比较：" + " / ".join(names))
        if set_[0] in ("rank_bottom", "rank_top") and not self.ranking:
            raise ValueError("按名次的条件须给出 ranking（排名规则的 id）")
        if set_[0] not in ("rank_bottom", "rank_top", "office_named") and not self.metric:
            raise ValueError("按指标的条件须给出 metric")
        if self.word is not None:
            if set_[0] not in ("completion_below", "completion_at_least", "value_at_least", "value_below"):
                raise ValueError(
                    "word 只适用于 completion_below / completion_at_least / value_at_least / value_below"
                )
            check_side(self.word, lower=set_[0].endswith("at_least"))
        return self

    def bound(self) -> Bound | None:
        """The threshold of a completion or value comparison with its word (None for the others)."""
        for name, lower in (
            ("completion_below", False),
            ("completion_at_least", True),
            ("value_at_least", True),
            ("value_below", False),
        ):
            v = getattr(self, name)
            if v is not None:
                return Bound(v, self.word or (REACH if lower else BELOW))
        return None


FlagKind = Literal[
    "admonishment",  # 诫勉谈话
    "reassignment",  # 岗位调整
    "accountability",  # 问责
    "criticism",  # 通报批评
    "named",  # 排名亮相 / 点名通报
    "statement",  # 表态发言
    "yellow_card",  # 黄牌
    "not_excellent",  # 取消评优资格
    "interview",  # 约谈
    "commendation",  # 表彰
    "land_recovery",  # 收回土地
    "award",  # 获奖（等次）
    "supervision",  # 专项督导
    "cap_exceeded",  # 超过个人奖励上限
    "evaluation_failed",  # 滚动考评未通过
    "attribution_conflict",  # 登记的引进单位与首招单位不一致
    "overdue",  # 逾期未办结
]


class Flag(RuleBase):
    """A consequence for holders meeting all conditions (in `consecutive` periods running)."""

    type: Literal["flag"]
    kind: FlagKind
    group: Key
    conditions: list[Condition] = Field(min_length=1)
    at: Literal["month", "quarter", "half_year", "year_end", "period_end"] = "year_end"
    consecutive: int = Field(default=1, ge=1)
    # The earlier periods of `consecutive` are read from their published results first; then,
    # with `previous_office_named`, from the office's list of who met the conditions then (an
    # `OfficeDecision` with that key and period: last year's bottom three before the platform
    # ran); then, unless `previous_from_facts` is false, recomputed from the facts.
    previous_office_named: Key | None = None
    previous_from_facts: bool = True
    consequence: Text
    # A team's flag falls on its units too (牵头单位和成员单位一并问责).
    extend_to: list[Literal["lead_unit", "member_units"]] = []


class ScoreItem(Strict):
    key: Key
    label: Text
    metric: Key
    points_each: NonNegative
    cap: NonNegative | None = None


class Dimension(Strict):
    key: Key
    label: Text
    max_points: NonNegative
    items: list[ScoreItem] = Field(min_length=1)
    clause: Clause


class Scorecard(RuleBase):
    """A monthly score out of `base`, made of dimensions each capped at its maximum."""

    type: Literal["scorecard"]
    group: Key
    base: NonNegative
    per: Per = "month"
    dimensions: list[Dimension] = Field(min_length=1)
    # The document gives only the dimensions; the sub-points are the office's to set.
    allocation_set_by_office: bool = False

    @model_validator(mode="after")
    def _dimensions_sum_to_base(self):
        total = sum((d.max_points for d in self.dimensions), Decimal(0))
        if total != self.base:
            raise ValueError(f"各维度满分之和 {total} 不等于基础分 {self.base}")
        return self


class WeightedPeriods(RuleBase):
    """A campaign score as the weighted sum of its monthly scores."""

    type: Literal["weighted_periods"]
    scorecard: Key
    weights: dict[Key, Ratio]

    @field_validator("weights")
    @classmethod
    def _weights_sum_to_one(cls, v: dict[str, Decimal]):
        total = sum(v.values(), Decimal(0))
        if total != 1:
            raise ValueError(f"各期权重之和应为1，现为 {total}")
        return v


class Deduction(RuleBase):
    """Points off a scorecard for each missing item (× multiplier).

    With `item` (a key of the dimension's items) the points come off that indicator's score
    alone, never below 0 for it, and each missing one is worth the item's own `points_each`
    unless the rule gives one (001 §四(三): 每缺少1次从该项指标得分中双倍扣分 — twice a trip's value,
    from the outbound-trip indicator). Without `item` they come off the whole dimension."""

    type: Literal["deduction"]
    scorecard: Key
    dimension: Key
    item: Key | None = None
    metric: Key
    required: NonNegative
    per: Per = "month"
    points_each: NonNegative | None = None
    multiplier: Annotated[Decimal, Field(ge=1)] = Decimal(1)

    @model_validator(mode="after")
    def _points_known(self):
        if self.item is None and self.points_each is None:
            raise ValueError("未指定 item（所扣指标）时须给出 points_each（每缺1项的分值）")
        return self


class Bonus(RuleBase):
    """Extra points for each item of a metric, in the named assessment."""

    type: Literal["bonus"]
    group: Key
    metric: Key
    points_each: NonNegative
    applies_to: Literal["month", "year_end"] = "year_end"
    cap: NonNegative | None = None


class Ranking(RuleBase):
    """Holders ranked by a score, each partition separately (departments, units, towns)."""

    type: Literal["ranking"]
    score: Key  # a scorecard, weighted_periods or target_completion rule id, or a metric
    partitions: list[Key] = Field(min_length=1)  # group keys
    per: Per = "month"
    order: Literal["desc", "asc"] = "desc"


class HonourList(RuleBase):
    """The front-runner list (一马当先榜) or the catch-up list (奋起直追榜)."""

    type: Literal["honour_list"]
    list: Literal["front_runners", "catch_up"]
    ranking: Key
    top: int | None = Field(default=None, ge=1)
    bottom: int | None = Field(default=None, ge=1)
    conditions: list[Condition] = []
    # A holder with a score of 0 (nothing at all: no signing, no facts) is never a front-runner,
    # even when everyone ties at 0 and so shares first place (001 §三(三): 有重大项目签约的…列为一马
    # 当先). Only for front_runners of a ranking where higher is better.
    zero_score_excluded: bool = True


class AwardGrade(Strict):
    grade: Text  # 一等奖
    count: int = Field(ge=1)
    amount_wan: NonNegative | None = None  # None: set by the leading group (facts.AwardAmount)


class AwardQuota(RuleBase):
    """Year-end awards by rank: so many first, second, third prizes per partition."""

    type: Literal["award_quota"]
    ranking: Key
    group: Key
    grades: list[AwardGrade] = Field(min_length=1)
    excluded_by_flags: list[FlagKind] = []


class PerPersonCap(RuleBase):
    type: Literal["per_person_cap"]
    amount_yuan: NonNegative
    word: CapWord = "不超过"  # 最高不超过5000元: 5000 itself is within the cap


class ProjectAward(RuleBase):
    """Awards paid to the introducing unit whose amounts the leading group sets each year."""

    type: Literal["project_award"]
    kind: Literal["completion_award", "investment_award", "tax_award"]
    group: Key
    paid_to: Literal["team", "introducing_unit"]


class TransferSplit(RuleBase):
    """A project handed from the introducing to the hosting jurisdiction shares tax and
    indicators in a negotiable ratio."""

    type: Literal["transfer_split"]
    introducing_share: Ratio
    hosting_share: Ratio
    negotiable: bool = True
    tax_from: Literal["first_tax"]
    indicators_from: Literal["construction_start", "signing"]
    indicators: list[Text] = Field(min_length=1)
    # The metrics the indicators are counted in: their values move between the two holders.
    indicator_metrics: list[Key] = []
    tax_metric: Key = "tax"

    @model_validator(mode="after")
    def _shares_sum_to_one(self):
        if self.introducing_share + self.hosting_share != 1:
            raise ValueError("引进方与落地方分成比例之和应为1")
        return self


class LeadPoints(RuleBase):
    """Points for leads by grade (线索积分制)."""

    type: Literal["lead_points"]
    group: Key
    points_by_grade: dict[Text, NonNegative] = Field(min_length=1)
    set_by_office: bool = False


class RollingEvaluation(RuleBase):
    """Landed projects are checked every year for `years` years after construction start.

    `first_year` says which year is the first of the `years`: `next` (the default) the calendar
    year after the one the project started in, so a project landed in 2021 is evaluated in
    2022, 2023 and 2024 (004 §三(四)19 对落地开工项目，实行为期3年的滚动生效考评: the landing year
    itself is the year it is counted as landed, and an evaluation of whether it is in the
    statistics and pays tax needs a year behind it); `landing` counts the landing year as the
    first (2021, 2022, 2023)."""

    type: Literal["rolling_evaluation"]
    years: int = Field(ge=1)
    first_year: Literal["next", "landing"] = "next"
    checks: list[Text] = Field(min_length=1)
    check_keys: list[Literal["in_statistics", "tax_paid", "investment_verified"]] = [
        "in_statistics",
        "tax_paid",
        "investment_verified",
    ]
    group: Key | None = None
    flag: FlagKind = "evaluation_failed"


class Milestone(RuleBase):
    """A count the whole jurisdiction, or each member of a group, must reach within a period."""

    type: Literal["milestone"]
    period: Key
    metric: Key
    min: NonNegative
    group: Key | None = None  # None: the jurisdiction as a whole
    word: LowerWord | None = None  # 以上… (None: met on reaching `min`)


class Growth(RuleBase):
    """Year-on-year change of a jurisdiction metric: up by at least `min_rate`, or (`down`)
    lower than the year before by at least `min_rate` (逐年减少: 0).

    `reading: average` (年均增速, 003 §一(三)) judges the plan as a whole on its average yearly
    growth, as Chinese statistics define 年均增长 (水平法, the geometric mean): (end ÷ base)^(1/n)
    − 1, base the year before the plan's first year, end its last year, n its number of years;
    equivalently, end reaches base × (1 + min_rate)^n. A single year under the rate is a warning,
    not a failure. Before the plan's last year is judged, the average so far is shown as
    provisional. `over`: the policy period the average runs over (default the main period)."""

    type: Literal["growth"]
    metric: Key
    min_rate: Ratio
    per: Per = "year"
    direction: Literal["up", "down"] = "up"
    # The document's word for the rate: up 以上 (增速在10%以上, the default: reached at the rate),
    # down an upper word (逐年减少: this year 低于 last year × (1 − min_rate), the default).
    word: LowerWord | UpperWord | None = None
    reading: Literal["yearly", "average"] = "yearly"
    over: Key | None = None

    @model_validator(mode="after")
    def _word_fits_direction(self):
        check_side(self.word, lower=self.direction == "up")
        if self.reading == "average" and self.direction != "up":
            raise ValueError("年均增速（reading: average）只适用于增长（direction: up）")
        if self.over is not None and self.reading != "average":
            raise ValueError("over 只适用于年均增速（reading: average）")
        return self

    def bound_word(self) -> str:
        return self.word or ("以上" if self.direction == "up" else BELOW)


class ProjectKpi(RuleBase):
    """Rates of the projects signed since the main period began. 合同履约率 (`contract_fulfilment`)
    reads the projects' recorded contract obligations (`ObligationFact`): those fulfilled by their
    due date ÷ those due by the assessment day (obligations not yet due are left out, even if
    already fulfilled). `late_fulfilment_counts: true` counts an obligation fulfilled after its
    due date but by the assessment day as fulfilled too (the document does not say; default no:
    履约 is keeping the contract's dates)."""

    type: Literal["project_kpi"]
    rates: list[Literal["contract_fulfilment", "start", "funds_in_place", "production"]] = Field(min_length=1)
    per: Per = "quarter"
    group: Key | None = None  # besides the jurisdiction as a whole, each member's projects
    late_fulfilment_counts: bool = False


class Survey(RuleBase):
    """Satisfaction survey of departments: the top are commended, the last are flagged."""

    type: Literal["survey"]
    group: Key
    per: Per = "half_year"
    run_by: Text
    top: int = Field(ge=1)
    bottom: int = Field(ge=1)
    bottom_flags: list[FlagKind] = []


class LandRecovery(RuleBase):
    type: Literal["land_recovery"]
    grounds: list[Literal["breach", "not_started_on_time", "land_idle"]] = Field(min_length=1)


class Admission(RuleBase):
    """Admission review of a project (准入): the negative list, per-mu thresholds (亩产论英雄),
    and the floor below which a project gets standard-factory space instead of its own land."""

    type: Literal["admission"]
    negative_list: list[Text] = []  # words in a project's industry or name that the list bars
    min_investment_per_mu_wan: NonNegative | None = None
    min_tax_per_mu_wan: NonNegative | None = None
    per_mu_word: LowerWord = "达到"  # 达到亩均固投和亩均税收要求: the standard itself passes
    land_min_investment_wan: NonNegative | None = None
    # The projects that get no land of their own, by the document's word: 亿元以下 (以下: a project
    # of exactly the amount too) or 低于 (the default: strictly under the minimum).
    land_word: UpperWord = "低于"
    leading_industries: list[Text] = []  # exempt from the land floor
    exempt_foreign: bool = False  # foreign and foreign-trade projects are exempt from the land floor
    set_by_office: bool = False


class FirstContact(RuleBase):
    """首招负责制: a project belongs to the holder that first contacted it; a project recorded
    under another holder is flagged for the office to settle."""

    type: Literal["first_contact"]
    group: Key | None = None


class Deadline(RuleBase):
    """Each item of a class must reach a stage within a time after another (A类僵尸企业1年内复工
    复产, 限期销号): items past due without it are flagged.

    “Within N months” includes the day N months after the start (1年内: due by the same date next
    year; 民法典 §201–202: the start day is not counted, the period ends on the corresponding day
    of the last month, or that month's last day when it has none — 2024-02-29 + 1年 = 2025-02-28).
    An item is overdue on the assessment day (the span's end, or the day the data runs to if
    earlier) when that day is after its due date and it has not reached the later stage by then;
    it is flagged and counted in every assessment while it stays overdue. One done after its due
    date is listed as 逾期完成 and flagged in the span it was done in."""

    type: Literal["deadline"]
    # What the items are: projects, or enterprises (僵尸企业: their class is an attribute
    # `zombie_a`…, their dates `classified` and `resumed`).
    items: Literal["projects", "enterprises"] = "projects"
    attribute: Key | None = None  # only items with this attribute
    from_stage: Key  # a stage date of the project (signing, construction_start…) or one of its dates
    to_stage: Key
    within_months: int = Field(ge=1)
    group: Key | None = None
    flag: FlagKind = "overdue"


class DutyProof(Strict):
    """What in the platform's own records shows a duty done for a holder and period, so the
    obligation closes itself (supervision/duties.py reads it):
    - `activity`: at least `min_count` field activities of `kind` (a monthly 调度会议 is
      `kind: meeting`) by the holder within the period, whose summary contains one of
      `keywords` when given;
    - `report`: the holder's periodic report `calendar` (a calendar key) for the period submitted;
    - `bulletin`: at least `min_count` bulletins of `kind` reporting on the period (June's
      battle report, built in July, proves June);
    - `assessment`: an assessment of the policy published for a span ending in the period."""

    source: Literal["activity", "report", "bulletin", "assessment"]
    kind: Key | None = None
    calendar: Key | None = None
    keywords: list[Text] = []
    min_count: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _complete(self):
        if self.source == "report" and not self.calendar:
            raise ValueError("以报送证明的职责须给出 calendar（报送事项）")
        if self.source == "activity" and not self.kind:
            raise ValueError("以活动证明的职责须给出 kind（活动类别，如 meeting）")
        return self


class Duty(RuleBase):
    """An obligation the document states without a measure: not scored, but tracked. It becomes
    one obligation per holder and period (supervision app): each holder of `group` (none: the
    office of the jurisdiction) for each `cadence` period within the policy's span (`once`: one,
    due on `due_on`, else at the span's end). A cadence obligation is due `due_working_days`
    working days after its period ends (0: the period's last working day). `proof` lets the
    platform's records close it; otherwise the holder marks it done with evidence, or the office
    marks it 不适用 with a reason."""

    type: Literal["duty"]
    group: Key | None = None
    cadence: Literal["once", "weekly", "monthly", "quarterly", "half_yearly", "yearly"] = "once"
    due_on: date | None = None
    due_working_days: int = Field(default=0, ge=0, le=60)
    proof: DutyProof | None = None

    @model_validator(mode="after")
    def _due(self):
        if self.due_on is not None and self.cadence != "once":
            raise ValueError("按周期的职责以 due_working_days 定截止日，不能给 due_on")
        return self


Rule = Annotated[
    Quota
    | TargetCompletion
    | FixedAmount
    | CompletionRateSubsidy
    | InstantReward
    | Flag
    | Scorecard
    | WeightedPeriods
    | Deduction
    | Bonus
    | Ranking
    | HonourList
    | AwardQuota
    | PerPersonCap
    | ProjectAward
    | TransferSplit
    | LeadPoints
    | RollingEvaluation
    | Milestone
    | Growth
    | ProjectKpi
    | Survey
    | LandRecovery
    | Admission
    | FirstContact
    | Deadline
    | Duty,
    Field(discriminator="type"),
]

RULE_TYPE_LABELS = {
    "quota": "数量要求",
    "target_completion": "目标完成率",
    "fixed_amount": "固定经费",
    "completion_rate_subsidy": "按完成率补助",
    "instant_reward": "即时奖励",
    "flag": "问责与标记",
    "scorecard": "评分表",
    "weighted_periods": "分期加权",
    "deduction": "扣分",
    "bonus": "加分",
    "ranking": "排名",
    "honour_list": "红黑榜",
    "award_quota": "评奖名额",
    "per_person_cap": "个人奖励上限",
    "project_award": "项目奖励",
    "transfer_split": "项目流转分成",
    "lead_points": "线索积分",
    "rolling_evaluation": "滚动评价",
    "milestone": "阶段任务",
    "growth": "增长要求",
    "project_kpi": "项目指标",
    "survey": "满意度测评",
    "land_recovery": "收回土地",
    "admission": "准入审查",
    "first_contact": "首招负责",
    "deadline": "限期办结",
    "duty": "工作职责",
}


# --- Industry chains (产业链, 招商图谱) ------------------------------------------------------------

ChainStage = Literal["upstream", "midstream", "downstream"]


class ChainSegmentSpec(Strict):
    """One segment (产业链环节) of a chain. `industries` places ledger enterprises and projects
    on it: a keyword is found within their 产业 text, a GB/T 4754 code (C39, C3982…) begins it."""

    key: Key
    name: Text
    stage: ChainStage = "midstream"
    industries: list[Text] = []
    # The segments this one supplies (upstream → downstream), by key within the chain.
    feeds: list[Key] = []


class ChainSpec(Strict):
    key: Key
    name: Text
    clause: Clause
    lead: Text | None = None  # the team (by key) or unit (by name) of the policy that leads this chain
    leaders: list[Text] = []  # 链主企业, by name
    segments: list[ChainSegmentSpec] = []
    note: str | None = None


# --- The policy -------------------------------------------------------------------------------


class Policy(Strict):
    schema_version: Literal[1] = 1
    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    document: DocumentSpec
    jurisdiction: JurisdictionSpec
    parents: list[JurisdictionSpec] = []  # from the province down
    subdivisions: list[JurisdictionSpec] = []  # counties of a city policy
    office: Text  # who runs it: 县扩大开放办…
    periods: list[PeriodSpec] = Field(min_length=1)
    main_period: Key
    metrics: list[MetricSpec] = []
    units: list[UnitSpec] = []
    people: list[PersonSpec] = []
    teams: list[TeamSpec] = []
    groups: list[GroupSpec] = []
    targets: list[TargetSpec] = []  # the jurisdiction's own
    calendar: list[CalendarEntry] = []
    # Which signing kinds a bare 签约 counts (签约上市公司, 没有项目签约…): 正式签约 `formal` (a
    # signing recorded without a kind is formal), 合同送签 `contract_review`, 意向签约 `intent`.
    # Unset: every signing the ledger records. Metrics with a kind of their own are not affected.
    signing_kinds: list[Literal["formal", "contract_review", "intent"]] | None = None
    # The regions the document's target-region clauses name (重点区域: 京津冀、长三角、珠三角、闽东南):
    # `promotion_events_target_region` counts events held there, `promotion_events` every event.
    # None: those four. The keys are field work's regions (fieldwork/models.py REGIONS).
    target_regions: list[Region] | None = None
    # The document's priority industries and what a project of one counts as (None: none derived).
    priority_industries: PriorityIndustries | None = None
    # The industry chains the document names (产业链, 六大系…), each citing its clause.
    chains: list[ChainSpec] = []
    rules: list[Rule] = []

    # Lookups used by the cross-check and by loaders.
    def metric(self, key: str) -> Metric | None:
        for m in self.metrics:
            if m.key == key:
                aggregate = m.aggregate or ("last" if m.kind == "ratio" else "sum")
                return Metric(m.key, m.label, m.uom, m.kind, aggregate)
        return COMMON_METRICS.get(key)

    def unit_names(self) -> dict[str, UnitSpec]:
        names: dict[str, UnitSpec] = {}
        for u in self.units:
            names[u.name] = u
            for a in u.aliases:
                names[a] = u
        return names

    def period(self, key: str) -> PeriodSpec | None:
        return next((p for p in self.periods if p.key == key), None)

    def rule(self, rule_id: str):
        return next((r for r in self.rules if r.id == rule_id), None)

    def group(self, key: str) -> GroupSpec | None:
        return next((g for g in self.groups if g.key == key), None)


Loc = tuple[str | int, ...]


def _duplicates(values: list[str]) -> list[int]:
    seen: set[str] = set()
    dup = []
    for i, v in enumerate(values):
        if v in seen:
            dup.append(i)
        seen.add(v)
    return dup


def cross_check(p: Policy) -> list[tuple[Loc, str]]:
    """Relations between parts of the file, each problem at the key where it stands."""
    issues: list[tuple[Loc, str]] = []
    units = p.unit_names()
    people = {x.name for x in p.people}
    teams = {t.key for t in p.teams}
    groups = {g.key for g in p.groups}
    periods = {x.key for x in p.periods}
    rule_ids = {r.id for r in p.rules}

    def need(kind: str, value: str | None, known, loc: Loc):
        if value is not None and value not in known:
            issues.append((loc, f"未声明的{kind}“{value}”"))

    def metric_ok(key: str | None, loc: Loc):
        if key is not None and p.metric(key) is None:
            issues.append((loc, f"未知指标“{key}”：请使用通用指标或在 metrics 中声明"))

    def check_targets(targets: list[TargetSpec], base: Loc):
        for i, t in enumerate(targets):
            metric_ok(t.metric, (*base, i, "metric"))
            need("时期", t.period, periods, (*base, i, "period"))

    need("时期", p.main_period, periods, ("main_period",))
    for name, items in (
        ("时期", [x.key for x in p.periods]),
        ("指标", [x.key for x in p.metrics]),
        ("单位", [x.name for x in p.units]),
        ("人员", [x.name for x in p.people]),
        ("团队", [x.key for x in p.teams]),
        ("分组", [x.key for x in p.groups]),
        ("报送事项", [x.key for x in p.calendar]),
        ("规则", [x.id for x in p.rules]),
        ("产业链", [x.key for x in p.chains]),
    ):
        section = {
            "时期": "periods",
            "指标": "metrics",
            "单位": "units",
            "人员": "people",
            "团队": "teams",
            "分组": "groups",
            "报送事项": "calendar",
            "规则": "rules",
            "产业链": "chains",
        }[name]
        for i in _duplicates(items):
            issues.append(((section, i), f"{name}“{items[i]}”重复"))

    # A unit may be named by an alias: every name and alias must point at one unit only.
    owner: dict[str, int] = {}
    for i, u in enumerate(p.units):
        for j, n in enumerate([u.name, *u.aliases]):
            if n in owner and owner[n] != i:
                where = ("units", i, "name") if j == 0 else ("units", i, "aliases", j - 1)
                issues.append((where, f"名称“{n}”已被另一个单位使用"))
            owner.setdefault(n, i)

    prefix = {"province": 2, "city": 4}
    chain = [*p.parents, p.jurisdiction]
    for i, (upper, lower) in enumerate(zip(chain, chain[1:], strict=False)):
        if lower.code[: prefix[upper.level]] != upper.code[: prefix[upper.level]]:
            where = ("parents", i + 1, "code") if i + 1 < len(p.parents) else ("jurisdiction", "code")
            issues.append((where, f"代码 {lower.code} 不属于上级 {upper.name}（{upper.code}）"))

    sub_codes = {s.code for s in p.subdivisions}
    for i, u in enumerate(p.units):
        if u.jurisdiction is not None and u.jurisdiction not in sub_codes | {p.jurisdiction.code}:
            issues.append(
                (("units", i, "jurisdiction"), f"单位所属行政区划“{u.jurisdiction}”不在 subdivisions 中")
            )
    parent_levels = [x.level for x in p.parents]
    order = ["province", "city", "county"]
    expected = order[: order.index(p.jurisdiction.level)]
    if parent_levels and parent_levels != expected[-len(parent_levels) :]:
        issues.append((("parents",), f"上级行政区划应自上而下依次为 {expected}"))
    for i, s in enumerate(p.subdivisions):
        if order.index(s.level) <= order.index(p.jurisdiction.level):
            issues.append((("subdivisions", i, "level"), "下辖行政区划的层级应低于本级"))
        if p.jurisdiction.level == "city" and s.code[:4] != p.jurisdiction.code[:4]:
            issues.append(
                (
                    ("subdivisions", i, "code"),
                    f"代码 {s.code} 不属于 {p.jurisdiction.name}（{p.jurisdiction.code}）",
                )
            )

    check_targets(p.targets, ("targets",))
    for i, t in enumerate(p.teams):
        need("人员", t.head, people, ("teams", i, "head"))
        for j, d in enumerate(t.deputies):
            need("人员", d, people, ("teams", i, "deputies", j))
        need("单位", t.lead_unit, units, ("teams", i, "lead_unit"))
        for j, m in enumerate(t.member_units):
            need("单位", m, units, ("teams", i, "member_units", j))
            if m == t.lead_unit:
                issues.append((("teams", i, "member_units", j), f"“{m}”已是牵头单位，不应再列为其他成员单位"))
        check_targets(t.targets, ("teams", i, "targets"))

    for i, g in enumerate(p.groups):
        known = {
            "jurisdiction": {p.jurisdiction.code} | sub_codes,
            "team": teams,
            "unit": units,
            "person": people,
        }[g.holder]
        kind = {"jurisdiction": "行政区划代码", "team": "团队", "unit": "单位", "person": "人员"}[g.holder]
        for j, m in enumerate(g.members):
            need(kind, m, known, ("groups", i, "members", j))
        for j, inc in enumerate(g.include):
            other = p.group(inc)
            if other is None or inc == g.key:
                issues.append((("groups", i, "include", j), f"无法包含分组“{inc}”"))
            elif other.holder != g.holder:
                issues.append(
                    (
                        ("groups", i, "include", j),
                        f"分组“{inc}”的对象类型是 {other.holder}，与本组的 {g.holder} 不同",
                    )
                )
        check_targets(g.targets, ("groups", i, "targets"))

    for i, c in enumerate(p.calendar):
        for j, g in enumerate(c.groups):
            need("分组", g, groups, ("calendar", i, "groups", j))
        need("时期", c.period, periods, ("calendar", i, "period"))

    for i, r in enumerate(p.rules):
        base: Loc = ("rules", i)
        for field in ("group",):
            v = getattr(r, field, None)
            need("分组", v, groups, (*base, field))
        for field in ("metric", "base_metric", "completion_metric"):
            metric_ok(getattr(r, field, None), (*base, field))
        for field in ("scorecard", "ranking"):
            v = getattr(r, field, None)
            need("规则", v, rule_ids, (*base, field))
        if isinstance(r, Ranking):
            for j, g in enumerate(r.partitions):
                need("分组", g, groups, (*base, "partitions", j))
            if r.score not in rule_ids and p.metric(r.score) is None:
                issues.append(((*base, "score"), f"排名依据“{r.score}”既不是规则也不是指标"))
        if isinstance(r, Milestone | Quota):
            need("时期", r.period, periods, (*base, "period"))
        if isinstance(r, Growth):
            need("时期", r.over, periods, (*base, "over"))
        if isinstance(r, Duty) and r.proof is not None:
            need("报送事项", r.proof.calendar, {c.key for c in p.calendar}, (*base, "proof", "calendar"))
        if isinstance(r, TransferSplit):
            for j, m in enumerate(r.indicator_metrics):
                metric_ok(m, (*base, "indicator_metrics", j))
            metric_ok(r.tax_metric, (*base, "tax_metric"))
        if isinstance(r, Flag) and r.extend_to:
            g = p.group(r.group)
            if g is not None and g.holder != "team":
                issues.append(((*base, "extend_to"), "extend_to 只适用于对象为团队的分组"))
        if isinstance(r, WeightedPeriods):
            for k in r.weights:
                need("时期", k, periods, (*base, "weights", k))
        if isinstance(r, Scorecard):
            for j, d in enumerate(r.dimensions):
                for k, item in enumerate(d.items):
                    metric_ok(item.metric, (*base, "dimensions", j, "items", k, "metric"))
        if isinstance(r, Deduction):
            sc = p.rule(r.scorecard)
            dims = {d.key: d for d in sc.dimensions} if isinstance(sc, Scorecard) else {}
            if isinstance(sc, Scorecard) and r.dimension not in dims:
                issues.append(((*base, "dimension"), f"评分表“{r.scorecard}”中没有维度“{r.dimension}”"))
            elif r.item is not None and r.dimension in dims:
                if r.item not in {it.key for it in dims[r.dimension].items}:
                    issues.append(((*base, "item"), f"维度“{r.dimension}”中没有指标“{r.item}”"))
        for j, cond in enumerate(getattr(r, "conditions", []) or []):
            metric_ok(cond.metric, (*base, "conditions", j, "metric"))
            need("规则", cond.ranking, rule_ids, (*base, "conditions", j, "ranking"))
    _check_chains(p, teams | set(units), issues)
    return issues


def _check_chains(p: Policy, holders: set[str], issues: list[tuple[Loc, str]]) -> None:
    """A chain's lead is a team (by key) or a unit (by name) of the file; its segments have distinct keys and its
    edges (`feeds`) name segments of the same chain, never the segment itself."""
    for i, c in enumerate(p.chains):
        if c.lead is not None and c.lead not in holders:
            issues.append((("chains", i, "lead"), f"未声明的团队或单位“{c.lead}”"))
        keys = [s.key for s in c.segments]
        for j in _duplicates(keys):
            issues.append((("chains", i, "segments", j, "key"), f"环节“{keys[j]}”重复"))
        for j, seg in enumerate(c.segments):
            for k, to in enumerate(seg.feeds):
                if to not in keys or to == seg.key:
                    issues.append(
                        (("chains", i, "segments", j, "feeds", k), f"产业链“{c.key}”中没有可连接的环节“{to}”")
                    )
