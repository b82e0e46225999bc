"""Writes to the ledger. Views, the API, imports and commands all call these, so the rules of
the pipeline (dated stages, reasons for going back, first-contact ownership) hold everywhere."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zhaoshang.core.uploads import validate_evidence
from zhaoshang.org.models import Jurisdiction, Policy, Team, Unit

from .models import STAGE_ORDER, Enterprise, OwnershipClaim, Project, StageChange

# --- First-contact ownership (首招负责制 / 谁引进谁负责) ------------------------------------------

_PROVINCES = (
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 "
    "重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 香港 澳门 台湾"
).split()
# Cities that often lead a company name without 市.
_CITIES = (
    "深圳 广州 东莞 佛山 珠海 中山 惠州 汕头 厦门 福州 泉州 杭州 宁波 温州 苏州 无锡 常州 南京 合肥 南昌 赣州 长沙 "
    "武汉 郑州 商丘 成都 西安 青岛 济南 大连 沈阳 三明 抚州 昆山"
).split()
_REGION = re.compile(
    rf"^(中国)?(({'|'.join(_PROVINCES)})(省|市|自治区|特别行政区)?)?"
    rf"(({'|'.join(_CITIES)})市?|[\u4e00-\u9fa5]{{1,4}}?(市|州|盟|地区))?([\u4e00-\u9fa5]{{1,3}}?(区|县))?"
)
_LEGAL = re.compile(r"(集团)?(股份有限公司|有限责任公司|股份公司|有限公司|集团公司|公司|集团)$")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def name_core(name: str) -> str:
    """The distinctive part of a company name: 深圳市景旺电子股份有限公司 → 景旺电子."""
    text = _BRACKETS.sub("", name.strip())
    text = _LEGAL.sub("", text)
    stripped = _REGION.sub("", text, count=1)
    return stripped if len(stripped) >= 2 else text


def names_match(a: str, b: str) -> bool:
    ca, cb = name_core(a), name_core(b)
    if not ca or not cb:
        return False
    if ca == cb:
        return True
    short, long = sorted((ca, cb), key=len)
    if len(short) >= 4 and short in long:
        return True
    return difflib.SequenceMatcher(None, ca, cb).ratio() >= 0.85


@dataclass(frozen=True)
class OwnershipMatch:
    enterprise: Enterprise
    by: str  # "uscc" or "name"
    # Registered in another county of the same city (a city-wide first-contact rule): the
    # message names that county, and the city arbitrates.
    elsewhere: bool = False

    @property
    def message(self) -> str:
        e = self.enterprise
        how = "统一社会信用代码相同" if self.by == "uscc" else "企业名称相近"
        team = f"（{e.team}）" if e.team_id else ""
        unit = str(e.unit)
        if self.elsewhere and not unit.startswith(e.jurisdiction.name):
            unit = f"{e.jurisdiction.name}{unit}"
        return f"“{e.name}”已由{unit}{team}于{timezone.localtime(e.created):%Y年%m月%d日}首报（{how}）"


def ownership_area(jurisdiction: Jurisdiction) -> Jurisdiction:
    """Where first-contact ownership holds for records of `jurisdiction`: the widest of it and
    its ancestors that runs a policy with a `first_contact` rule — a city's (sanming §三(四)19
    首招负责制: one enterprise, one first county, across all the city's counties) — else the
    jurisdiction itself. Everything registered under the returned jurisdiction counts."""
    codes = [c for c in jurisdiction.path.split("/") if c]
    ruled = (
        Policy.objects.filter(jurisdiction__code__in=codes, content_json__contains='"first_contact"')
        .select_related("jurisdiction")
        .order_by("jurisdiction__path")
        .first()
    )
    return ruled.jurisdiction if ruled is not None else jurisdiction


def enterprise_find_holder(*, jurisdiction: Jurisdiction, name: str = "", uscc: str = "", exclude_pk=None):
    """Who already holds this enterprise where first contact holds for the jurisdiction (its own,
    or all the counties of its city: `ownership_area`), whatever the asking user may see: the
    point is to tell a second unit, or a second county, that someone was first."""
    area = ownership_area(jurisdiction)
    found = _find_holder(area, name=name, uscc=uscc, exclude_pk=exclude_pk)
    if found is not None and found.enterprise.jurisdiction_id != jurisdiction.pk:
        return OwnershipMatch(found.enterprise, found.by, elsewhere=True)
    return found


def ownership_enterprises(area: Jurisdiction):
    """The enterprises first contact is asked of within `area` (an `ownership_area`): a county's
    own, or everything registered under a city. The Excel import loads the same ones."""
    if area.level == Jurisdiction.Level.COUNTY:
        return Enterprise.objects.filter(jurisdiction=area)
    return Enterprise.objects.filter(jurisdiction__path__startswith=area.path)


def _find_holder(area: Jurisdiction, *, name: str, uscc: str, exclude_pk) -> OwnershipMatch | None:
    qs = ownership_enterprises(area).select_related("unit", "team", "jurisdiction")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if uscc:
        hit = qs.filter(uscc=uscc.strip().upper()).order_by("created").first()
        if hit is not None:
            return OwnershipMatch(hit, "uscc")
    if name:
        core = name_core(name)
        # A database prefilter on any two characters of the core keeps the fuzzy match cheap.
        probe = core[:2] if len(core) >= 2 else core
        for cand in qs.filter(name__icontains=probe).order_by("created")[:200]:
            if any(names_match(name, n) for n in [cand.name, cand.short_name, *cand.former_names] if n):
                return OwnershipMatch(cand, "name")
        for cand in qs.filter(short_name__icontains=probe).order_by("created")[:50]:
            if names_match(name, cand.short_name):
                return OwnershipMatch(cand, "name")
    return None


def enterprise_ownership_problem(
    *, jurisdiction, name: str, uscc: str, unit, exclude_pk=None, how_to_claim: str = ""
) -> str | None:
    """Why an enterprise may not be saved under `unit` (首招负责制): another unit registered it
    first. The one message the form, the API and the admin all give, naming the holder and since
    when; `how_to_claim` says where to ask the office to arbitrate."""
    if jurisdiction is None:
        return None
    match = enterprise_find_holder(jurisdiction=jurisdiction, name=name, uscc=uscc, exclude_pk=exclude_pk)
    if match is None or match.enterprise.unit_id == getattr(unit, "pk", unit):
        return None
    return ownership_problem_message(match, jurisdiction=jurisdiction, how_to_claim=how_to_claim)


def ownership_problem_message(
    match: OwnershipMatch, *, jurisdiction: Jurisdiction, how_to_claim: str = ""
) -> str:
    """The words of `enterprise_ownership_problem` for a match held by another unit: within the
    county, ask its office; held by another county of the city (`match.elsewhere`), the city rules.
    The Excel import gives the same words for a row naming another county's enterprise."""
    where = f"（{how_to_claim}）" if how_to_claim else ""
    if match.elsewhere:
        area = ownership_area(jurisdiction)
        return (
            f"{match.message}。按首招负责制，该企业在{area.name}范围内归属首报的{match.enterprise.jurisdiction.name}，"
            f"本县（市、区）不能再登记；如有异议，请申请归属裁定，由{area.name}裁定{where}。"
        )
    return f"{match.message}。按首招负责制，该企业归属首报单位；如有异议，请申请归属裁定{where}。"


def claim_across(claim: OwnershipClaim) -> bool:
    """Whether a claim is between two counties (the city arbitrates) rather than within one."""
    return claim.claimant_unit.jurisdiction_id != claim.holder_unit.jurisdiction_id


def claim_may_decide(*, claim: OwnershipClaim, user) -> bool:
    """Who rules on a claim: within a county its office; between two counties of a city, the
    city (role city) over both — the counties themselves are parties. A superuser may always."""
    from zhaoshang.core.roles import Role
    from zhaoshang.core.scoping import membership

    if getattr(user, "is_superuser", False):
        return True
    m = membership(user)
    if m is None:
        return False
    if not claim_across(claim):
        return m.role == Role.OFFICE and claim.jurisdiction.path.startswith(m.jurisdiction.path)
    paths = (claim.claimant_unit.jurisdiction.path, claim.holder_unit.jurisdiction.path)
    return m.role == Role.CITY and all(p.startswith(m.jurisdiction.path) for p in paths)


@transaction.atomic
def claim_file(*, enterprise: Enterprise, unit: Unit, team: Team | None, reason: str) -> OwnershipClaim:
    if not reason.strip():
        raise ValidationError({"reason": "请填写申请理由"})
    if enterprise.unit_id == unit.pk:
        raise ValidationError({"enterprise": "该企业已归属本单位，无需申请"})
    if enterprise.claims.filter(status=OwnershipClaim.Status.PENDING, claimant_unit=unit).exists():
        raise ValidationError({"enterprise": "本单位对该企业的归属申请尚在等待裁定"})
    claim = OwnershipClaim(
        jurisdiction=enterprise.jurisdiction,
        enterprise=enterprise,
        holder_unit=enterprise.unit,
        claimant_unit=unit,
        claimant_team=team,
        reason=reason.strip(),
    )
    claim.full_clean()
    claim.save()
    return claim


@transaction.atomic
def claim_decide(*, claim: OwnershipClaim, upheld: bool, decision: str, by) -> OwnershipClaim:
    """The office's ruling. Upheld: the enterprise and its projects move to the claimant (projects
    are never shared between teams); recorded in the change log like every write."""
    if claim.status != OwnershipClaim.Status.PENDING:
        raise ValidationError("该申请已裁定，不能重复裁定")
    if by is not None and not claim_may_decide(claim=claim, user=by):
        raise PermissionDenied(
            "跨县（市、区）的企业归属由市里裁定" if claim_across(claim) else "只有招商办可以裁定企业归属"
        )
    if not decision.strip():
        raise ValidationError({"decision": "请填写裁定意见"})
    claim.status = OwnershipClaim.Status.UPHELD if upheld else OwnershipClaim.Status.REJECTED
    claim.decision = decision.strip()
    claim.decided_by = by
    claim.decided_at = timezone.now()
    claim.save()
    if upheld:
        enterprise = claim.enterprise
        # Between counties, the enterprise and its projects (and their investment) move to the
        # claimant's county with it.
        moved_to = claim.claimant_unit.jurisdiction if claim_across(claim) else None
        enterprise.unit = claim.claimant_unit
        enterprise.team = claim.claimant_team
        if moved_to is not None:
            enterprise.jurisdiction = moved_to
        enterprise.save()
        for project in enterprise.projects.all():
            project.unit = claim.claimant_unit
            project.team = claim.claimant_team
            if moved_to is not None:
                project.jurisdiction = moved_to
                for investment in project.investments.all():
                    investment.jurisdiction = moved_to
                    investment.save()
            project.save()
    return claim


# --- Lifecycle -------------------------------------------------------------------------------------

# Which date (and sub-kind) each stage sets on the project.
_STAGE_FIELDS = {
    Project.Stage.SIGNED: ("signed_on", "signing_kind", Project.SigningKind),
    Project.Stage.STARTED: ("started_on", "start_kind", Project.StartKind),
    Project.Stage.PRODUCTION: ("production_on", None, None),
    Project.Stage.FULL_PRODUCTION: ("full_production_on", None, None),
    Project.Stage.TERMINATED: ("terminated_on", None, None),
}


@transaction.atomic
def project_advance_stage(
    *, project: Project, stage: str, on: date, by=None, kind: str = "", reason: str = "", evidence=None
) -> StageChange:
    """Move a project to `stage` on date `on`. Going back, or ending it, needs a reason; the
    history keeps every step. Dates of stages beyond the new one are cleared on the project
    (the history still has them).

    One step per move, however many ask at once: the project's row is locked for the
    transaction (select_for_update) and its stage read again under the lock, so a second
    request for the step the last one just made (the same page sent twice, two clerks, two
    API calls at once) writes nothing and returns that step with `repeated` set and a note
    (`note`) saying who made it when."""
    locked = Project.objects.select_for_update().filter(pk=project.pk).first()
    if locked is None:
        raise ValidationError({"stage": "该项目已被删除"})
    for field in Project._meta.concrete_fields:
        setattr(project, field.attname, getattr(locked, field.attname))  # what others wrote meanwhile
    last = project.stage_changes.order_by("-created", "-id").select_related("by").first()
    if stage == project.stage and last is not None and last.to_stage == stage:
        who = (last.by.get_full_name() or last.by.username) if last.by is not None else "他人"
        last.repeated = True
        last.note = (
            f"项目已由 {who} 于 {timezone.localtime(last.created):%Y-%m-%d %H:%M} 调整为“{project.get_stage_display()}”"
            f"（{last.on:%Y-%m-%d}），本次未重复记录"
        )
        return last
    errors: dict[str, str] = {}
    if stage not in Project.Stage.values:
        errors["stage"] = f"未知的项目阶段“{stage}”"
    elif stage == project.stage:
        errors["stage"] = f"项目已处于“{project.get_stage_display()}”阶段"
    if on is None:
        errors["on"] = "请填写日期"
    elif on > timezone.localdate():
        errors["on"] = "日期不能晚于今天"
    elif on < project.registered_on:
        errors["on"] = f"日期不能早于项目登记日期（{project.registered_on:%Y-%m-%d}）"
    backward = stage in STAGE_ORDER and STAGE_ORDER[stage] < STAGE_ORDER.get(project.stage, 0)
    if project.stage == Project.Stage.TERMINATED:
        backward = True  # reopening an ended project is going back too
    if (backward or stage == Project.Stage.TERMINATED) and not reason.strip():
        errors["reason"] = "回退阶段或终止项目须填写原因"
    reason_limit = StageChange._meta.get_field("reason").max_length
    if len(reason.strip()) > reason_limit:
        errors["reason"] = f"原因不能超过 {reason_limit} 个字，实为 {len(reason.strip())} 个字"
    if evidence is not None:
        try:
            validate_evidence(evidence)
        except ValidationError as exc:
            errors["evidence"] = exc.messages[0]
    spec = _STAGE_FIELDS.get(stage)
    if spec and spec[2] is not None:
        if kind and kind not in spec[2].values:
            errors["kind"] = f"方式应为：{'、'.join(spec[2].labels)}"
    elif kind:
        errors["kind"] = "该阶段没有方式可选"
    if errors:
        raise ValidationError(errors)

    change = StageChange(
        project=project,
        from_stage=project.stage,
        to_stage=stage,
        on=on,
        kind=kind,
        reason=reason.strip(),
        by=by,
    )
    if evidence is not None:
        change.evidence = evidence
    change.save()

    project.stage = stage
    if spec:
        setattr(project, spec[0], on)
        if spec[1]:
            setattr(project, spec[1], kind)
        if stage == Project.Stage.TERMINATED:
            project.termination_reason = reason.strip()
    if stage != Project.Stage.TERMINATED:
        project.terminated_on = None
        project.termination_reason = ""
        for later, (date_field, kind_field, _) in _STAGE_FIELDS.items():
            if later != Project.Stage.TERMINATED and STAGE_ORDER[later] > STAGE_ORDER[stage]:
                setattr(project, date_field, None)
                if kind_field:
                    setattr(project, kind_field, "")
    project.full_clean()
    project.save()
    change.repeated, change.note = False, ""
    return change


def stage_confirmation(project: Project, stage: str):
    """What moving `project` back (or ending it) does, to be confirmed before it is done; None
    for a step forward, which needs no confirmation (core/confirm.py)."""
    from zhaoshang.core.confirm import Confirmation

    backward = stage in STAGE_ORDER and STAGE_ORDER[stage] < STAGE_ORDER.get(project.stage, 0)
    if project.stage == Project.Stage.TERMINATED and stage != project.stage:
        backward = True
    if not backward and stage != Project.Stage.TERMINATED:
        return None
    if stage == project.stage:
        return None
    now, new = project.get_stage_display(), Project.Stage(stage).label
    items = ["变更连同原因记入阶段历史，原有的各阶段记录仍保留"]
    if stage == Project.Stage.TERMINATED:
        title, message = f"终止项目：{project}", f"项目将由“{now}”终止，不再作为在谈或在建项目统计。"
        items.insert(0, "终止原因写入项目，可在项目页查看")
    else:
        later = [
            Project.Stage(s).label
            for s, (date_field, _, _) in _STAGE_FIELDS.items()
            if s != Project.Stage.TERMINATED
            and STAGE_ORDER[s] > STAGE_ORDER[stage]
            and getattr(project, date_field, None)
        ]
        title, message = f"回退阶段：{project}", f"项目将由“{now}”退回到“{new}”。"
        if later:
            items.insert(0, f"项目上“{'、'.join(later)}”的日期将被清除")
        if project.stage == Project.Stage.TERMINATED:
            items.insert(0, "项目将重新启用，终止日期和终止原因将被清除")
    items.append("统计和考核按新阶段计算")
    return Confirmation(
        title=title,
        message=message,
        items=items,
        button="确认" + ("终止" if stage == Project.Stage.TERMINATED else "回退"),
    )


def stage_by_label(label: str) -> str | None:
    """'开工' → 'started'; accepts the sub-kinds too (正式签约 → signed)."""
    label = label.strip()
    for value, text in Project.Stage.choices:
        if label in (value, text):
            return value
    for kinds, stage in (
        (Project.SigningKind, Project.Stage.SIGNED),
        (Project.StartKind, Project.Stage.STARTED),
    ):
        if label in kinds.labels:
            return stage
    return None
