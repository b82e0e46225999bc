"""Running, publishing and correcting assessments; the facts gathered from the ledger and field
work; the CLI, pages and API giving the same result with every point's clause."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from zhaoshang.assessment import services
from zhaoshang.assessment.facts import gather
from zhaoshang.assessment.models import AssessmentRun, MetricValue
from zhaoshang.core.models import ObjectChange
from zhaoshang.engine.periods import parse_period
from zhaoshang.fieldwork.models import Activity
from zhaoshang.ledger.models import Enterprise, Investment, Project, StageChange
from zhaoshang.org.models import Policy, Team, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def testland():
    return Policy.objects.get(name="testland-2024")


@pytest.fixture
def group1():
    return Team.objects.get(policy__name="testland-2024", key="group-1")


def _invest(team, month, amount):
    project = Project.objects.filter(team=team).first()
    return Investment.objects.create(
        jurisdiction=project.jurisdiction, project=project, month=month, amount=Decimal(amount),
        unit=team.lead_unit, team=team,
    )  # fmt: skip


def _metric(facts, holder_key, metric, period=None, head_led=False):
    return sum(
        (m.value for m in facts.metrics
         if m.holder.key == holder_key and m.metric == metric and m.head_led == head_led
         and (period is None or m.period == period)),
        Decimal(0),
    )  # fmt: skip


def test_facts_credit_investment_to_unit_team_and_county_by_month(testland, group1):
    span = parse_period("2024-06", testland.spec())
    before, _ = gather(testland, span, date(2024, 6, 30))
    _invest(group1, date(2024, 6, 1), "123.45")
    _invest(group1, date(2024, 7, 1), "1000")  # after the span: not read
    after, _ = gather(testland, span, date(2024, 6, 30))
    for key in ("group-1", group1.lead_unit.name, "980100"):
        assert _metric(after, key, "actual_investment", "2024-06") == _metric(
            before, key, "actual_investment", "2024-06"
        ) + Decimal("123.45")
        assert _metric(after, key, "actual_investment", "2024-07") == 0


def _project(unit, **fields):
    """A project of `unit`, with its own enterprise, registered early in 2023."""
    n = Enterprise.objects.count()
    enterprise = Enterprise.objects.create(jurisdiction=unit.jurisdiction, name=f"核算企业{n}", unit=unit)
    values = {
        "jurisdiction": unit.jurisdiction, "name": f"核算项目{n}", "enterprise": enterprise, "unit": unit,
        "total_investment": Decimal(1000), "registered_on": date(2023, 1, 5),
    }  # fmt: skip
    return Project.objects.create(**(values | fields))


def test_facts_credit_the_jurisdiction_with_every_record_below_it(testland):
    """A city's home total covers its counties' records (testland 980100 over 980121); a county
    policy's covers its own (xinfeng-2024, 360722). Other jurisdictions' records do not count."""
    xinfeng = Policy.objects.get(name="xinfeng-2024")
    county_unit = Unit.objects.filter(jurisdiction__code="980121").first()
    xf_unit = Unit.objects.get(jurisdiction=xinfeng.jurisdiction, name="商务局")
    span = parse_period("2024-05", testland.spec())
    as_of = date(2024, 5, 31)
    before = {p.name: gather(p, span, as_of)[0] for p in (testland, xinfeng)}
    _project(county_unit, stage="signed", signed_on=date(2024, 5, 10), total_investment=Decimal(150000),
             attributes=["listed_company"])  # fmt: skip
    _project(county_unit, stage="negotiating", attributes=["listed_company"])
    _project(xf_unit, stage="started", signed_on=date(2024, 5, 2), started_on=date(2024, 5, 20),
             total_investment=Decimal(20000), attributes=["world500"])  # fmt: skip
    Activity.objects.create(
        jurisdiction=county_unit.jurisdiction, kind="outbound_trip", unit=county_unit, date=date(2024, 5, 6),
        head_led=True, days=3,
    )  # fmt: skip
    after = {p.name: gather(p, span, as_of)[0] for p in (testland, xinfeng)}

    def delta(policy, code, metric, head_led=False):
        return _metric(after[policy], code, metric, "2024-05", head_led) - _metric(
            before[policy], code, metric, "2024-05", head_led
        )

    city = {m: delta("testland-2024", "980100", m) for m in (
        "projects_signed", "signed_investment", "projects_over_100m", "projects_over_1bn", "listed_companies",
        "rank500_enterprises", "projects_started", "listed_in_negotiation", "outbound_trips", "outbound_days",
    )}  # fmt: skip
    assert city == {
        "projects_signed": 1, "signed_investment": 150000, "projects_over_100m": 1, "projects_over_1bn": 1,
        "listed_companies": 1, "rank500_enterprises": 0, "projects_started": 0,
        # 实质性谈判 or beyond on the day the data runs to: the signed one, not the one 在谈
        "listed_in_negotiation": 1,
        "outbound_trips": 1, "outbound_days": 3,
    }  # fmt: skip
    assert (
        delta("testland-2024", "980100", "outbound_trips", head_led=True) == 0
    )  # a unit's head, not the city's
    county = {m: delta("xinfeng-2024", "360722", m) for m in (
        "projects_signed", "signed_investment", "projects_over_100m", "rank500_enterprises", "projects_started",
        "listed_companies", "outbound_trips",
    )}  # fmt: skip
    assert county == {
        "projects_signed": 1, "signed_investment": 20000, "projects_over_100m": 1, "rank500_enterprises": 1,
        "projects_started": 1, "listed_companies": 0, "outbound_trips": 0,
    }  # fmt: skip


def test_metrics_the_documents_define_on_the_ledger(testland):
    """jinxi-2021 (002 §二1) and xinfeng-2023-100days (001 §二, 附件§一(一)) metrics, with each
    boundary, counted from ledger rows: amounts in 万元 (2000万 = 2000, 5亿 = 50000…)."""
    from zhaoshang.assessment.facts import FIRST_SIGNINGS, PROJECT_METRICS

    a = Unit.objects.get(jurisdiction=testland.jurisdiction, name="市财政局")
    b = Unit.objects.get(jurisdiction=testland.jurisdiction, name="市工信局")
    span = parse_period("2024-05", testland.spec())
    as_of = date(2024, 5, 31)
    before, _ = gather(testland, span, as_of)
    may = {"stage": "started", "signed_on": date(2024, 4, 1), "started_on": date(2024, 5, 15)}
    # 002: started in May, by total investment (and category for the 20亿 one).
    for total, category in (
        (2000, "industry"), (2001, "industry"), (50000, "industry"), (99999, "services"), (100000, "industry"),
        (199999, "industry"), (200000, "industry"), (200000, "agriculture"),
    ):  # fmt: skip
        _project(a, total_investment=Decimal(total), category=category, **may)
    # 001: signed in May (not started): a contract sent for review, an intent, formal signings.
    for total, kind in (
        (150000, "contract_review"),
        (150000, "intent"),
        (100000, "formal"),
        (99999, "formal"),
    ):
        _project(
            b, stage="signed", signed_on=date(2024, 5, 3), signing_kind=kind, total_investment=Decimal(total)
        )
    # First signings: March 2022 in 测试市 opens on the 10th (a tie of three), then the 20th; a
    # county's earlier signing is its own county's first, not the city's.
    county_unit = Unit.objects.filter(jurisdiction__code="980121").first()
    for unit, day in ((a, 10), (a, 10), (b, 10), (b, 20), (county_unit, 2)):
        _project(unit, stage="signed", signed_on=date(2022, 3, day), signing_kind="formal")
    after, missing = gather(testland, span, as_of)

    def delta(holder, metric, period="2024-05"):
        return _metric(after, holder, metric, period) - _metric(before, holder, metric, period)

    jinxi = ("projects_over_20m_started", "projects_500m_to_1bn", "projects_1bn_to_2bn",
             "industrial_projects_over_2bn", "projects_landed")  # fmt: skip
    assert {m: delta("市财政局", m) for m in jinxi} == {
        "projects_over_20m_started": 7,  # 2000 is not over 2000万
        "projects_500m_to_1bn": 2,  # 50000 and 99999
        "projects_1bn_to_2bn": 2,  # 100000 and 199999
        "industrial_projects_over_2bn": 1,  # the agricultural 20亿 is not industrial
        "projects_landed": 8,  # every construction start
    }
    days100 = ("agreements_in_review", "projects_over_1bn_signing", "projects_landed")
    assert {m: delta("市工信局", m) for m in days100} == {
        # 按程序审签协议: the contract in review and the two formal signings (through review);
        # not the intent
        "agreements_in_review": 3,
        "projects_over_1bn_signing": 2,  # the contract in review and the formal 10亿; not the intent
        "projects_landed": 0,
    }
    assert _metric(before, "980100", FIRST_SIGNINGS, "2022-03") == 0
    assert delta("市财政局", FIRST_SIGNINGS, "2022-03") == 2
    assert delta("市工信局", FIRST_SIGNINGS, "2022-03") == 1  # not its signing of the 20th
    assert delta("980100", FIRST_SIGNINGS, "2022-03") == 4  # the city's three and the county's first
    assert {*jinxi, *days100} <= set(PROJECT_METRICS) and FIRST_SIGNINGS not in missing


def _history(project, *steps):
    previous = ""
    for stage, on in steps:
        StageChange.objects.create(project=project, from_stage=previous, to_stage=stage, on=on)
        previous = stage


def test_states_are_counted_as_they_were_on_the_periods_day(testland):
    """A project in substantive negotiation in May 2024 that signed in June counts in May's
    states, not in June's; one terminated in June still counts in May; a project without
    history is taken at its current stage; one whose history starts later is not yet there."""
    unit = Unit.objects.get(jurisdiction=testland.jurisdiction, name="市财政局")
    may, june = parse_period("2024-05", testland.spec()), parse_period("2024-06", testland.spec())
    before = {s.key: gather(testland, s, s.end)[0] for s in (may, june)}
    moved_on = _project(unit, stage="signed", signed_on=date(2024, 6, 15), attributes=["listed_company"])
    _history(moved_on, ("lead", date(2023, 1, 5)), ("negotiating", date(2024, 3, 1)),
             ("substantive", date(2024, 4, 10)), ("signed", date(2024, 6, 15)))  # fmt: skip
    dropped = _project(unit, stage="terminated", total_investment=Decimal(150000))
    _history(
        dropped,
        ("lead", date(2023, 1, 5)),
        ("negotiating", date(2024, 3, 1)),
        ("terminated", date(2024, 6, 5)),
    )
    _project(unit, stage="substantive", attributes=["listed_company"])  # no history: as it is now
    later = _project(unit, stage="negotiating", attributes=["key_project"])
    _history(later, ("lead", date(2024, 6, 2)), ("negotiating", date(2024, 6, 20)))
    after = {s.key: gather(testland, s, s.end)[0] for s in (may, june)}

    def delta(period, holder, metric):
        return _metric(after[period], holder, metric, period) - _metric(
            before[period], holder, metric, period
        )

    states = ("listed_in_negotiation", "key_projects_in_negotiation")
    assert {m: delta("2024-05", "市财政局", m) for m in states} == {
        "listed_in_negotiation": 2,  # moved_on (then in 实质性谈判) and the one without history
        "key_projects_in_negotiation": 1,  # dropped, 15亿, still negotiating in May
    }
    assert (
        {m: delta("2024-06", "市财政局", m) for m in states}
        == {
            "listed_in_negotiation": 2,  # moved_on, signed in June (entered 实质性谈判 before), and the one without history
            "key_projects_in_negotiation": 1,  # later, negotiating since 20 June
        }
    )
    assert delta("2024-05", "980100", "listed_in_negotiation") == 2  # and the city's total
    # 实质性签约 is a signing done, not a state: moved_on counts in June, the month it signed
    # (001 附件§一(一); it was read as the stage 实质性谈判 before).
    assert (
        delta("2024-05", "市财政局", "signings_substantive"),
        delta("2024-06", "市财政局", "signings_substantive"),
    ) == (0, 1)


def test_facts_count_signings_in_their_month_and_field_work_head_led(testland, group1):
    span = parse_period("2024-05", testland.spec())
    before, _ = gather(testland, span, date(2024, 5, 31))
    p = Project.objects.filter(team=group1).first()
    Project.objects.filter(pk=p.pk).update(
        registered_on=date(2024, 3, 1), signed_on=date(2024, 5, 20), total_investment=Decimal(120000)
    )
    unit = group1.lead_unit
    Activity.objects.create(
        jurisdiction=unit.jurisdiction, kind="outbound_trip", unit=unit, team=group1, date=date(2024, 5, 6),
        head_led=True, days=2,
    )  # fmt: skip
    after, _ = gather(testland, span, date(2024, 5, 31))
    signed_before = (
        1 if p.signed_on and p.signed_on.strftime("%Y-%m") == "2024-05" and p.registered_on <= span.end else 0
    )
    assert (
        _metric(after, "group-1", "projects_signed", "2024-05")
        == _metric(before, "group-1", "projects_signed", "2024-05") + 1 - signed_before
    )
    assert _metric(after, "group-1", "projects_over_1bn", "2024-05") >= 1
    for head_led in (False, True):
        assert (
            _metric(after, "group-1", "outbound_trips", "2024-05", head_led)
            == _metric(before, "group-1", "outbound_trips", "2024-05", head_led) + 1
        )
    assert _metric(after, "group-1", "outbound_days", "2024-05", True) >= 2


def test_entered_statistics_reach_the_engine_and_missing_ones_are_named(testland, group1):
    span = parse_period("2024", testland.spec())
    facts, missing = gather(testland, span, date(2024, 12, 31))
    assert "actual_investment" not in missing
    before = _metric(facts, "group-1", "exports", "2024-03")
    MetricValue.objects.create(
        jurisdiction=testland.jurisdiction, policy=testland, holder_kind="team", team=group1,
        metric="exports", period="2024-03", value=Decimal("88"),
    )  # fmt: skip
    facts, _ = gather(testland, span, date(2024, 12, 31))
    assert _metric(facts, "group-1", "exports", "2024-03") == before + 88


def test_run_publish_lock_and_correct(testland, group1, users):
    run = services.run(testland, "2024-06", user=users["tl-office"])
    assert run.version == 1 and run.status == "draft"
    assert {r["holder"] for r in run.result["results"]} >= {"group-1", "group-2"}
    # Running a draft again replaces it.
    assert services.run(testland, "2024-06").pk == run.pk
    services.publish(run, user=users["tl-office"])
    run.refresh_from_db()
    assert run.status == "published" and run.published_by == users["tl-office"]
    # Locked: no silent recompute, no edit, no delete.
    with pytest.raises(ValidationError, match="更正须填写理由"):
        services.run(testland, "2024-06")
    run.result = {"tampered": True}
    with pytest.raises(ValidationError, match="已锁定"):
        run.save()
    with pytest.raises(ValidationError):
        AssessmentRun.objects.get(pk=run.pk).delete()
    # A correction is a new version with its reason; publishing it supersedes the old one.
    _invest(group1, date(2024, 6, 1), "5000")
    fix = services.run(testland, "2024-06", reason="补录6月进资", user=users["tl-office"])
    assert (fix.version, fix.status, fix.reason) == (2, "draft", "补录6月进资")
    services.publish(fix)
    run.refresh_from_db()
    assert run.status == "superseded"
    changes = services.diff(run, fix)
    assert any(d["holder"] == "group-1" for d in changes)
    assert ObjectChange.objects.filter(content_type__model="assessmentrun", object_id=str(fix.pk)).exists()


def test_a_period_outside_the_policy_is_told_not_crashed(testland):
    with pytest.raises(ValidationError, match="不在政策"):
        services.run(testland, "2019")
    with pytest.raises(ValidationError, match="无法识别"):
        services.run(testland, "去年")


def test_cli_json_has_the_documented_shape(testland):
    runs = AssessmentRun.objects.count()
    out = io.StringIO()
    call_command("assess", policy="testland-2024", period="2024-06", stdout=out, stderr=io.StringIO())
    data = json.loads(out.getvalue())
    assert set(data) == {"policy", "period", "results", "lists", "flags", "amounts"}
    assert data["policy"] == "testland-2024" and data["period"] == "2024-06"
    r = next(r for r in data["results"] if r["holder"] == "group-1")
    assert set(r) >= {"holder", "holder_kind", "score", "rank", "components"}
    c = r["components"][0]
    assert set(c) >= {"rule", "clause", "points", "max", "facts"} and c["clause"].startswith("第")
    assert AssessmentRun.objects.count() == runs  # not saved unless asked


def test_cli_xlsx_and_save(tmp_path, testland):
    path = tmp_path / "r.xlsx"
    call_command(
        "assess", policy="testland-2024", period="2024-06", format="xlsx", out=str(path), save=True,
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    wb = load_workbook(path)
    assert wb.sheetnames == ["排名", "得分明细", "榜单", "预警标记", "资金与奖励"]
    names = [row[1] for row in wb["排名"].iter_rows(min_row=2, values_only=True)]
    assert "第一工作组" in names  # team keys shown by name
    assert AssessmentRun.objects.filter(policy=testland, period="2024-06", status="draft").count() == 1


def test_page_traces_every_point_to_its_clause(client, users, testland):
    client.force_login(users["tl-office"])
    response = client.post(reverse("assessment:run_new"), {"policy": "testland-2024", "period": "2024-06"})
    assert response.status_code == 302
    run = AssessmentRun.objects.get(policy=testland, period="2024-06")
    html = client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).content.decode()
    assert "第一工作组" in html and "工作组完成进资任务" in html and "第1条" in html
    # Bad periods are told on the form.
    response = client.post(reverse("assessment:run_new"), {"policy": "testland-2024", "period": "2019"})
    assert response.status_code == 400 and "不在政策" in response.content.decode()
    # Clerks read published results only, and cannot run or publish them.
    client.force_login(users["tl-team"])
    assert client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).status_code == 404
    assert client.get(reverse("assessment:run_new")).status_code == 403
    assert client.post(reverse("assessment:run_publish", args=[run.pk])).status_code == 404
    services.publish(run)
    assert client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).status_code == 200
    # Another county's office does not see it.
    client.force_login(users["xf-office"])
    assert client.get(reverse("assessment:assessmentrun_detail", args=[run.pk])).status_code == 404


def test_api_runs_and_publishes(client, users, testland):
    client.force_login(users["tl-team"])
    assert (
        client.post("/api/assessments/", {"policy": "testland-2024", "period": "2024-06"}).status_code == 403
    )
    client.force_login(users["tl-office"])
    response = client.post("/api/assessments/", {"policy": "testland-2024", "period": "2024-06"})
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1 and body["result"]["policy"] == "testland-2024"
    pk = body["id"]
    assert client.post(f"/api/assessments/{pk}/publish/").json()["status"] == "published"
    response = client.post("/api/assessments/", {"policy": "testland-2024", "period": "2024-06"})
    assert response.status_code == 400 and "reason" in response.json()
    assert client.post("/api/assessments/", {"policy": "nope", "period": "2024"}).status_code == 400


def test_clerks_cannot_certify_their_own_projects_or_read_office_papers(client, users):
    from zhaoshang.assessment.models import OfficeDecision, ProjectEvaluation

    clerk = users["tl-county-clerk"]
    project = Project.objects.filter(unit=clerk.membership.unit).first()
    client.force_login(clerk)
    response = client.post(
        "/api/project-evaluations/",
        {"project": project.pk, "year": 2023, "in_statistics": True, "tax_paid": True},
    )
    assert response.status_code == 403
    assert client.get(reverse("assessment:projectevaluation_add")).status_code == 403
    assert not ProjectEvaluation.objects.filter(project=project, year=2023).exists()
    assert OfficeDecision.objects.exists()
    assert client.get("/api/office-decisions/").json()["results"] == []
    assert client.get(reverse("assessment:officedecision_list")).status_code == 200
    # Drafts stay the office's.
    assert AssessmentRun.objects.filter(status="draft").exists()
    assert all(r["status"] != "draft" for r in client.get("/api/assessments/").json()["results"])


def test_entered_periods_are_checked(testland, group1):
    mv = MetricValue(
        jurisdiction=testland.jurisdiction, policy=testland, holder_kind="team", team=group1, metric="exports",
        period="March 2024", value=Decimal(1),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="2024-06"):
        mv.full_clean()
    mv.period = "2024/03"  # as the office writes it: kept as the engine's token
    mv.full_clean()
    assert mv.period == "2024-03"
    mv.unit = group1.lead_unit
    with pytest.raises(ValidationError, match="须且只能选择一个"):
        mv.full_clean()


def test_cli_refuses_xlsx_without_out_before_publishing(testland):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--out"):
        call_command("assess", policy="testland-2024", period="2024-07", format="xlsx", publish=True,
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert not AssessmentRun.objects.filter(policy=testland, period="2024-07").exists()


def test_project_tax_is_entered_by_month_by_the_office(client, users, testland):
    from zhaoshang.assessment.models import ProjectTax

    project = Project.objects.filter(jurisdiction__path__startswith=testland.jurisdiction.path).last()
    client.force_login(users["tl-office"])
    url = reverse("assessment:projecttax_add")
    bad = client.post(url, {"project": project.pk, "month": "2024-07-15", "amount_wan": "-3"})
    assert bad.status_code == 400 and "税收金额不能为负数" in bad.content.decode()
    assert (
        client.post(url, {"project": project.pk, "month": "2024-07-15", "amount_wan": "30"}).status_code
        == 302
    )
    tax = ProjectTax.objects.get(project=project, month=date(2024, 7, 1))  # any day is its month
    assert tax.amount_wan == Decimal(30)
    twice = client.post(url, {"project": project.pk, "month": "2024-07-01", "amount_wan": "5"})
    assert twice.status_code == 400 and "该项目该月已有税收记录" in twice.content.decode()
    client.force_login(users["tl-team"])
    assert client.get(url).status_code == 403
