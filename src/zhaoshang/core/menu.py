"""The site's menus: each entry shown only to a user its page answers.

An entry names its page and the question that page asks before it answers: `may_read(user,
Model)` for a list (the same `scope_roles` test as `visible_to`), `can_change(user, Model)` for a
form that adds one (the generic edit view's test), or a predicate of `permissions` (the
administrators' consoles, the change log, dashboards). No role list is written here or in the
template, so a menu never leads to a 403: tests/test_menus.py follows every entry as every demo
login.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.urls import reverse

from . import permissions as perms
from .scoping import can_change, may_read


@dataclass(frozen=True)
class Entry:
    label: str
    route: str
    # One of: a model whose list the page shows ("app.Model"), a model the page adds ("+app.Model"),
    # or a predicate of the user.
    allowed: str | Callable

    def may_open(self, user) -> bool:
        if callable(self.allowed):
            return bool(self.allowed(user))
        if self.allowed.startswith("+"):
            return perms.has_business_role(user) and can_change(user, apps.get_model(self.allowed[1:]))
        return perms.has_business_role(user) and may_read(user, apps.get_model(self.allowed))

    @property
    def url(self) -> str:
        return _url(self.route)


@cache
def _url(route: str) -> str:
    return reverse(route)


def _may_issue(user) -> bool:
    from zhaoshang.supervision.instructions import may_issue

    return perms.has_business_role(user) and may_issue(user)


MENUS: list[tuple[str, list[Entry]]] = [
    (
        "领导视图",
        [
            Entry("驾驶舱", "dashboards:dashboard", perms.has_business_role),
            Entry("排名", "dashboards:rankings", perms.has_business_role),
            Entry("战报简报", "bulletins:bulletin_list", "bulletins.Bulletin"),
        ],
    ),
    (
        "台账",
        [
            Entry("项目", "ledger:project_list", "ledger.Project"),
            Entry("企业（客商）", "ledger:enterprise_list", "ledger.Enterprise"),
            Entry("实际进资", "ledger:investment_list", "ledger.Investment"),
            Entry("履约滞后项目", "ledger:performance_behind", "ledger.ContractObligation"),
            Entry("归属裁定", "ledger:ownershipclaim_list", "ledger.OwnershipClaim"),
            Entry("产业链 / 招商图谱", "chains:industrychain_list", "chains.IndustryChain"),
            Entry("目标企业库", "targets:targetenterprise_list", "targets.TargetEnterprise"),
            Entry("招商项目包", "packages:projectpackage_list", "packages.ProjectPackage"),
            Entry("客商库", "packages:merchant_list", "packages.Merchant"),
            Entry("产业链招商进度", "packages:progress", perms.has_business_role),
        ],
    ),
    (
        "工作",
        [
            Entry("登记活动", "fieldwork:activity_add", "+fieldwork.Activity"),
            Entry("招商活动", "fieldwork:activity_list", "fieldwork.Activity"),
            Entry("线索信息", "fieldwork:lead_list", "fieldwork.Lead"),
            Entry("议定事项", "fieldwork:decision_list", "fieldwork.Decision"),
            Entry("报送日历", "fieldwork:report_calendar", "fieldwork.Report"),
            Entry("信息报送", "fieldwork:report_list", "fieldwork.Report"),
            Entry("任务进度", "fieldwork:quotas", perms.has_business_role),
            Entry("考核评比", "assessment:assessmentrun_list", "assessment.AssessmentRun"),
        ],
    ),
    (
        "督办",
        [
            Entry("我的职责任务", "supervision:duty_mine", "supervision.DutyObligation"),
            Entry("职责任务", "supervision:dutyobligation_list", "supervision.DutyObligation"),
            Entry("职责任务汇总", "supervision:duty_grid", "supervision.DutyObligation"),
            Entry("问题清单", "supervision:problem_list", "supervision.Problem"),
            Entry("我的批示", "supervision:instruction_mine", _may_issue),
            Entry("领导批示", "supervision:instruction_list", "supervision.Instruction"),
            Entry("要素保障单位排名", "supervision:problem_ranking", perms.has_business_role),
        ],
    ),
    (
        "要素",
        [
            Entry("要素资源库", "resources:carrier_list", "resources.Carrier"),
            Entry("载体地图", "resources:carrier_map", perms.has_business_role),
            Entry("载体安排", "resources:carrierassignment_list", "resources.CarrierAssignment"),
            Entry("僵尸企业", "resources:zombieenterprise_list", "resources.ZombieEnterprise"),
        ],
    ),
    (
        "组织",
        [
            Entry("政策文件", "org:policy_list", "org.Policy"),
            Entry("招商团队", "org:team_list", "org.Team"),
            Entry("任务分组", "org:holdergroup_list", "org.HolderGroup"),
            Entry("单位", "org:unit_list", "org.Unit"),
            Entry("人员", "org:person_list", "org.Person"),
            Entry("目标任务", "org:target_list", "org.Target"),
            Entry("行政区划", "org:jurisdiction_list", "org.Jurisdiction"),
            Entry("节假日日历", "holidays:index", perms.has_business_role),
        ],
    ),
    # 三员: each their own console (admins/, audit/, jobs/).
    (
        "系统管理",
        [
            Entry("账号管理", "admins:system", perms.is_system_admin),
            Entry("系统设置", "admins:system_settings", perms.is_system_admin),
            Entry("后台任务", "jobs:job_list", perms.is_system_admin),
        ],
    ),
    ("安全管理", [Entry("账号与锁定", "admins:security", perms.is_security_admin)]),
    (
        "安全审计",
        [
            Entry("审计记录", "audit:index", perms.is_audit_admin),
            Entry("审计链校验", "audit:verify", perms.is_audit_admin),
        ],
    ),
]

# The user's own menu (under their name), after the business menus.
ACCOUNT: list[Entry] = [
    Entry("消息", "notify:notice_list", perms.has_business_role),
    Entry("变更记录", "changelog", perms.may_read_log),
    Entry("数据接口", "api-root", perms.has_business_role),
]


def menus_for(user) -> list[tuple[str, list[Entry]]]:
    """The menus the user sees: every entry whose page answers them, menus left empty dropped."""
    if not getattr(user, "is_authenticated", False):
        return []
    out = []
    for title, entries in MENUS:
        shown = [e for e in entries if e.may_open(user)]
        if shown:
            out.append((title, shown))
    return out


def account_entries(user) -> list[Entry]:
    return [e for e in ACCOUNT if e.may_open(user)] if getattr(user, "is_authenticated", False) else []
