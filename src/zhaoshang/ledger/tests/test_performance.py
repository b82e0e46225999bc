"""Issue 14 points 4–5: contract performance (履约) computed from the ledger and what the office
enters, the four rates, a project behind on its contract with its rewards held (暂缓兑现) — in
the assessment, on the project's pages as a clerk sees it, in the API — until the office
releases them (recorded), and the land-recovery grounds with their clause."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zhaoshang.assessment.models import ProjectTax
from zhaoshang.core.models import ObjectChange
from zhaoshang.engine import assess
from zhaoshang.engine.facts import Facts, ProjectFact, team
from zhaoshang.engine.tests.helpers import policy
from zhaoshang.ledger import performance
from zhaoshang.ledger.models import ContractObligation, Enterprise, Investment, Project, RewardRelease

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def project(users):
    team_ = users["xf-team"].membership.team
    ent = Enterprise.objects.create(
        jurisdiction=team_.jurisdiction, name="履约滞后测试有限公司", unit=team_.lead_unit, team=team_
    )
    return Project.objects.create(
        jurisdiction=team_.jurisdiction, name="履约滞后测试项目", enterprise=ent, total_investment=D(10000),
        unit=team_.lead_unit, team=team_, registered_on=date(2024, 1, 10), stage="started",
        signed_on=date(2024, 2, 1), started_on=date(2024, 4, 10), land_mu=D(50),
    )  # fmt: skip


def _invest(project, month, amount):
    Investment.objects.create(
        jurisdiction=project.jurisdiction, project=project, month=month, amount=D(amount),
        unit=project.unit, team=project.team,
    )  # fmt: skip


def _ob(project, kind, due, amount=None, **kw):
    return ContractObligation.objects.create(project=project, kind=kind, due_on=due, amount=amount, **kw)


# --- The model ------------------------------------------------------------------------------------


def test_new_kinds_need_an_amount_and_jobs_are_whole_people(project):
    for kind in ("investment_per_mu", "tax_per_mu", "jobs"):
        with pytest.raises(ValidationError, match="约定金额"):
            ContractObligation(project=project, kind=kind, due_on=date(2024, 6, 30)).full_clean()
    with pytest.raises(ValidationError, match="整数"):
        ContractObligation(
            project=project, kind="jobs", amount=D("10.5"), due_on=date(2024, 6, 30)
        ).full_clean()
    ContractObligation(project=project, kind="jobs", amount=D(100), due_on=date(2024, 6, 30)).full_clean()
    assert ContractObligation(kind="tax_per_mu").amount_unit == "万元/亩"


# --- Performance from the ledger ------------------------------------------------------------------


def test_obligations_are_judged_from_the_ledger_and_the_office(project):
    _invest(project, date(2024, 3, 1), 3000)
    _invest(project, date(2024, 6, 1), 2500)  # 5,500 by June: 5,000 reached in June
    ProjectTax.objects.create(project=project, month=date(2024, 5, 1), amount_wan=D(40))
    ProjectTax.objects.create(project=project, month=date(2024, 9, 1), amount_wan=D(70))
    inv = _ob(project, "investment", date(2024, 6, 30), D(5000))
    inv_late = _ob(project, "investment", date(2024, 5, 31), D(5000))  # reached only in June
    per_mu = _ob(project, "investment_per_mu", date(2024, 12, 31), D(200))  # 10,000 on 50 亩: not reached
    start = _ob(project, "construction_start", date(2024, 4, 30))  # started 04-10 (the stage date)
    production = _ob(project, "production", date(2024, 10, 31), fulfilled_on=date(2024, 10, 1))
    tax = _ob(project, "tax", date(2024, 12, 31), D(100))  # 110 in the 12 months to September
    jobs = _ob(project, "jobs", date(2024, 12, 31), D(200), actual_amount=D(150))  # office: 150 people
    states = performance.evaluate(
        ContractObligation.objects.filter(project=project).select_related("project"), day=date(2025, 1, 15)
    )
    s = {o.pk: states[o.pk] for o in (inv, inv_late, per_mu, start, production, tax, jobs)}
    assert (s[inv.pk].status, s[inv.pk].fulfilled_on, s[inv.pk].actual) == (
        "按期履约",
        date(2024, 6, 1),
        D(5500),
    )
    assert s[inv_late.pk].status == "逾期履约"
    assert s[per_mu.pk].status == "逾期未履约" and s[per_mu.pk].actual == D(110)  # 5,500 ÷ 50
    assert (s[start.pk].status, s[start.pk].fulfilled_on) == ("按期履约", date(2024, 4, 10))
    # No production date in the ledger: the office's date stands, said so.
    assert s[production.pk].status == "按期履约" and "招商办" in s[production.pk].note
    assert (s[tax.pk].status, s[tax.pk].fulfilled_on) == ("按期履约", date(2024, 9, 1))
    assert (s[jobs.pk].status, s[jobs.pk].source, s[jobs.pk].actual) == ("逾期未履约", "招商办填写", D(150))
    perf = performance.project_performance(project=project, on=date(2025, 1, 15))
    assert (
        perf.behind
        and perf.held
        and {x.obligation.kind for x in perf.overdue} == {"investment_per_mu", "jobs"}
    )
    assert "亩均投资（约定2024-12-31前200万元/亩，实际110万元/亩）逾期未履约" in perf.reason
    rates = perf.rates()
    assert rates["合同履约率"] == D(4) / D(7)  # kept on time ÷ due; the late one does not count
    assert rates["资金到位率"] == D("0.55") and rates["开工率"] == 1 and rates["投产率"] == 0


def test_behind_setting_and_grace(project, settings):
    _ob(project, "output", date(2024, 6, 30), D(1000))
    day = date(2024, 7, 3)
    assert performance.project_performance(project=project, on=day).behind
    settings.ZHAOSHANG_CONTRACT_GRACE_DAYS = 5
    assert not performance.project_performance(project=project, on=day).behind
    settings.ZHAOSHANG_CONTRACT_GRACE_DAYS = 0
    settings.ZHAOSHANG_CONTRACT_BEHIND_MIN_OVERDUE = 2
    assert not performance.project_performance(project=project, on=day).behind


def test_release_is_recorded_and_a_later_overdue_obligation_holds_again(project, users):
    office = users["xf-office"]
    with pytest.raises(ValidationError, match="没有"):
        performance.reward_release(project=project, reason="无", by=office)
    today = timezone.localdate()
    _ob(project, "output", today - timedelta(days=10), D(1000))
    with pytest.raises(ValidationError):
        performance.reward_release(project=project, reason="   ", by=office)
    assert not RewardRelease.objects.filter(project=project).exists()
    release = performance.reward_release(
        project=project, reason="企业已书面承诺整改，经领导小组研究同意", by=office
    )
    assert release.by == office and "产值" in release.held_reason
    assert ObjectChange.objects.of(release).filter(action="create").exists()
    perf = performance.project_performance(project=project)
    assert perf.behind and not perf.held and perf.reason == ""
    _ob(project, "jobs", today + timedelta(days=5), D(10))
    later = performance.project_performance(project=project, on=today + timedelta(days=6))
    assert later.held and "就业人数" in later.reason and "产值" not in later.reason


def test_land_recovery_grounds_with_their_clause(project, monkeypatch):
    project.stage, project.started_on, project.contract_start_due = "signed", None, date(2024, 3, 31)
    project.save()
    _ob(project, "construction_start", date(2024, 3, 31))
    perf = performance.project_performance(project=project, on=date(2024, 8, 1))
    grounds = performance.land_grounds(perf)
    assert set(grounds) == {"breach", "not_started_on_time", "land_idle"}
    assert "圈而不建" in grounds["land_idle"][1]
    jinxi = policy("jinxi-2021")
    monkeypatch.setattr(performance, "land_rules", lambda p: [("jinxi-2021", jinxi.rule("land-recovery"))])
    flags = performance.land_flags(perf)
    assert {f[0] for f in flags} == {
        "不履行招商合同，收回土地",
        "不按时开工，收回土地",
        "圈而不建、建而不产，收回土地",
    }
    assert all(c == "jinxi-2021 §三8" for _, c, _ in flags)


# --- The assessment holds the amount ---------------------------------------------------------------


def test_engine_holds_a_reward_of_a_project_behind():
    xinfeng = policy("xinfeng-2024")
    corps3 = team("corps-03")
    facts = Facts(
        projects=(
            ProjectFact("ok", "按约项目", corps3, frozenset({"world500"}), production_on=date(2024, 5, 1)),
            ProjectFact("late", "滞后项目", corps3, frozenset({"china500"}), production_on=date(2024, 5, 1),
                        hold="合同履约滞后：投资额逾期未履约"),
        )
    )  # fmt: skip
    a = assess(xinfeng, "2024", facts)
    got = {x.project: x for x in a.amounts_of("instant_reward")}
    assert got["ok"].held is None and got["late"].held == "合同履约滞后：投资额逾期未履约"
    assert got["late"].amount_wan == 20 and got["late"].clause == "§二(三)5"
    assert a.total("instant_reward") == 30  # the held 20万 is not paid
    shown = {x["project"]: x for x in a.to_json()["amounts"] if x["kind"] == "instant_reward"}
    assert "held" not in shown["ok"] and shown["late"]["held"].startswith("合同履约滞后")


def test_facts_carry_the_hold(project):
    _ob(project, "output", date(2024, 6, 30), D(1000))
    holds, grounds = performance.holds_and_grounds([project.pk], on=date(2024, 7, 15))
    assert holds[project.pk].startswith("合同履约滞后：产值") and grounds[project.pk]["breach"] == date(
        2024, 6, 30
    )


# --- Pages, as each role sees them ------------------------------------------------------------------


def test_pages_as_office_clerk_and_outsider(client, users, project):
    _ob(project, "output", timezone.localdate() - timedelta(days=3), D(1000), content="年产值1000万元")
    url = reverse("ledger:project_performance", args=[project.pk])
    client.force_login(users["xf-team"])  # the clerk who filed it: sees the hold and why, cannot release
    html = client.get(url).content.decode()
    assert "奖补暂缓兑现" in html and "产值（约定" in html and "逾期未履约" in html and "解除暂缓" not in html
    detail = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert "奖补暂缓兑现" in detail and "合同履约滞后：产值" in detail
    assert client.post(url, {"reason": "想解除"}).status_code == 403
    client.force_login(users["xf-team2"])  # another team's clerk
    assert client.get(url).status_code == 404
    assert "履约滞后测试项目" not in client.get(reverse("ledger:performance_behind")).content.decode()
    client.force_login(users["xf-office"])
    assert "解除暂缓" in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and not RewardRelease.objects.filter(project=project).exists()
    response = client.post(url, {"reason": "已约谈企业，限期整改"})
    assert response.status_code == 302
    release = RewardRelease.objects.get(project=project)
    assert ObjectChange.objects.filter(
        object_id=str(release.pk), action="create", user=users["xf-office"]
    ).exists()
    html = client.get(url).content.decode()
    assert "奖补暂缓已由招商办解除" in html and "已约谈企业" in html
    assert client.get(reverse("ledger:rewardrelease_detail", args=[release.pk])).status_code == 200
    client.force_login(users["xf-team2"])
    assert client.get(reverse("ledger:rewardrelease_detail", args=[release.pk])).status_code == 404


def test_behind_list_and_its_excel(client, users, project):
    from io import BytesIO

    from openpyxl import load_workbook

    _ob(project, "investment", timezone.localdate() - timedelta(days=40), D(8000))
    client.force_login(users["xf-team"])
    html = client.get(reverse("ledger:performance_behind")).content.decode()
    assert "履约滞后测试项目" in html and "合同履约率" in html
    response = client.get(reverse("ledger:performance_behind") + "?format=xlsx")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("项目", "企业")
    mine = next(r for r in rows if r[0] == "履约滞后测试项目")
    assert mine[5] == "是" and "投资额（约定" in mine[6]


# --- API --------------------------------------------------------------------------------------------


def test_api_performance_and_release(client, users, project):
    _ob(project, "tax", timezone.localdate() - timedelta(days=3), D(100))
    client.force_login(users["xf-team"])
    body = client.get(f"/api/projects/{project.pk}/performance/").json()
    assert body["held"] and body["reason"].startswith("合同履约滞后：税收")
    assert body["obligations"][0]["status"] == "逾期未履约" and body["obligations"][0]["source"] == "台账"
    url = f"/api/projects/{project.pk}/release-rewards/"
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    client.force_login(users["xf-office"])
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()
    before = RewardRelease.objects.count()
    response = client.post(url, {"reason": "税务部门确认已缓缴"}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert RewardRelease.objects.count() == before + 1
    assert (
        ObjectChange.objects.filter(
            object_id=str(response.json()["id"]), action="create", content_type__model="rewardrelease"
        ).count()
        == 1
    )
    again = client.post(url, {"reason": "再次"}, content_type="application/json")
    assert again.status_code == 400 and "无需解除" in str(again.json())
    listed = client.get("/api/reward-releases/").json()
    assert any(r["project"] == project.pk for r in listed["results"])
    client.force_login(users["xf-team2"])
    assert client.get(f"/api/projects/{project.pk}/performance/").status_code == 404


# --- Excel in: the new kinds and the office's actual figure -------------------------------------------


def test_obligations_import_new_kinds_and_actual(users, project):
    from zhaoshang.exchange.importer import import_file
    from zhaoshang.exchange.tests.helpers import xlsx

    headers = ["项目名称", "统一社会信用代码", "义务类别", "约定内容", "约定金额（万元）", "约定期限", "履行日期",
               "实际完成数", "备注"]  # fmt: skip
    rows = [
        {"项目名称": project.name, "义务类别": "就业人数", "约定金额（万元）": 300, "约定期限": "2024-12-31",
         "实际完成数": 120},
        {"项目名称": project.name, "义务类别": "亩均税收", "约定金额（万元）": 15, "约定期限": "2025-12-31"},
    ]  # fmt: skip
    result = import_file("obligations", xlsx(rows, headers=headers, sheet="合同义务"), user=users["xf-team"])
    assert result.ok, [str(e) for e in result.errors]
    jobs = ContractObligation.objects.get(project=project, kind="jobs")
    assert jobs.actual_amount == 120 and jobs.amount == 300
    bad = [{**rows[0], "约定金额（万元）": "300.5"}]
    result = import_file("obligations", xlsx(bad, headers=headers, sheet="合同义务"), user=users["xf-team"])
    assert not result.ok and result.errors[0].column == "约定金额（万元）"


# --- The three-year rolling evaluation, generated and confirmed -------------------------------------


def test_rolling_evaluations_generated_from_the_ledger_and_confirmed(client, users, project):
    from types import SimpleNamespace

    from zhaoshang.assessment.models import ProjectEvaluation

    sanming = SimpleNamespace(
        spec=lambda: policy("sanming-2021"), jurisdiction=project.jurisdiction, title="三明"
    )
    ProjectTax.objects.create(project=project, month=date(2025, 3, 1), amount_wan=D(12))
    _invest(project, date(2025, 5, 1), 800)
    _ob(project, "investment", date(2025, 6, 30), D(500))
    # Started 2024-04-10: evaluated in 2025, 2026 and 2027 (first_year: next), not in 2024 or 2028.
    assert performance.evaluations_generate(policy=sanming, year=2024) == (0, 0)
    created, _ = performance.evaluations_generate(policy=sanming, year=2025)
    assert created >= 1
    e = ProjectEvaluation.objects.get(project=project, year=2025)
    assert (e.proposed, e.tax_paid, e.in_statistics, e.investment_verified) == (True, True, True, True)
    assert "2025年地方税收12万元" in e.note
    assert ObjectChange.objects.of(e).filter(action="create").exists()
    # Not read by the assessment until confirmed.
    from zhaoshang.assessment.facts import ProjectEvaluation as read

    assert not read.objects.filter(pk=e.pk, proposed=False).exists()
    url = reverse("ledger:project_performance", args=[project.pk])
    client.force_login(users["xf-team"])
    assert "系统生成待确认" in client.get(url).content.decode()
    assert client.post(url, {"confirm": e.pk}).status_code == 403
    client.force_login(users["xf-office"])
    assert client.post(url, {"confirm": e.pk}).status_code == 302
    e.refresh_from_db()
    assert not e.proposed and e.confirmed_by == users["xf-office"]
    assert ObjectChange.objects.of(e).filter(action="update", user=users["xf-office"]).exists()
    # Confirmed: generating again leaves it alone; the API refuses a second confirmation.
    ProjectTax.objects.filter(project=project).delete()
    performance.evaluations_generate(policy=sanming, year=2025)
    e.refresh_from_db()
    assert e.tax_paid is True
    response = client.post(f"/api/project-evaluations/{e.pk}/confirm/", content_type="application/json")
    assert response.status_code == 400 and "无需再确认" in str(response.json())
    # No rule: said in Chinese.
    with pytest.raises(ValidationError, match="滚动评价"):
        performance.evaluations_generate(policy=SimpleNamespace(spec=lambda: policy("xinfeng-2024"),
                                         jurisdiction=project.jurisdiction, title="信丰"), year=2025)  # fmt: skip


def test_rolling_evaluations_command(users, project):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="未载入"):
        call_command("rolling_evaluations", policy="nowhere-2099", year=2025)
    with pytest.raises(CommandError, match="滚动评价"):
        call_command("rolling_evaluations", policy="xinfeng-2024", year=2025)
    out = io.StringIO()
    call_command("rolling_evaluations", year=2025, stdout=out)  # every policy: none here has the rule
    assert "没有政策文件规定落地项目滚动评价" in out.getvalue()


def test_the_yearly_job_evaluates_each_policy_with_the_rule(users, project):
    from types import SimpleNamespace

    from zhaoshang.assessment.models import ProjectEvaluation
    from zhaoshang.celery import BEAT_SCHEDULE
    from zhaoshang.jobs import services as jobs

    entry = next(e for e in BEAT_SCHEDULE.values() if e.get("args") == ("rolling_evaluations",))
    assert entry["schedule"].month_of_year == {1}  # each January, for the year just ended
    job = jobs.submit("rolling_evaluations", year=2025)
    job.refresh_from_db()
    assert job.status == "done" and "没有政策文件" in job.result["summary"], job.result
    sanming = SimpleNamespace(
        spec=lambda: policy("sanming-2021"), jurisdiction=project.jurisdiction, title="三明"
    )
    xinfeng = SimpleNamespace(
        spec=lambda: policy("xinfeng-2024"), jurisdiction=project.jurisdiction, title="信丰"
    )
    done = performance.evaluations_yearly(year=2025, policies=[xinfeng, sanming])
    assert [(p.title, c >= 1) for p, c, _ in done] == [("三明", True)]  # 信丰 has no such rule: passed over
    assert ProjectEvaluation.objects.filter(project=project, year=2025, proposed=True).exists()


def test_a_clerk_sees_the_held_reward_of_a_published_run(client, users, project):
    """Done when: a project behind on its contract has its reward held with the reason — shown as a
    clerk would see it."""
    from zhaoshang.assessment.models import AssessmentRun
    from zhaoshang.org.models import Policy

    _ob(project, "investment", timezone.localdate() - timedelta(days=20), D(6000), content="首期投资到位")
    reason = performance.project_performance(project=project).reason
    pol = Policy.objects.get(name="xinfeng-2024")
    amount = {"kind": "instant_reward", "holder": "corps-01", "project": str(project.pk), "amount_wan": "30",
              "clause": "§二(三)5", "held": reason}  # fmt: skip
    common = {"jurisdiction": pol.jurisdiction, "policy": pol, "as_of": timezone.localdate()}
    AssessmentRun.objects.create(**common, period="2099", version=1, status="published",
                                 result={"amounts": [amount]})  # fmt: skip
    AssessmentRun.objects.create(**common, period="2098", version=1, status="draft",
                                 result={"amounts": [{**amount, "amount_wan": "99"}]})  # fmt: skip
    client.force_login(users["xf-team"])
    html = client.get(reverse("ledger:project_performance", args=[project.pk])).content.decode()
    assert "及时奖励 30 万元" in html and "暂缓兑现" in html and "§二(三)5" in html
    assert "投资额（约定" in html and "99 万元" not in html  # a draft is the office's


def test_demo_seed_makes_projects_behind_with_one_released(users):
    from zhaoshang.ledger.performance_demo import seed_performance_demo

    jurisdiction = users["xf-office"].membership.jurisdiction
    projects = seed_performance_demo(jurisdiction=jurisdiction, count=3)
    assert len(projects) == 3
    perfs = performance.performances(projects)
    assert all(p.behind for p in perfs)
    assert (
        sum(1 for p in perfs if p.held) >= 2
        and RewardRelease.objects.filter(project__in=projects).count() == 1
    )
