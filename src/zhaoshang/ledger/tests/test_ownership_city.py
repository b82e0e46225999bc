"""首招负责制 across a city's counties (sanming-2021 §三(四)19, a city policy with a first_contact
rule): once one county has registered an enterprise, a second county registering the same one
(same unified social credit code, or the same name once normalised) is stopped with a message
naming the first county and the day, on the form, in the API and in the service they share; the
city (role city), not either county, rules on a claim between them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from zhaoshang.demo.generator import generate_county
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.ledger import uscc
from zhaoshang.ledger.models import Enterprise, OwnershipClaim, Project
from zhaoshang.ledger.services import (
    claim_decide,
    claim_file,
    enterprise_find_holder,
    enterprise_ownership_problem,
    ownership_area,
)
from zhaoshang.org.models import Jurisdiction, Membership, Unit

pytestmark = pytest.mark.django_db
FIRST, SECOND = "350405", "350404"  # 沙县区 registers first, 三元区 second


@pytest.fixture
def city(db):
    generate_county(spec=load_policy(find_policy("sanming-2021")), seed=5, prefix="smo-", projects_per_holder=0.2,
                    activity_scale=0.1, report_months=1, reminders=False)  # fmt: skip
    User = get_user_model()
    clerks = {}
    for code in (FIRST, SECOND):
        j = Jurisdiction.objects.get(code=code)
        unit = Unit.objects.get(jurisdiction=j, kind="county")
        user = User.objects.create_user(f"smo-clerk-{code}", password="x")
        Membership.objects.create(user=user, role="unit_clerk", jurisdiction=j, unit=unit)
        clerks[code] = user
    first = clerks[FIRST].membership.unit
    held = Enterprise.objects.create(
        jurisdiction=first.jurisdiction, name="福建三明沙县闽光新材料科技有限公司", short_name="闽光新材",
        uscc=uscc.make("350400", "MA3ABCDE"), unit=first,
    )  # fmt: skip
    return {"clerks": clerks, "held": held, "users": {u.username: u for u in User.objects.all()}}


def test_the_area_is_the_city_that_runs_a_first_contact_rule(city):
    second = Jurisdiction.objects.get(code=SECOND)
    assert ownership_area(second).code == "350400"


@pytest.mark.parametrize(
    "how, kwargs",
    [
        ("uscc", {"uscc": uscc.make("350400", "MA3ABCDE")}),
        ("name", {"name": "三明市闽光新材料科技股份有限公司"}),  # the same core: 闽光新材料科技
    ],
)
def test_a_second_county_is_told_the_first_county_and_the_day(city, how, kwargs):
    held = city["held"]
    second = Jurisdiction.objects.get(code=SECOND)
    match = enterprise_find_holder(jurisdiction=second, **kwargs)
    assert match is not None and match.enterprise == held and match.by == how and match.elsewhere
    day = f"{timezone.localtime(held.created):%Y年%m月%d日}"
    assert f"已由沙县区于{day}首报" in match.message
    problem = enterprise_ownership_problem(
        jurisdiction=second, name=kwargs.get("name", "某企业"), uscc=kwargs.get("uscc", ""),
        unit=city["clerks"][SECOND].membership.unit,
    )  # fmt: skip
    assert "首报的沙县区" in problem and "由三明市裁定" in problem


def test_the_form_and_the_api_refuse_the_second_county(client, city):
    clerk = city["clerks"][SECOND]
    client.force_login(clerk)
    n = Enterprise.objects.count()
    response = client.post(
        reverse("ledger:enterprise_add"), {"name": "闽光新材料科技有限公司", "unit": clerk.membership.unit_id}
    )
    assert response.status_code == 400 and "沙县区" in response.content.decode()
    response = client.post(
        "/api/enterprises/",
        {"name": "某某公司", "uscc": city["held"].uscc, "unit": clerk.membership.unit_id},
        content_type="application/json",
    )
    assert response.status_code == 400 and "沙县区" in str(response.json())
    assert Enterprise.objects.count() == n
    check = client.get(reverse("ledger:enterprise_check"), {"uscc": city["held"].uscc}).content.decode()
    assert "沙县区" in check and "由市里裁定" in check


def test_the_city_arbitrates_a_claim_between_counties(client, city):
    held, clerk = city["held"], city["clerks"][SECOND]
    project = Project.objects.create(
        jurisdiction=held.jurisdiction, name="闽光新材料一期", enterprise=held, total_investment="20000",
        unit=held.unit, registered_on="2021-09-01",
    )  # fmt: skip
    client.force_login(clerk)
    response = client.post(
        reverse("ledger:ownershipclaim_add"),
        {"name": "闽光新材料科技", "uscc": held.uscc, "reason": "我县先接洽"},
    )
    assert response.status_code == 302
    claim = OwnershipClaim.objects.get(enterprise=held)
    # Neither county rules, nor the city's office: the city does.
    for name in (f"smo-clerk-{FIRST}", "smo-office"):
        with pytest.raises(PermissionDenied, match="市里裁定"):
            claim_decide(claim=claim, upheld=True, decision="x", by=city["users"][name])
    client.force_login(city["users"]["smo-office"])
    decide = reverse("ledger:ownershipclaim_decide", args=[claim.pk])
    assert client.post(decide, {"upheld": "1", "decision": "x"}).status_code == 403
    client.force_login(city["users"]["smo-city"])
    page = client.get(reverse("ledger:ownershipclaim_detail", args=[claim.pk])).content.decode()
    assert "提交裁定" in page and "市里" in page
    assert client.post(decide, {"upheld": "1", "decision": "查有往来函件，改归三元区"}).status_code == 302
    claim.refresh_from_db(), held.refresh_from_db(), project.refresh_from_db()
    assert claim.status == "upheld" and claim.decided_by == city["users"]["smo-city"]
    # Upheld: the enterprise and its project move to the claimant's county.
    assert held.unit == clerk.membership.unit and held.jurisdiction.code == SECOND
    assert project.unit == clerk.membership.unit and project.jurisdiction.code == SECOND


def test_claims_within_one_county_stay_with_its_office(city):
    """Only a claim between counties goes to the city; claim_file is the same for both."""
    held = city["held"]
    other = Unit.objects.filter(jurisdiction=held.jurisdiction).exclude(pk=held.unit_id).first()
    if other is None:
        other = Unit.objects.create(jurisdiction=held.jurisdiction, name="沙县区商务局", kind="department")
    claim = claim_file(enterprise=held, unit=other, team=None, reason="同县内申请")
    with pytest.raises(PermissionDenied, match="只有招商办"):
        claim_decide(claim=claim, upheld=False, decision="x", by=city["users"]["smo-city"])


def test_the_api_files_a_claim_across_counties_and_only_the_city_decides_it(client, city):
    held = city["held"]
    client.force_login(city["clerks"][SECOND])
    response = client.post(
        "/api/claims/", {"uscc": held.uscc, "reason": "我县先接洽"}, content_type="application/json"
    )
    assert response.status_code == 201
    decide = f"/api/claims/{response.json()['id']}/decide/"
    body = {"upheld": False, "decision": "维持沙县区"}
    for name in (f"smo-clerk-{FIRST}", "smo-office"):
        client.force_login(city["users"][name])
        refused = client.post(decide, body, content_type="application/json")
        assert refused.status_code == 403 and "市里裁定" in str(refused.json())
    client.force_login(city["users"]["smo-city"])
    response = client.post(decide, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
