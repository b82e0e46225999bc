"""A small hand-built world for the office's entries: one county (小镇县) with a sub-county (东乡),
its policy (metrics, decisions its rules read, award rules), three units, one team, one person,
two registered projects, and a login for the office, a unit clerk and another county's office.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import yaml

from .helpers import xlsx  # noqa: F401 (the sheets the tests write)

POLICY = """
schema_version: 1
name: minitown-2024
document: {title: 小镇县2024年招商引资考核办法（导入测试）, issuer: 小镇县人民政府, source: tests}
jurisdiction: {code: "990100", name: 小镇县, level: city}
parents: [{code: "990000", name: 导入省, level: province}]
subdivisions: [{code: "990121", name: 东乡, level: county}]
office: 县招商办
periods:
  - {key: "2024", label: 2024年, kind: year, start: 2024-01-01, end: 2024-12-31}
  - {key: june-event, label: 6月推介月, kind: month, start: 2024-06-01, end: 2024-06-30}
main_period: "2024"
metrics:
  - {key: scheduling_meetings, label: 兵团月度调度会议, uom: 次}
  - {key: listed_companies_total, label: 全县拥有上市公司, uom: 家, aggregate: last}
units:
  - {name: 商务局, kind: department, aliases: [县商务局]}
  - {name: 工信局, kind: department}
  - {name: 甲镇, kind: town}
  - {name: 东乡人民政府, kind: county, jurisdiction: "990121"}
people:
  - {name: 李县长, title: 县长}
teams:
  - {key: corps-1, number: 1, name: 第一兵团, kind: corps, head: 李县长, lead_unit: 商务局, member_units: [工信局], clause: 第1条}
groups:
  - {key: units, label: 各单位, holder: unit, members: [商务局, 工信局, 甲镇], clause: 第2条}
rules:
  - {id: rank-units, type: ranking, title: 单位排名, clause: 第3条, score: projects_signed, partitions: [units], per: year}
  - id: bottom-two-years
    type: flag
    title: 连续两年位列后三名的调整岗位
    clause: 第4条
    kind: reassignment
    group: units
    conditions: [{ranking: rank-units, rank_bottom: 3}]
    consecutive: 2
    previous_office_named: bottom_three
    consequence: 调整岗位
  - id: poor-work
    type: flag
    title: 完成任务较差的通报批评
    clause: 第5条
    kind: criticism
    group: units
    conditions: [{office_named: poor_completion}]
    consequence: 通报批评
  - id: year-awards
    type: award_quota
    title: 年度综合奖
    clause: 第6条
    ranking: rank-units
    group: units
    grades: [{grade: 一等奖, count: 1}, {grade: 二等奖, count: 2}]
  - {id: project-awards, type: project_award, title: 项目落地奖, clause: 第7条, kind: completion_award, group: units, paid_to: introducing_unit}
"""


def build_world():
    """The policy loaded, two projects, and logins: {name: user}, plus the policy and projects."""
    from django.contrib.auth import get_user_model

    from zhaoshang.core.changelog import change_context
    from zhaoshang.engine.schema import Policy as PolicySpec
    from zhaoshang.ledger.models import Enterprise, Project
    from zhaoshang.org.models import Jurisdiction, Membership, Policy, Unit
    from zhaoshang.org.selectors import team_for_unit
    from zhaoshang.org.services import policy_load

    with change_context(source="system"):
        policy_load(spec=PolicySpec.model_validate(yaml.safe_load(POLICY)))
        policy = Policy.objects.get(name="minitown-2024")
        county = policy.jurisdiction
        unit = Unit.objects.get(jurisdiction=county, name="商务局")
        projects = {}
        for name, enterprise in (("小镇光伏项目", "小镇光伏有限公司"), ("小镇电子项目", "小镇电子有限公司")):
            ent = Enterprise.objects.create(
                jurisdiction=county, name=enterprise, unit=unit, team=team_for_unit(unit)
            )
            projects[name] = Project.objects.create(
                jurisdiction=county, name=name, enterprise=ent, unit=unit, team=team_for_unit(unit),
                total_investment=Decimal(10000), stage=Project.Stage.STARTED, signed_on=date(2024, 1, 10),
                started_on=date(2024, 2, 1), registered_on=date(2024, 1, 5),
            )  # fmt: skip
        User = get_user_model()
        users = {}
        for username, role, extra in (
            ("mt-office", "office", {}),
            ("mt-clerk", "unit_clerk", {"unit": unit}),
            ("mt-leader", "leader", {}),
        ):
            users[username] = User.objects.create_user(username, password="x")
            Membership.objects.create(user=users[username], role=role, jurisdiction=county, **extra)
        other = Jurisdiction.objects.get(code="360722")  # 信丰: an office that must not see 小镇县
        users["other-office"] = User.objects.create_user("other-office", password="x")
        Membership.objects.create(user=users["other-office"], role="office", jurisdiction=other)
    return policy, projects, users
