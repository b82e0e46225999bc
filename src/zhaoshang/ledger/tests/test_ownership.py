"""首招负责制: an enterprise belongs to the unit that registered it first; a second unit is
told at once and may ask the office to arbitrate; the ruling is recorded."""

import pytest
from django.urls import reverse

from zhaoshang.core.models import ObjectChange
from zhaoshang.ledger import uscc
from zhaoshang.ledger.models import Enterprise, OwnershipClaim
from zhaoshang.ledger.services import claim_decide, claim_file, enterprise_find_holder, name_core, names_match
from zhaoshang.org.models import Unit


@pytest.mark.parametrize(
    "a,b,same",
    [
        ("深圳市景旺电子股份有限公司", "景旺电子", True),
        ("江西省赣州市信丰县科翔电子有限公司", "科翔电子科技有限公司", True),
        ("广东佛山华兴玻璃有限公司", "华兴玻璃", True),
        ("腾讯科技（深圳）有限公司", "腾讯科技有限公司", True),
        ("景旺电子", "景旺科技", False),
        ("天能集团", "天合光能股份有限公司", False),
    ],
)
def test_fuzzy_name_match(a, b, same):
    assert names_match(a, b) is same


def test_name_core():
    assert name_core("深圳市景旺电子股份有限公司") == "景旺电子"


@pytest.fixture
def jingwang(db, users):
    unit = users["xf-team"].membership.team.lead_unit
    return Enterprise.objects.create(
        jurisdiction=unit.jurisdiction,
        name="深圳市景旺电子股份有限公司",
        short_name="景旺电子",
        uscc=uscc.make("440300", "MA5ABCDE"),
        unit=unit,
        team=users["xf-team"].membership.team,
    )


def test_second_unit_is_told_who_holds_it_and_since_when(jingwang):
    match = enterprise_find_holder(jurisdiction=jingwang.jurisdiction, name="景旺电子")
    assert match.enterprise == jingwang and match.by == "name"
    assert "已由商务局（第一产业招商兵团）于" in match.message and "首报" in match.message
    by_code = enterprise_find_holder(jurisdiction=jingwang.jurisdiction, uscc=jingwang.uscc)
    assert by_code.by == "uscc"
    other_county = Unit.objects.get(name="市商务局").jurisdiction
    assert enterprise_find_holder(jurisdiction=other_county, name="景旺电子") is None


def test_ui_refuses_a_second_registration_and_offers_a_claim(client, users, jingwang):
    user = users["xf-unit"]
    client.force_login(user)
    check = client.get(reverse("ledger:enterprise_check"), {"name": "景旺电子"}).content.decode()
    assert "已由商务局" in check and reverse("ledger:ownershipclaim_add") in check
    n = Enterprise.objects.count()
    response = client.post(
        reverse("ledger:enterprise_add"), {"name": "景旺电子有限公司", "unit": user.membership.unit_id}
    )
    assert response.status_code == 400 and "归属裁定" in response.content.decode()
    assert Enterprise.objects.count() == n


def test_api_check(client, users, jingwang):
    client.force_login(users["xf-unit"])
    data = client.get("/api/enterprises/check/", {"uscc": jingwang.uscc}).json()
    assert data["held"] and data["holder_unit"] == "商务局" and data["matched_by"] == "uscc"


def test_claim_and_ruling_move_enterprise_and_projects(client, users, jingwang):
    from zhaoshang.ledger.models import Project

    project = Project.objects.create(
        jurisdiction=jingwang.jurisdiction, name="景旺电子二期", enterprise=jingwang, total_investment="50000",
        unit=jingwang.unit, team=jingwang.team, registered_on="2024-03-01",
    )  # fmt: skip
    claimant = users["xf-unit"]
    client.force_login(claimant)
    response = client.post(
        reverse("ledger:ownershipclaim_add"), {"name": "景旺电子", "reason": "我单位早于商务局接洽"}
    )
    assert response.status_code == 302
    claim = OwnershipClaim.objects.get(enterprise=jingwang)
    # Both parties see the claim; the holder's team clerk too.
    assert client.get(reverse("ledger:ownershipclaim_detail", args=[claim.pk])).status_code == 200
    client.force_login(users["xf-team"])
    assert client.get(reverse("ledger:ownershipclaim_detail", args=[claim.pk])).status_code == 200
    # Only the office rules.
    assert (
        client.post(
            reverse("ledger:ownershipclaim_decide", args=[claim.pk]), {"upheld": "1", "decision": "x"}
        ).status_code
        == 403
    )
    client.force_login(users["xf-office"])
    response = client.post(
        reverse("ledger:ownershipclaim_decide", args=[claim.pk]),
        {"upheld": "1", "decision": "查有往来函件，改归政法委"},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    jingwang.refresh_from_db()
    project.refresh_from_db()
    assert claim.status == "upheld" and claim.decided_by == users["xf-office"]
    assert jingwang.unit == claimant.membership.unit and project.unit == claimant.membership.unit
    assert project.team is None
    logged = ObjectChange.objects.filter(
        content_type__model="ownershipclaim", object_id=str(claim.pk), action="update"
    )
    assert logged.get().after["status"] == "upheld"
    with pytest.raises(Exception, match="已裁定"):
        claim_decide(claim=claim, upheld=False, decision="再议", by=users["xf-office"])


def test_claim_rules(users, jingwang):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="理由"):
        claim_file(enterprise=jingwang, unit=users["xf-unit"].membership.unit, team=None, reason=" ")
    with pytest.raises(ValidationError, match="已归属本单位"):
        claim_file(enterprise=jingwang, unit=jingwang.unit, team=None, reason="x")
    claim_file(enterprise=jingwang, unit=users["xf-unit"].membership.unit, team=None, reason="x")
    with pytest.raises(ValidationError, match="等待裁定"):
        claim_file(enterprise=jingwang, unit=users["xf-unit"].membership.unit, team=None, reason="y")


def test_api_claims(client, users, jingwang):
    client.force_login(users["xf-unit"])
    response = client.post(
        "/api/claims/", {"name": "景旺电子", "reason": "有函件"}, content_type="application/json"
    )
    assert response.status_code == 201
    claim_id = response.json()["id"]
    assert (
        client.post(
            f"/api/claims/{claim_id}/decide/",
            {"upheld": False, "decision": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )
    client.force_login(users["xf-office"])
    response = client.post(
        f"/api/claims/{claim_id}/decide/",
        {"upheld": False, "decision": "维持"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
