"""sanming-2021 项目流转 (004 §三(二)11) on the city's dashboard and in its ranking: a project 沙县区
introduced and 三元区 hosts counts 3:7 for the two counties from construction start, the same on
the dashboard's county table (SQL sums) as in the assessment (the engine), from one definition
(engine/transfers.py).

By hand: construction starts 2021-09-10; investment 500 in August (before the start: stays with
沙县区), 1000 in September (the start month, split whole) and 2000 in December. The transfer moves
70% of 1000 + 2000 = 2100 万元 from 沙县区 to 三元区, and 0.7 of the project (开工项目数): 沙县区 keeps 0.3.
Negotiated 4:6: 60% of 3000 = 1800 moves.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from zhaoshang.assessment import services
from zhaoshang.assessment.models import ProjectTransfer
from zhaoshang.dashboards import selectors as s
from zhaoshang.demo.generator import generate_county
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.ledger.models import Enterprise, Investment, Project
from zhaoshang.org.models import Jurisdiction, Policy, Unit

pytestmark = pytest.mark.django_db
INTRO, HOST = "350405", "350404"  # 沙县区, 三元区


@pytest.fixture
def sanming():
    generate_county(spec=load_policy(find_policy("sanming-2021")), seed=11, prefix="smt-", projects_per_holder=1,
                    activity_scale=0.2, report_months=1, reminders=False)  # fmt: skip
    return Policy.objects.get(name="sanming-2021")


def _transferable():
    """沙县区's own project, started 2021-09-10, with its investment by month."""
    j = Jurisdiction.objects.get(code=INTRO)
    unit = Unit.objects.get(jurisdiction=j, name="沙县区")
    e = Enterprise.objects.create(jurisdiction=j, name="流转测试企业", unit=unit)
    p = Project.objects.create(
        jurisdiction=j, name="流转测试项目", enterprise=e, unit=unit, total_investment=Decimal(50000),
        registered_on=date(2021, 7, 1), signed_on=date(2021, 8, 2), started_on=date(2021, 9, 10),
        stage=Project.Stage.STARTED,
    )  # fmt: skip
    for month, amount in ((8, 500), (9, 1000), (12, 2000)):
        Investment.objects.create(
            jurisdiction=j, project=p, month=date(2021, month, 1), amount=amount, unit=unit
        )
    return p


def _city_figures(policy):
    user = get_user_model().objects.get(username="smt-city")
    when = s.When(2021, date(2021, 12, 31))
    scope = s.resolve_scope(user, on=when.on)
    rows = {r.jurisdiction.code: r for r in s.counties(user, scope, when)}
    return {code: (rows[code].investment, rows[code].started) for code in (INTRO, HOST)}


def _ranked(policy):
    result, _, _, _ = services.compute(policy, "2021")
    points = {}
    for r in result["results"]:
        for c in r["components"]:
            if c["rule"] == "m19-rank-counties-year" and r["holder"] in ("沙县区", "三元区"):
                points[r["holder"]] = Decimal(c["points"])
    return points


@pytest.mark.parametrize(
    "share, moved, kept", [(None, 2100, Decimal("0.3")), (Decimal("0.4"), 1800, Decimal("0.4"))]
)
def test_city_dashboard_and_ranking_split_a_transferred_project(client, sanming, share, moved, kept):
    p = _transferable()
    before, ranked_before = _city_figures(sanming), _ranked(sanming)
    ProjectTransfer.objects.create(
        project=p,
        hosting=Jurisdiction.objects.get(code=HOST),
        agreed_on=date(2021, 8, 20),
        introducing_share=share,
    )
    after, ranked_after = _city_figures(sanming), _ranked(sanming)
    # The dashboard's county table (万元 as summed; 亿元 only when shown).
    assert after[INTRO][0] == before[INTRO][0] - moved
    assert after[HOST][0] == before[HOST][0] + moved
    # 开工项目数: the project counts its share for each county.
    assert after[INTRO][1] == before[INTRO][1] - (1 - kept)
    assert after[HOST][1] == before[HOST][1] + (1 - kept)
    # The assessment's ranking of counties moves by the same amount.
    assert ranked_after["沙县区"] == ranked_before["沙县区"] - moved
    assert ranked_after["三元区"] == ranked_before["三元区"] + moved
    # And the page shows it.
    client.force_login(get_user_model().objects.get(username="smt-city"))
    response = client.get("/dashboards/", {"year": 2021, "on": "2021-12-31"})
    assert response.status_code == 200
    chart = {c.key: c for c in response.context["charts"]}["counties"]
    row = next(r for r in chart.rows if str(r[0]) == "沙县区")
    assert row[4].value == after[INTRO][1]
    assert "招商方30%、落户方70%" in chart.note


def test_a_county_dashboard_seen_from_the_city_splits_its_trend(client, sanming):
    p = _transferable()
    ProjectTransfer.objects.create(
        project=p, hosting=Jurisdiction.objects.get(code=HOST), agreed_on=date(2021, 8, 20)
    )
    user = get_user_model().objects.get(username="smt-city")
    scope = s.resolve_scope(user, county=HOST, on=date(2021, 12, 31))
    months = {r.month: r for r in s.trend(user, scope, 2021)}
    # August is before the start: nothing moved; September 70% of 1000, December 70% of 2000.
    assert not months[8].shifted
    assert months[9].shifted and months[12].shifted
    own = {
        m: sum(Investment.objects.filter(jurisdiction__code=HOST, month=date(2021, m, 1)).values_list("amount", flat=True), Decimal(0))
        for m in (9, 12)
    }  # fmt: skip
    assert months[9].investment == own[9] + 700
    assert months[12].investment == own[12] + 1400
