"""The leaders' dashboards: every figure against an independent count from the ORM, scoping for
each role, drill-down links that list exactly the records counted, the Excel downloads, and
bad parameters told rather than crashing."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db.models import Count, Sum
from django.urls import reverse
from openpyxl import load_workbook

from zhaoshang.assessment import services
from zhaoshang.ledger.filters import InvestmentFilterSet, ProjectFilterSet
from zhaoshang.ledger.models import Investment, Project
from zhaoshang.org.models import Jurisdiction, Policy, Target, Team, Unit

pytestmark = pytest.mark.django_db
URL = "/dashboards/"
XINFENG, JIA, YI, TESTCITY = "360722", "980121", "980122", "980100"


def charts(response) -> dict:
    assert response.status_code == 200, response.content[:500]
    return {c.key: c for c in response.context["charts"]}


def values(chart, col: int) -> dict:
    """{row label: the typed value of one column}."""
    return {str(row[0]): row[col].value for row in chart.rows}


def listed(client, href: str) -> int:
    html = client.get(href).content.decode()
    return int(re.search(r"共 (\d+) 条", html).group(1))


def filtered_ids(filterset_class, href: str, user, model) -> set[int]:
    """The records the list page behind a link shows, read with the list's own filter set."""
    from django.test import RequestFactory

    request = RequestFactory().get(href)
    request.user = user
    fs = filterset_class(request.GET, queryset=model.objects.visible_to(user), request=request)
    assert fs.is_valid(), fs.errors
    return set(fs.qs.values_list("pk", flat=True))


def yi(wan) -> Decimal:
    return (Decimal(wan or 0) / 10000).quantize(Decimal("0.01"))


def busiest_signing_month(**where) -> date:
    row = (
        Project.objects.filter(signed_on__year=2024, **where)
        .values_list("signed_on__month")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return date(2024, row[0], 15)


# --- figures ----------------------------------------------------------------------------------


def test_funnel_counts_every_stage_and_terminated_apart(client, users):
    client.force_login(users["xf-office"])
    funnel = charts(client.get(URL, {"year": 2024}))["funnel"]
    expected = dict(
        Project.objects.filter(jurisdiction__code=XINFENG).values_list("stage").annotate(n=Count("id"))
    )
    shown = values(funnel, 1)
    for value, label in Project.Stage.choices:
        assert shown[label] == expected.get(value, 0)
    # Stages in the order of the project's life, terminated last and outside the funnel.
    assert [str(r[0]) for r in funnel.rows] == [label for _, label in Project.Stage.choices]
    assert "终止" not in [d["name"] for d in funnel.spec["data"]]
    invest = values(funnel, 2)
    signed_sum = Project.objects.filter(jurisdiction__code=XINFENG, stage="signed").aggregate(
        s=Sum("total_investment")
    )["s"]
    assert invest["签约"] == yi(signed_sum)


def test_this_month_signings_and_starts(client, users):
    on = busiest_signing_month(jurisdiction__code=XINFENG)
    client.force_login(users["xf-office"])
    month = charts(client.get(URL, {"on": on.isoformat()}))["month"]
    qs = Project.objects.filter(jurisdiction__code=XINFENG)
    signed = qs.filter(signed_on__year=on.year, signed_on__month=on.month)
    started = qs.filter(started_on__year=on.year, started_on__month=on.month)
    assert values(month, 1) == {"签约": signed.count(), "开工": started.count()}
    assert values(month, 2)["签约"] == yi(signed.aggregate(s=Sum("total_investment"))["s"])
    assert values(month, 2)["开工"] == yi(started.aggregate(s=Sum("total_investment"))["s"])
    assert signed.count() > 0
    assert f"{on.year}年{on.month}月" in month.title


def test_trend_by_month(client, users):
    client.force_login(users["xf-office"])
    trend = charts(client.get(URL, {"year": 2024}))["trend"]
    assert len(trend.rows) == 12
    qs = Project.objects.filter(jurisdiction__code=XINFENG)
    money = Investment.objects.filter(jurisdiction__code=XINFENG, month__year=2024)
    for m, row in enumerate(trend.rows, start=1):
        assert row[1].value == qs.filter(signed_on__year=2024, signed_on__month=m).count()
        assert row[2].value == qs.filter(started_on__year=2024, started_on__month=m).count()
        assert row[3].value == yi(money.filter(month__month=m).aggregate(s=Sum("amount"))["s"])
    assert sum(r[1].value for r in trend.rows) == qs.filter(signed_on__year=2024).count() > 0


def test_targets_against_time_gone(client, users):
    client.force_login(users["xf-office"])
    on = date(2024, 7, 1)
    targets = charts(client.get(URL, {"on": on.isoformat()}))["targets"]
    county = Target.objects.filter(holder_kind="jurisdiction", holder_jurisdiction__code=XINFENG)
    assert len(targets.rows) == county.count() > 0
    by_label = {str(r[0]): r for r in targets.rows}
    row = by_label[county.get(metric="signed_investment").metric_label]
    signed = Project.objects.filter(
        jurisdiction__code=XINFENG, signed_on__range=(date(2024, 1, 1), on)
    ).aggregate(s=Sum("total_investment"))["s"]
    assert row[4].value == signed and row[4].value > 0
    target = county.get(metric="signed_investment").value
    assert row[5].value == (signed * 100 / target).quantize(Decimal("0.1"))
    assert row[6].value == Decimal("50.0")  # 183 of 366 days
    # What the ledger cannot count is said, not guessed.
    assert by_label[county.get(metric="exports").metric_label][4].value is None


def test_team_targets_count_the_teams_own_records(client, users):
    team = users["xf-team"].membership.team
    client.force_login(users["xf-team"])
    targets = charts(client.get(URL, {"year": 2024}))["targets"]
    rows = {str(r[0]): r for r in targets.rows}
    own = Target.objects.filter(team=team)
    assert len(targets.rows) == own.count() > 0
    invest = rows[own.get(metric="actual_investment").metric_label][4].value
    expected = Investment.objects.filter(team=team, month__year=2024).aggregate(s=Sum("amount"))["s"]
    assert invest == (expected or 0)
    over = rows[own.get(metric="projects_over_1bn").metric_label][4].value
    assert (
        over == Project.objects.filter(team=team, signed_on__year=2024, total_investment__gte=100000).count()
    )


def test_origin_by_province(client, users):
    from zhaoshang.dashboards.regions import province_of

    client.force_login(users["xf-office"])
    chart = charts(client.get(URL, {"year": 2024}))["provinces"]
    expected: dict[str, int] = {}
    for region in Project.objects.filter(jurisdiction__code=XINFENG).values_list(
        "enterprise__hq_region", flat=True
    ):
        expected[province_of(region)] = expected.get(province_of(region), 0) + 1
    assert values(chart, 1) == expected
    assert sum(d["value"] for d in chart.spec["data"]) == sum(v for k, v in expected.items() if k != "其他")


# --- scoping ----------------------------------------------------------------------------------


def test_team_clerk_sees_only_their_team(client, users):
    clerk = users["xf-team"]
    team = clerk.membership.team
    client.force_login(clerk)
    response = client.get(URL, {"year": 2024})
    assert response.context["scope"].team == team
    funnel = charts(response)["funnel"]
    assert sum(r[1].value for r in funnel.rows) == Project.objects.filter(team=team).count()
    assert sum(r[1].value for r in funnel.rows) < Project.objects.filter(jurisdiction__code=XINFENG).count()
    other = Team.objects.filter(policy=team.policy).exclude(pk=team.pk).first()
    assert client.get(URL, {"team": other.pk}).status_code == 404
    assert client.get(URL, {"unit": team.lead_unit_id}).status_code == 404
    assert client.get(URL, {"county": XINFENG}).status_code == 404
    assert client.get(URL, {"team": team.pk}).status_code == 200


def test_unit_clerk_defaults_to_their_unit(client, users):
    clerk = users["xf-unit"]
    client.force_login(clerk)
    funnel = charts(client.get(URL))["funnel"]
    assert sum(r[1].value for r in funnel.rows) == Project.objects.filter(unit=clerk.membership.unit).count()
    assert (
        client.get(URL, {"team": Team.objects.filter(policy__name="xinfeng-2024").first().pk}).status_code
        == 404
    )


def test_a_county_never_sees_another_county(client, users):
    client.force_login(users["xf-office"])
    funnel = charts(client.get(URL))["funnel"]
    assert sum(r[1].value for r in funnel.rows) == Project.objects.filter(jurisdiction__code=XINFENG).count()
    tl_team = Team.objects.filter(policy__name="testland-2024").first()
    tl_unit = Unit.objects.filter(jurisdiction__code=TESTCITY).first()
    for params in ({"county": JIA}, {"county": TESTCITY}, {"team": tl_team.pk}, {"unit": tl_unit.pk}):
        assert client.get(URL, params).status_code == 404, params
    assert "counties" not in charts(client.get(URL))


def test_a_city_sees_its_counties_side_by_side(client, users):
    client.force_login(users["tl-city"])
    response = client.get(URL, {"year": 2024})
    counties = charts(response)["counties"]
    rows = {str(r[0]): r for r in counties.rows}
    for code in (JIA, YI):
        j = Jurisdiction.objects.get(code=code)
        qs = Project.objects.filter(jurisdiction=j)
        row = rows[j.name]
        assert row[1].value == qs.count()
        assert row[2].value == qs.filter(signed_on__year=2024).count()
        assert row[4].value == qs.filter(started_on__year=2024).count()
        money = Investment.objects.filter(jurisdiction=j, month__year=2024).aggregate(s=Sum("amount"))["s"]
        assert row[5].value == yi(money)
        # The county's name opens its own dashboard, which counts only that county.
        assert f"county={code}" in row[0].href
        funnel = charts(client.get(row[0].href))["funnel"]
        assert sum(r[1].value for r in funnel.rows) == qs.count()
    # The city's own dashboard counts the city and its counties.
    funnel = charts(response)["funnel"]
    city = Project.objects.filter(jurisdiction__path__startswith=Jurisdiction.objects.get(code=TESTCITY).path)
    assert sum(r[1].value for r in funnel.rows) == city.count()
    # Seen from the city, a county's figures cannot be drilled into the ledger lists (they have
    # no jurisdiction filter), so no link pretends to.
    county = charts(client.get(URL, {"county": JIA}))
    assert all(c.href is None for row in county["funnel"].rows for c in row)


def test_anonymous_is_sent_to_login(client, db):
    for url in (URL, reverse("dashboards:rankings"), URL + "?export=funnel"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_bad_parameters_are_told_not_crashed(client, users):
    client.force_login(users["xf-office"])
    response = client.get(URL, {"year": "abc", "on": "garbage"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "年度“abc”无效" in html and "日期“garbage”无效" in html
    for params in (
        {"team": "999999"},
        {"team": "abc"},
        {"unit": "999999"},
        {"county": "000000"},
        {"export": "nope"},
    ):
        assert client.get(URL, params).status_code == 404, params
    assert client.get(URL, {"year": "1850", "on": "2024-02-30"}).status_code == 200


def test_user_without_role_is_refused(client, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("nobody-dash", password="x")
    client.force_login(user)
    assert client.get(URL).status_code == 403


# --- drill-down -------------------------------------------------------------------------------


def test_drill_down_lists_exactly_the_projects_counted(client, users):
    user = users["xf-office"]
    client.force_login(user)
    on = busiest_signing_month(jurisdiction__code=XINFENG)
    got = charts(client.get(URL, {"on": on.isoformat()}))
    # This month's signings.
    cell = got["month"].rows[0][1]
    expected = set(
        Project.objects.filter(
            jurisdiction__code=XINFENG, signed_on__year=on.year, signed_on__month=on.month
        ).values_list("pk", flat=True)
    )
    assert filtered_ids(ProjectFilterSet, cell.href, user, Project) == expected
    assert listed(client, cell.href) == cell.value == len(expected) > 0
    # A funnel stage; its chart click goes to the same list.
    stage = next(r for r in got["funnel"].rows if str(r[0]) == "在谈")
    expected = set(
        Project.objects.filter(jurisdiction__code=XINFENG, stage="negotiating").values_list("pk", flat=True)
    )
    assert filtered_ids(ProjectFilterSet, stage[1].href, user, Project) == expected
    assert listed(client, stage[1].href) == stage[1].value == len(expected)
    assert stage[1].href in got["funnel"].spec["links"]
    # A month's actual investment.
    row = got["trend"].rows[on.month - 1]
    ids = filtered_ids(InvestmentFilterSet, row[3].href, user, Investment)
    total = Investment.objects.filter(pk__in=ids).aggregate(s=Sum("amount"))["s"]
    assert yi(total) == row[3].value
    assert ids == set(
        Investment.objects.filter(
            jurisdiction__code=XINFENG, month__year=2024, month__month=on.month
        ).values_list("pk", flat=True)
    )


def test_team_drill_down_keeps_the_team(client, users):
    user = users["xf-office"]
    team = Team.objects.filter(policy__name="xinfeng-2024", projects__signed_on__year=2024).first()
    client.force_login(user)
    trend = charts(client.get(URL, {"team": team.pk, "year": 2024}))["trend"]
    for m, row in enumerate(trend.rows, start=1):
        expected = set(
            Project.objects.filter(team=team, signed_on__year=2024, signed_on__month=m).values_list(
                "pk", flat=True
            )
        )
        assert row[1].value == len(expected)
        query = dict(parse_qsl(urlsplit(row[1].href).query))
        assert query["team"] == str(team.pk)
        assert filtered_ids(ProjectFilterSet, row[1].href, user, Project) == expected


# --- Excel ------------------------------------------------------------------------------------


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def test_excel_download_has_the_tables_numbers(client, users):
    client.force_login(users["xf-office"])
    ws = _sheet(client.get(URL, {"year": 2024, "export": "trend"}))
    rows = list(ws.iter_rows(values_only=True))
    assert "信丰县" in rows[0][0]
    assert rows[1] == ("月份", "签约项目数", "开工项目数", "实际进资（亿元）")
    assert [r[0] for r in rows[2:]] == [f"{m}月" for m in range(1, 13)]
    assert all(isinstance(r[1], int) and isinstance(r[3], (int, float)) for r in rows[2:])
    signed = Project.objects.filter(jurisdiction__code=XINFENG, signed_on__year=2024).count()
    assert sum(r[1] for r in rows[2:]) == signed
    money = Investment.objects.filter(jurisdiction__code=XINFENG, month__year=2024).aggregate(
        s=Sum("amount")
    )["s"]
    assert round(sum(r[3] for r in rows[2:]), 2) == pytest.approx(float(yi(money)), abs=0.06)


def test_excel_text_never_becomes_a_formula(client, users):
    target = Target.objects.filter(holder_kind="jurisdiction", holder_jurisdiction__code=XINFENG).first()
    Target.objects.filter(pk=target.pk).update(metric_label='=HYPERLINK("http://x","y")')
    client.force_login(users["xf-office"])
    ws = _sheet(client.get(URL, {"year": 2024, "export": "targets"}))
    labels = [r[0] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert '\'=HYPERLINK("http://x","y")' in labels
    assert not any(
        isinstance(v, str) and v.startswith("=") for r in ws.iter_rows(values_only=True) for v in r
    )


def test_every_chart_downloads(client, users):
    client.force_login(users["tl-city"])
    response = client.get(URL, {"year": 2024})
    for key in (c.key for c in response.context["charts"]):
        ws = _sheet(client.get(URL, {"year": 2024, "export": key}))
        assert ws.max_row >= 2


# --- ranking and warnings ----------------------------------------------------------------------


def test_ranking_uses_the_newest_published_run(client, users):
    client.force_login(users["tl-office"])
    got = charts(client.get(URL, {"year": 2024}))
    ranking = got["ranking"]
    assert "2024年5月" in ranking.title and "草稿" not in ranking.title
    from zhaoshang.assessment.models import AssessmentRun

    run = AssessmentRun.objects.get(policy__name="testland-2024", period="2024-05", status="published")
    teams = [r for r in run.result["results"] if r["holder_kind"] == "team" and r["score"] is not None]
    assert len(ranking.rows) == len(teams) > 0
    assert "第一工作组" in [str(r[1]).replace("（本团队）", "") for r in ranking.rows]
    detail = reverse("assessment:assessmentrun_detail", args=[run.pk])
    assert all(r[2].href == detail for r in ranking.rows)
    # Warnings are the run's forecast warnings, all of them for the policy's own jurisdiction.
    assert len(got["warnings"].rows) == len(run.forecast.get("warnings", []))


def test_drafts_are_for_the_office_only(client, users):
    policy = Policy.objects.get(name="xinfeng-2024")
    services.run(policy, "2024-06")  # a draft, never published
    client.force_login(users["xf-office"])
    got = charts(client.get(URL, {"year": 2024}))
    assert "草稿" in got["ranking"].title
    teams = Team.objects.filter(policy=policy).count()
    assert len(got["ranking"].rows) == teams
    for name in ("xf-team", "xf-leader", "xf-unit"):
        client.force_login(users[name])
        got = charts(client.get(URL, {"year": 2024}))
        assert "ranking" not in got and "warnings" not in got, name


def test_a_team_sees_its_own_warnings(client, users):
    policy = Policy.objects.get(name="xinfeng-2024")
    run = services.run(policy, "2024-06")
    services.publish(run)
    team = users["xf-team"].membership.team
    client.force_login(users["xf-team"])
    got = charts(client.get(URL, {"year": 2024}))
    own = [
        w
        for w in run.forecast.get("warnings", [])
        if (w.get("holder_kind"), w.get("holder")) == ("team", team.key)
    ]
    assert len(got["warnings"].rows) == len(own)
    assert any("本团队" in str(r[1]) for r in got["ranking"].rows)


# --- the page ---------------------------------------------------------------------------------


def test_page_ships_its_own_scripts_and_passes_data_as_json(client, users):
    client.force_login(users["xf-office"])
    html = client.get(URL, {"year": 2024}).content.decode()
    assert 'id="dashboard-charts" type="application/json"' in html
    assert "/static/zhaoshang/vendor/echarts-5.6.0.min.js" in html
    assert "/static/zhaoshang/vendor/china-4.9.0.json" in html
    assert "/static/zhaoshang/dashboards.css" in html
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert not [s for s in srcs if s.startswith(("http:", "https:", "//"))]
    # Every inline <script> is data, never code.
    for attrs in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attrs or 'type="application/json"' in attrs
    assert html.count("查看数据") == html.count('class="dash-card')
    assert html.count("下载 Excel") == html.count('class="dash-card')
    for path in (
        "zhaoshang/vendor/echarts-5.6.0.min.js",
        "zhaoshang/vendor/china-4.9.0.json",
        "zhaoshang/dashboards.js",
    ):
        assert client.get("/static/" + path).status_code == 200


def test_ranking_shows_whom_the_document_scores(client, users):
    """Xinfeng 2024 scores its responsible units, not the corps: the chart ranks the units."""
    policy = Policy.objects.get(name="xinfeng-2024")
    run = services.publish(services.run(policy, "2024"))
    scored = [r for r in run.result["results"] if r["score"] is not None]
    assert scored and all(r["holder_kind"] != "team" for r in scored)
    client.force_login(users["xf-office"])
    ranking = charts(client.get(URL, {"year": 2024}))["ranking"]
    assert ranking.title.startswith("单位排名") and ranking.headers[1] == "单位"
    assert len(ranking.rows) == len([r for r in scored if r["holder_kind"] == "unit"])
