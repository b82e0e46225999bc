"""The rankings page: per policy, period and rank group, each score down to its rule and clause,
with the period's version history; clerks read published versions only."""

import pytest
from django.urls import reverse

from zhaoshang.assessment.models import AssessmentRun

pytestmark = pytest.mark.django_db
URL = "/dashboards/rankings/"


def test_office_sees_drafts_and_clerks_do_not(client, users):
    client.force_login(users["tl-office"])
    response = client.get(URL)
    assert response.status_code == 200
    periods = [p for p, _ in response.context["periods"]]
    assert periods[:2] == ["2024-05", "2024-04"]
    draft = client.get(URL, {"period": "2024-04"})
    assert draft.context["run"].status == "draft"

    # Leaders may open a draft's page in the assessment app, but rankings are published ones.
    client.force_login(users["tl-leader"])
    assert [p for p, _ in client.get(URL).context["periods"]] == ["2024-05"]

    client.force_login(users["tl-team"])
    response = client.get(URL)
    assert [p for p, _ in response.context["periods"]] == ["2024-05"]
    html = client.get(URL, {"period": "2024-04"}).content.decode()
    assert "没有可查看的结果" in html
    draft_pk = AssessmentRun.objects.get(policy__name="testland-2024", period="2024-04").pk
    assert reverse("assessment:assessmentrun_detail", args=[draft_pk]) not in html


def test_scores_open_to_their_rules_and_clauses(client, users):
    client.force_login(users["tl-team"])
    response = client.get(URL, {"policy": "testland-2024", "period": "2024-05"})
    run = AssessmentRun.objects.get(policy__name="testland-2024", period="2024-05", status="published")
    group = response.context["group"]
    assert group["key"].startswith("team:")
    teams = [r for r in run.result["results"] if r["holder_kind"] == "team"]
    assert len(group["rows"]) == len(teams)
    ranks = [r["rank"] for r in group["rows"] if r.get("rank") is not None]
    assert ranks == sorted(ranks)
    html = response.content.decode()
    assert "第一工作组" in html and "工作组完成进资任务" in html and "第1条" in html
    assert reverse("assessment:assessmentrun_detail", args=[run.pk]) in html
    # The version history links every version the user may read.
    assert "版本记录" in html and "已发布" in html


def test_other_groups_and_bad_parameters(client, users):
    from zhaoshang.assessment import services
    from zhaoshang.org.models import Policy

    services.publish(services.run(Policy.objects.get(name="xinfeng-2024"), "2024-06"))
    client.force_login(users["xf-leader"])
    response = client.get(URL, {"period": "2024-06"})
    groups = response.context["groups"]
    assert groups[0]["key"] == "team:corps" and groups[0]["label"] == "招商兵团"
    assert len(groups[0]["rows"]) == 15
    other = next(g["key"] for g in groups if g["key"].startswith("unit:"))
    chosen = client.get(URL, {"period": "2024-06", "group": other}).context["group"]
    assert (
        chosen["key"] == other and chosen["rows"] and all(r["holder_kind"] == "unit" for r in chosen["rows"])
    )
    assert "没有这个排名分组" in client.get(URL, {"group": "nope"}).content.decode()
    client.force_login(users["tl-office"])
    assert client.get(URL, {"policy": "xinfeng-2024"}).status_code == 404
    assert client.get(URL, {"policy": "no-such"}).status_code == 404
    assert "没有可查看的结果" in client.get(URL, {"period": "garbage"}).content.decode()


def test_another_county_sees_nothing_of_it(client, users):
    client.force_login(users["xf-office"])
    response = client.get(URL)
    assert response.status_code == 200
    assert [p.name for p in response.context["policies"]] == ["xinfeng-2024"]
    assert response.context["run"] is None and "暂无" in response.content.decode()
