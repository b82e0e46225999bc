"""One source of truth (issue 10 point 1): the policy file seeds the organisation and targets;
the office's edits are what the next assessment reads; a published period keeps what it was
assessed on; reloading a changed file matches by declared key and shows its plan first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from zhaoshang.assessment import services
from zhaoshang.assessment.models import AssessmentRun, MetricValue
from zhaoshang.core.changelog import change_context
from zhaoshang.core.models import ObjectChange
from zhaoshang.engine.loader import load_policy_text
from zhaoshang.org.effective import effective
from zhaoshang.org.models import HolderGroup, Period, Person, Policy, Target, Team, Unit
from zhaoshang.org.services import add_period, policy_load

pytestmark = pytest.mark.django_db

POLICY = """
schema_version: 1
name: smallton-2024
document: {title: 小镇县2024年招商方案（测试用）, issuer: 小镇县人民政府, source: test}
jurisdiction: {code: "970121", name: 小镇县, level: county}
parents:
  - {code: "970000", name: 小镇省, level: province}
  - {code: "970100", name: 小镇市, level: city}
office: 县招商办
periods:
  - {key: "2024", label: 2024年, kind: year, start: 2024-01-01, end: 2024-12-31}
main_period: "2024"
metrics:
  - {key: promo, label: 推介活动, uom: 场}
units:
  - {name: 商务局, kind: department}
  - {name: 工信局, kind: department}
  - {name: 财政局, kind: department}
  - {name: 某镇, kind: town, placeholder: true}
people:
  - {name: 李四, title: 副县长}
  - {name: 县长, title: 县长, placeholder: true}
teams:
  - {key: t1, number: 1, name: 第一组, kind: work_group, head: 李四, lead_unit: 商务局, member_units: [工信局], clause: §1}
  - {key: t2, number: 2, name: 第二组, kind: work_group, head: 县长, lead_unit: 财政局, clause: §1, placeholder: true}
groups:
  - key: leads
    label: 牵头单位
    holder: unit
    team_role: lead_unit
    clause: §2
    targets:
      - {metric: promo, value: 2, clause: §2}
  - key: towns
    label: 各镇
    holder: unit
    unit_kinds: [town]
    clause: §3
    targets:
      - {metric: promo, value: 3, clause: §3}
targets:
  - {metric: promo, value: 10, clause: §4}
rules:
  - {id: lead-promo, type: target_completion, title: 牵头单位推介任务, clause: §2, group: leads, metric: promo}
  - {id: town-promo, type: target_completion, title: 各镇推介任务, clause: §3, group: towns, metric: promo}
"""


def spec(text: str = POLICY):
    return load_policy_text(text)


@pytest.fixture
def policy():
    with change_context(source="cli"):
        return policy_load(spec=spec()).policy


def promo(policy, unit_name: str, value, period: str = "2024-03"):
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name=unit_name)
    MetricValue.objects.create(
        jurisdiction=policy.jurisdiction, policy=policy, holder_kind="unit", unit=unit, metric="promo",
        period=period, value=Decimal(value),
    )  # fmt: skip


def completion(result: dict, rule: str) -> dict[str, tuple]:
    """Holder → (actual, target) of a target-completion rule, from the run's JSON."""
    out = {}
    for r in result["results"]:
        for c in r["components"]:
            if c["rule"] == rule:
                f = c["facts"]
                out[r["holder"]] = (Decimal(str(f.get("actual"))), Decimal(str(f.get("target"))))
    return out


def test_the_file_alone_reads_as_before(policy):
    org = effective(policy)
    assert org.spec == policy.spec()
    assert {t.holder.key for t in org.targets} == {"商务局", "财政局", "某镇"}


def test_an_edited_target_reaches_the_next_run(policy):
    promo(policy, "商务局", 3)
    promo(policy, "财政局", 1)
    before, *_ = services.compute(policy, "2024")
    assert completion(before, "lead-promo") == {"商务局": (3, 2), "财政局": (1, 2)}
    t = Target.objects.get(policy=policy, unit__name="财政局", metric="promo")
    t.value = Decimal(1)
    t.save()
    after, *_ = services.compute(policy, "2024")
    assert completion(after, "lead-promo") == {"商务局": (3, 2), "财政局": (1, 1)}
    county = Target.objects.get(policy=policy, holder_kind="jurisdiction", metric="promo")
    county.value = Decimal(12)
    county.save()
    assert effective(policy).spec.targets[0].value == 12


def test_a_teams_new_lead_unit_joins_the_group_with_its_target(policy):
    team = Team.objects.get(policy=policy, key="t2")
    gongxin = Unit.objects.get(jurisdiction=policy.jurisdiction, name="工信局")
    team.lead_unit = gongxin
    team.save()
    group = HolderGroup.objects.get(policy=policy, key="leads")
    assert set(group.units.values_list("name", flat=True)) == {"商务局", "工信局"}
    assert not group.members_edited
    assert Target.objects.get(policy=policy, unit=gongxin, group_key="leads").value == 2
    promo(policy, "工信局", 2)
    result, *_ = services.compute(policy, "2024")
    assert completion(result, "lead-promo") == {"商务局": (0, 2), "工信局": (2, 2)}


def test_members_added_to_a_team_on_screen_are_its_members_for_the_rules(policy):
    team = Team.objects.get(policy=policy, key="t2")
    team.member_units.add(Unit.objects.get(jurisdiction=policy.jurisdiction, name="工信局"))
    t2 = next(t for t in effective(policy).spec.teams if t.key == "t2")
    assert t2.member_units == ["工信局"]


def test_the_office_choosing_a_groups_members_makes_the_group_its_own(policy):
    group = HolderGroup.objects.get(policy=policy, key="leads")
    finance = Unit.objects.get(jurisdiction=policy.jurisdiction, name="财政局")
    group.units.remove(finance)
    group.units.add(Unit.objects.get(jurisdiction=policy.jurisdiction, name="工信局"))
    group.refresh_from_db()
    assert group.members_edited
    # A later change of the teams no longer moves this group.
    team = Team.objects.get(policy=policy, key="t1")
    team.lead_unit = finance
    team.save()
    assert set(group.units.values_list("name", flat=True)) == {"商务局", "工信局"}
    g = effective(policy).spec.group("leads")
    assert g.members == ["商务局", "工信局"] and g.team_role is None
    result, *_ = services.compute(policy, "2024")
    assert set(completion(result, "lead-promo")) == {"商务局", "工信局"}


def test_a_renamed_placeholder_town_is_credited_under_its_new_name(policy):
    town = Unit.objects.get(jurisdiction=policy.jurisdiction, name="某镇")
    town.name = "大塘镇"
    town.placeholder = False
    town.save()
    promo(policy, "大塘镇", 3)
    result, *_ = services.compute(policy, "2024")
    assert completion(result, "town-promo") == {"大塘镇": (3, 3)}
    # Reloading the unchanged file finds the town by the name the file declared: no duplicate.
    with change_context(source="cli"):
        report = policy_load(spec=spec())
    assert Unit.objects.filter(jurisdiction=policy.jurisdiction).count() == 4
    assert Unit.objects.get(pk=town.pk).name == "大塘镇"
    assert report.changes == []


def test_a_person_the_office_names_is_the_teams_head_for_the_rules(policy):
    head = Person.objects.get(jurisdiction=policy.jurisdiction, name="县长")
    head.name = "赵六"
    head.save()
    t2 = next(t for t in effective(policy).spec.teams if t.key == "t2")
    assert t2.head == "赵六"


def test_a_published_period_keeps_the_organisation_it_was_assessed_on(policy):
    promo(policy, "财政局", 1)
    june = services.run(policy, "2024")
    services.publish(june)
    t = Target.objects.get(policy=policy, unit__name="财政局", metric="promo")
    t.value = Decimal(1)
    t.save()  # edited in July
    corrected = services.run(policy, "2024", reason="补录推介活动")
    assert completion(corrected.result, "lead-promo")["财政局"] == (1, 2)
    assert corrected.organisation == june.organisation
    current = services.run(policy, "2024", reason="按新目标重算", current_organisation=True)
    assert completion(current.result, "lead-promo")["财政局"] == (1, 1)
    assert AssessmentRun.objects.filter(policy=policy, period="2024").count() == 2


def test_a_further_year_with_its_targets_copied_from_the_last(policy):
    y2024 = Period.objects.get(policy=policy, key="2024")
    with change_context(source="ui"):
        y2025 = add_period(policy=policy, key="2025", label="2025年", kind="year", start=date(2025, 1, 1),
                           end=date(2025, 12, 31), copy_targets_from=y2024)  # fmt: skip
    assert y2025.targets.count() == y2024.targets.count() == 4
    t = y2025.targets.get(unit__name="商务局")
    t.value = Decimal(5)
    t.save()
    promo(policy, "商务局", 4, period="2025-02")
    result, *_ = services.compute(policy, "2025")
    assert completion(result, "lead-promo")["商务局"] == (4, 5)
    with pytest.raises(Exception, match="已有"):
        add_period(policy=policy, key="2024", label="重复", kind="year", start=date(2024, 1, 1),
                   end=date(2024, 12, 31))  # fmt: skip


def test_reload_plan_names_what_it_changes_and_the_office_edits_it_overrides(policy):
    # The office renames team 2 and sets finance's target; the new file changes finance's
    # target and team 1's name, not team 2's name.
    t2 = Team.objects.get(policy=policy, key="t2")
    t2.name = "财税组"
    t2.save()
    t = Target.objects.get(policy=policy, unit__name="财政局", metric="promo")
    t.value = Decimal(1)
    t.save()
    new = POLICY.replace("name: 第一组", "name: 第一工作组").replace(
        "value: 2, clause: §2", "value: 4, clause: §2"
    )
    counts = (
        Unit.objects.count(),
        Team.objects.count(),
        Target.objects.count(),
        ObjectChange.objects.count(),
    )
    with change_context(source="cli"):
        plan = policy_load(spec=spec(new), dry_run=True)
    assert plan.dry_run
    assert (
        Unit.objects.count(),
        Team.objects.count(),
        Target.objects.count(),
        ObjectChange.objects.count(),
    ) == counts
    described = [c.describe() for c in plan.changes]
    assert "团队“第一组”的名称：第一组 → 第一工作组" in described
    assert any("财政局" in d and "1 → 4（将覆盖办公室的修改）" in d for d in described), described
    assert not any("财税组" in d for d in described)
    assert Team.objects.get(key="t1", policy=policy).name == "第一组"  # nothing written
    with change_context(source="cli"):
        done = policy_load(spec=spec(new))
    assert [c.describe() for c in done.changes] == described
    assert Team.objects.get(pk=t2.pk).name == "财税组"  # the office's name stands
    assert Team.objects.get(policy=policy, key="t1").name == "第一工作组"
    assert Target.objects.get(pk=t.pk).value == 4
    assert Target.objects.get(policy=policy, unit__name="商务局", metric="promo").value == 4
    assert Policy.objects.filter(name="smallton-2024").count() == 1


def test_reload_removes_a_target_the_file_dropped_but_not_the_offices_own(policy):
    y2024 = Period.objects.get(policy=policy, key="2024")
    with change_context(source="ui"):
        add_period(policy=policy, key="2025", label="2025年", kind="year", start=date(2025, 1, 1),
                   end=date(2025, 12, 31), copy_targets_from=y2024)  # fmt: skip
    new = POLICY.replace("targets:\n  - {metric: promo, value: 10, clause: §4}\n", "")
    with change_context(source="cli"):
        report = policy_load(spec=spec(new))
    assert not Target.objects.filter(policy=policy, period=y2024, holder_kind="jurisdiction").exists()
    assert Target.objects.filter(policy=policy, period__key="2025", holder_kind="jurisdiction").exists()
    assert [c.action for c in report.changes if c.kind == "target"] == ["remove"]


# --- The office's pages ---------------------------------------------------------------------------


@pytest.fixture
def office(policy, django_user_model):
    from zhaoshang.org.models import Membership

    user = django_user_model.objects.create_user("smallton-office", password="x")
    Membership.objects.create(user=user, role="office", jurisdiction=policy.jurisdiction)
    return user


@pytest.fixture
def clerk(policy, django_user_model):
    from zhaoshang.org.models import Membership

    user = django_user_model.objects.create_user("smallton-clerk", password="x")
    unit = Unit.objects.get(jurisdiction=policy.jurisdiction, name="商务局")
    Membership.objects.create(user=user, role="unit_clerk", jurisdiction=policy.jurisdiction, unit=unit)
    return user


def test_the_office_adds_a_year_on_screen_and_a_clerk_cannot(client, policy, office, clerk):
    url = f"/org/policy/{policy.pk}/period/add/"
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    client.force_login(office)
    page = client.get(url)
    assert page.status_code == 200 and "目标任务复制自" in page.content.decode()
    bad = client.post(url, {"key": "2025", "label": "2025年", "kind": "year", "start": "2025-12-31",
                            "end": "2025-01-01"})  # fmt: skip
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    assert not Period.objects.filter(policy=policy, key="2025").exists()
    y2024 = Period.objects.get(policy=policy, key="2024")
    done = client.post(url, {"key": "2025", "label": "2025年", "kind": "year", "start": "2025-01-01",
                             "end": "2025-12-31", "copy_targets_from": y2024.pk})  # fmt: skip
    assert done.status_code == 302
    period = Period.objects.get(policy=policy, key="2025")
    assert period.targets.count() == 4
    entry = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Period), object_id=str(period.pk), action="create"
    ).get()
    assert entry.user == office and entry.after["key"] == "2025"
    detail = client.get(f"/org/policy/{policy.pk}/").content.decode()
    assert "2025年" in detail and "办公室增加" in detail


def test_the_reload_page_shows_the_plan_and_writes_only_on_confirmation(
    client, policy, office, clerk, monkeypatch
):
    from zhaoshang.org import views

    t = Target.objects.get(policy=policy, unit__name="财政局", metric="promo")
    t.value = Decimal(1)
    t.save()
    new = POLICY.replace("value: 2, clause: §2", "value: 4, clause: §2")
    monkeypatch.setattr(views, "find_policy", lambda name: name)
    monkeypatch.setattr(views, "load_policy", lambda path: spec(new))
    url = f"/org/policy/{policy.pk}/reload/"
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    client.force_login(office)
    page = client.get(url).content.decode()
    assert "覆盖办公室修改" in page and "财政局 推介活动" in page
    assert Target.objects.get(pk=t.pk).value == 1
    stale = client.post(url, {"plan": "not-the-plan"})
    assert stale.status_code == 200 and Target.objects.get(pk=t.pk).value == 1
    fingerprint = policy_load(spec=spec(new), dry_run=True).fingerprint()
    done = client.post(url, {"plan": fingerprint})
    assert done.status_code == 302
    assert Target.objects.get(pk=t.pk).value == 4
    assert ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Target),
        object_id=str(t.pk),
        action="update",
        user=office,
    ).exists()
    again = client.get(url).content.decode()
    assert "没有需要载入的变更" in again


def test_the_api_adds_a_year_and_corrects_on_the_current_organisation(client, policy, office, clerk):
    y2024 = Period.objects.get(policy=policy, key="2024")
    body = {"policy": policy.pk, "key": "2025", "label": "2025年", "kind": "year", "start": "2025-01-01",
            "end": "2025-12-31", "copy_targets_from": y2024.pk}  # fmt: skip
    client.force_login(clerk)
    assert client.post("/api/periods/", body, content_type="application/json").status_code == 403
    client.force_login(office)
    bad = client.post("/api/periods/", {**body, "copy_targets_from": 999999}, content_type="application/json")
    assert bad.status_code == 400 and "copy_targets_from" in bad.json()
    assert not Period.objects.filter(key="2025").exists()
    made = client.post("/api/periods/", body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert Period.objects.get(policy=policy, key="2025").targets.count() == 4
    again = client.post("/api/periods/", body, content_type="application/json")
    assert again.status_code == 400
    # Publish 2024, change a target, correct on the current organisation through the API.
    promo(policy, "财政局", 1)
    services.publish(services.run(policy, "2024"))
    t = Target.objects.get(policy=policy, period=y2024, unit__name="财政局", metric="promo")
    t.value = Decimal(1)
    t.save()
    kept = client.post("/api/assessments/", {"policy": policy.name, "period": "2024", "reason": "更正"},
                       content_type="application/json")  # fmt: skip
    assert completion(kept.json()["result"], "lead-promo")["财政局"] == (1, 2)
    current = client.post(
        "/api/assessments/",
        {"policy": policy.name, "period": "2024", "reason": "按新目标", "current_organisation": True},
        content_type="application/json",
    )
    assert completion(current.json()["result"], "lead-promo")["财政局"] == (1, 1)


def test_values_the_assessment_reads_are_held_to_the_policy_files_form(client, policy, office):
    """A negative target or a period key the policy file could not hold is refused on the form,
    the API and the service, naming the field; nothing is saved and the next run still works."""
    t = Target.objects.get(policy=policy, unit__name="财政局", metric="promo")
    client.force_login(office)
    page = client.post(f"/org/target/{t.pk}/edit/", {"value": "-1", "text": ""})
    assert page.status_code == 400 and "不能为负数" in page.content.decode()
    api = client.patch(f"/api/targets/{t.pk}/", {"value": "-1"}, content_type="application/json")
    assert api.status_code == 400 and "value" in api.json()
    assert Target.objects.get(pk=t.pk).value == 2
    with pytest.raises(ValidationError) as bad:
        add_period(policy=policy, key="第二年", label="第二年", kind="year", start=date(2025, 1, 1),
                   end=date(2025, 12, 31))  # fmt: skip
    assert "代号只能用小写字母" in str(bad.value.message_dict["key"])
    with pytest.raises(ValidationError) as heavy:
        add_period(policy=policy, key="2025", label="2025年", kind="year", start=date(2025, 1, 1),
                   end=date(2025, 12, 31), weight=Decimal("1.5"))  # fmt: skip
    assert "weight" in heavy.value.message_dict
    assert not Period.objects.filter(policy=policy, key__in=["第二年", "2025"]).exists()
    assert services.compute(policy, "2024")[0]["results"]
