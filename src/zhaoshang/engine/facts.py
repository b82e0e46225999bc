"""The facts an assessment runs on: plain frozen dataclasses the Django side fills.

The engine never queries anything: whatever it needs to know arrives here. Almost everything
is one aggregate query away (GROUP BY holder, metric, month); projects are one row each with
their dates and a few sums. See docs/assessment.md for which rule type reads which field.

Holders are named as the policy names them: a team by its key (`corps-01`), a unit by its name
(`商务局`; an alias is accepted and mapped to the name), a person by name, a jurisdiction by its
division code. Periods are calendar tokens: `2024-06` (a month, the normal case), `2024-Q3`,
`2024-H1`, `2024`. A fact counts in an assessed span when its token lies wholly inside it.

Money is in 万元 (foreign capital in 万美元 where the metric says so) and always `Decimal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

HolderKind = Literal["jurisdiction", "team", "unit", "person"]


@dataclass(frozen=True, order=True)
class Holder:
    """Who a fact or a result belongs to: (`unit`, `商务局`), (`team`, `corps-01`)…"""

    kind: HolderKind
    key: str

    def __str__(self) -> str:
        return self.key


def unit(name: str) -> Holder:
    return Holder("unit", name)


def team(key: str) -> Holder:
    return Holder("team", key)


def person(name: str) -> Holder:
    return Holder("person", name)


def jurisdiction(code: str) -> Holder:
    return Holder("jurisdiction", code)


@dataclass(frozen=True)
class MetricFact:
    """The value of one metric for one holder over one period: one row of
    `SELECT holder, metric, month, SUM/COUNT(...) GROUP BY holder, metric, month`.

    - `holder`: whom the value is credited to. Projects count for the holder that introduced
      them (谁引进谁负责); investment shared between holders (进资可共享) is credited to each.
      Jurisdiction totals are given as their own rows (holder kind `jurisdiction`): they are
      not the sum of the holders' rows, which may share investment.
    - `period`: a calendar token, normally the month (`2024-06`). Metrics whose policy
      declares `aggregate: last` (a library size, an office-set score) take the value of the
      latest token inside the span; all others are summed.
    - `head_led`: the value counts only activities led by the holder's head (主要负责人带队);
      quotas with `head_led_only` read these rows, everything else the rows without the flag.
    """

    holder: Holder
    metric: str
    period: str
    value: Decimal
    head_led: bool = False


@dataclass(frozen=True)
class TargetFact:
    """A target as the office holds it, overriding the policy file's figure for the same holder,
    metric and period (the policy's period key, or a calendar token such as `2024`). Only
    needed where the office changed or added a target."""

    holder: Holder
    metric: str
    period: str
    value: Decimal
    clause: str = ""


@dataclass(frozen=True)
class Transfer:
    """A project handed by the introducing holder to the hosting holder (项目流转, Sanming §11).
    `introducing_share` is the negotiated share (None: the policy's, 3:7 → 0.3)."""

    introducing: Holder
    hosting: Holder
    introducing_share: Decimal | None = None
    # Which side the project's indicator facts were recorded under (engine/transfers.py): the
    # document has the host declare them; the ledger keeps them with the introducing county.
    declared_by: Literal["hosting", "introducing"] = "hosting"


@dataclass(frozen=True)
class Contact:
    """A holder's contact with a project's investor, for first-contact ownership (首招负责制)."""

    holder: Holder
    on: date


@dataclass(frozen=True)
class ObligationFact:
    """One obligation of a project's contract (合同义务): what was promised (`kind`: investment,
    construction_start, completion, output, tax, other), when it is due, and when it was
    fulfilled (None: not yet)."""

    kind: str
    due_on: date
    fulfilled_on: date | None = None


@dataclass(frozen=True)
class ProjectFact:
    """One project of the ledger.

    - `holder`: the introducing holder the project is credited to (a team or a unit).
    - `unit`: the introducing unit itself, when the project is credited to a team (引进单位).
    - `planned_wan`: the project's own planned new investment, by year token (`2024`), where
      the office gives one (a subsidy's `completion_basis: project`).
    - `attributes`: the project's classes, as the rules name them: `world500`, `china500`,
      `listed_manufacturing`, `foreign_over_200m_usd`, `talent_tech_transfer`…
    - `total_investment_wan`: the contracted (总投资) amount.
    - stage dates: `signed_on`, `construction_start_on`, `production_on`, `first_tax_on`.
    - `investment_wan`: new actual investment (新增实际进资) by calendar token, normally months.
    - `tax_wan`: local tax the project paid, by token (for transfer splits).
    - `indicators`: for transferred projects, metric → token → value of each split indicator
      (project count, fixed-asset investment, funds in place, output, profit and tax).
    - `assessed`: on the office's list of projects assessed this year (当年考评项目).
    - `obligations`: the contract's recorded obligations (合同义务), for 合同履约率.
    - `transfer`: set when the project moved to another jurisdiction.
    - `evaluations`: year → check → passed, for the rolling evaluation of landed projects
      (`in_statistics` 入统, `tax_paid` 有税收, `investment_verified` 投资额属实).
    - `land_grounds`: ground → the day it was found (`breach`, `not_started_on_time`, `land_idle`).
    - `contacts`: every recorded first contact with the investor, any order.
    - `dates`: other dated stages a deadline rule names (`classified` 认定分类, `resumed` 复工复产).
    - `hold`: why the project's rewards and subsidies are held (暂缓兑现: behind on its contract,
      ledger/performance.py), or None; its amounts are then listed as held, not paid.
    """

    id: str
    name: str
    holder: Holder | None = None
    attributes: frozenset[str] = frozenset()
    industry: str = ""
    total_investment_wan: Decimal | None = None
    signed_on: date | None = None
    construction_start_on: date | None = None
    production_on: date | None = None
    first_tax_on: date | None = None
    investment_wan: Mapping[str, Decimal] = field(default_factory=dict)
    tax_wan: Mapping[str, Decimal] = field(default_factory=dict)
    indicators: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    assessed: bool = True
    obligations: tuple[ObligationFact, ...] = ()
    transfer: Transfer | None = None
    evaluations: Mapping[str, Mapping[str, bool]] = field(default_factory=dict)
    land_grounds: Mapping[str, date] = field(default_factory=dict)
    contacts: tuple[Contact, ...] = ()
    dates: Mapping[str, date] = field(default_factory=dict)
    unit: Holder | None = None
    planned_wan: Mapping[str, Decimal] = field(default_factory=dict)
    hold: str | None = None

    def stage_date(self, stage: str) -> date | None:
        named = {
            "signing": self.signed_on,
            "construction_start": self.construction_start_on,
            "production": self.production_on,
            "first_tax": self.first_tax_on,
        }
        return named[stage] if stage in named else self.dates.get(stage)


@dataclass(frozen=True)
class EnterpriseFact:
    """An enterprise a deadline rule reads (`items: enterprises`): a zombie enterprise (僵尸企业)
    with its class as an attribute (`zombie_a`…`zombie_d`) and its dates (`classified` 认定分类,
    `resumed` 复工复产). `holder`: the unit that registered it."""

    id: str
    name: str
    holder: Holder | None = None
    attributes: frozenset[str] = frozenset()
    dates: Mapping[str, date] = field(default_factory=dict)

    def stage_date(self, stage: str) -> date | None:
        return self.dates.get(stage)


@dataclass(frozen=True)
class LeadFact:
    """A lead (线索) a holder filed, with its grade as the lead-points rule names it."""

    id: str
    holder: Holder
    grade: str
    on: date
    valid: bool = True


@dataclass(frozen=True)
class SurveyScore:
    """A holder's score in a satisfaction survey (满意度测评) held in `period` (`2021-H1`)."""

    holder: Holder
    period: str
    score: Decimal


@dataclass(frozen=True)
class OfficeDecision:
    """A judgement the document leaves to the office, under a key a rule's condition names
    (`office_named`): “完成任务较差” units, the major-project list… `period` None: any period."""

    key: str
    holder: Holder
    period: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class AwardAmount:
    """The amount the leading group set for one grade of an award rule (一等奖…), in 万元."""

    rule: str
    grade: str
    amount_wan: Decimal


@dataclass(frozen=True)
class AwardDecision:
    """An amount the leading group set for a project award (完成任务奖, 项目进资奖, 税收贡献奖)."""

    rule: str
    holder: Holder
    amount_wan: Decimal
    project: str | None = None
    # Why the award is held (暂缓兑现: its project behind on its contract), as for `ProjectFact.hold`:
    # the decision's project need not be among the projects the policy's other rules read.
    hold: str | None = None


@dataclass(frozen=True)
class PersonReward:
    """A reward proposed for one person (有功人员), in 元, checked against a per-person cap."""

    person: str
    amount_yuan: Decimal
    on: date
    unit: str = ""


@dataclass(frozen=True)
class PriorCondition:
    """Whether a flag's conditions held for a holder in an earlier, published period: what
    `consecutive` flags read (bottom three two years running). When a rule has any such row for
    a period, holders without one did not meet it then."""

    rule: str
    period: str
    holder: Holder
    met: bool = True


@dataclass(frozen=True)
class PublishedScore:
    """A holder's score under a scorecard in a period the office published: the monthly results
    a campaign is made of (001 附件§一: 6月占60%，7、8月各占20%, of the months as published, not
    recomputed). When a rule has any such row for a period, holders without one scored 0 then."""

    rule: str
    period: str
    holder: Holder
    score: Decimal


@dataclass(frozen=True)
class Facts:
    """Everything one assessment reads. `as_of`: the day the data runs to; units of a cadence
    that end after it are not judged yet (and forecasts project from it)."""

    metrics: tuple[MetricFact, ...] = ()
    targets: tuple[TargetFact, ...] = ()
    projects: tuple[ProjectFact, ...] = ()
    enterprises: tuple[EnterpriseFact, ...] = ()
    leads: tuple[LeadFact, ...] = ()
    surveys: tuple[SurveyScore, ...] = ()
    decisions: tuple[OfficeDecision, ...] = ()
    award_amounts: tuple[AwardAmount, ...] = ()
    award_decisions: tuple[AwardDecision, ...] = ()
    person_rewards: tuple[PersonReward, ...] = ()
    prior: tuple[PriorCondition, ...] = ()
    published: tuple[PublishedScore, ...] = ()
    as_of: date | None = None
