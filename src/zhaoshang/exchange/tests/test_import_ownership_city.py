"""首招负责制 across a city's counties on every channel (sanming-2021 §三(四)19): where the city's
policy has a first_contact rule, an enterprise one county registered first cannot be registered
by a second county — not on the enterprise form, not through the API, and not from the Excel
projects sheet, which asks the same service (`ledger.services.ownership_area`) and gives the same
words on the row and column. Nothing is written and nothing is logged.

The world: testland (测试市 over 甲县 and 乙县) given a first_contact rule for the test."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from zhaoshang.core.models import ObjectChange
from zhaoshang.exchange.importer import import_projects
from zhaoshang.ledger import uscc
from zhaoshang.ledger.models import Enterprise, Project, StageChange
from zhaoshang.ledger.services import enterprise_ownership_problem, ownership_area
from zhaoshang.org.models import Jurisdiction, Membership, Policy, Unit

from .helpers import project_row, xlsx

pytestmark = pytest.mark.django_db
FIRST, SECOND = "980121", "980122"  # 甲县 registers first, 乙县 second
CODE = uscc.make(FIRST, "MA1CTY00")
HELD = "测试市甲县闽江新材料科技有限公司"


def _first_contact_rule(on: bool = True) -> None:
    """The city's policy with (or without) a first_contact rule."""
    policy = Policy.objects.get(name="testland-2024")
    content = json.loads(policy.content_json)
    content["rules"] = [r for r in content["rules"] if r["type"] != "first_contact"]
    if on:
        content["rules"].append(
            {"id": "first-contact", "type": "first_contact", "title": "实行首招负责制", "clause": "第9条"}
        )
    Policy.objects.filter(pk=policy.pk).update(content_json=json.dumps(content, ensure_ascii=False))


@pytest.fixture
def city(db):
    _first_contact_rule()
    first = Unit.objects.get(jurisdiction__code=FIRST, name="甲县人民政府")
    second = Unit.objects.get(jurisdiction__code=SECOND, name="乙县人民政府")
    clerk = get_user_model().objects.create_user("tl-second-clerk", password="x")
    Membership.objects.create(user=clerk, role="unit_clerk", jurisdiction=second.jurisdiction, unit=second)
    held = Enterprise.objects.create(
        jurisdiction=first.jurisdiction, name=HELD, short_name="闽江新材", uscc=CODE, unit=first
    )
    return {"held": held, "first": first, "second": second, "clerk": clerk}


def _state():
    return (
        Enterprise.objects.count(),
        Project.objects.count(),
        StageChange.objects.count(),
        ObjectChange.objects.count(),
    )


def _problem(city, *, name: str = "", code: str = "", how_to_claim: str = "") -> str:
    """What the enterprise form, the API and the admin say (ledger.services)."""
    second = city["second"]
    problem = enterprise_ownership_problem(
        jurisdiction=second.jurisdiction, name=name, uscc=code, unit=second, how_to_claim=how_to_claim
    )
    assert problem is not None
    return problem


def test_the_area_is_the_city(city):
    assert ownership_area(Jurisdiction.objects.get(code=SECOND)).code == "980100"


def test_the_import_refuses_the_second_county_in_the_forms_words(city):
    before = _state()
    rows = [
        # Same code, another name: caught by the code.
        project_row(
            {
                "项目名称": "闽江新材料二期",
                "企业名称": "某某有限公司",
                "统一社会信用代码": CODE,
                "引进单位": "乙县人民政府",
            }
        ),  # fmt: skip
        # Same company written differently, no code: caught by the name once normalised.
        project_row(
            {
                "项目名称": "闽江新材料三期",
                "企业名称": "乙县闽江新材料科技股份有限公司",
                "引进单位": "乙县人民政府",
            }
        ),  # fmt: skip
        # Another enterprise altogether is fine, but nothing is saved while a row is refused.
        project_row(
            {"项目名称": "乙县自己的项目", "企业名称": "乙县本地食品有限公司", "引进单位": "乙县人民政府"}
        ),
    ]
    result = import_projects(xlsx(rows), user=city["clerk"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "统一社会信用代码"), (3, "企业名称")]
    assert result.errors[0].message == _problem(city, name="某某有限公司", code=CODE)
    assert result.errors[1].message == _problem(city, name="乙县闽江新材料科技股份有限公司")
    for e in result.errors:
        assert "已由甲县甲县人民政府" not in e.message  # the unit's name already names its county
        assert "首报的甲县" in e.message and "由测试市裁定" in e.message
    assert _state() == before


def test_the_form_and_the_api_say_the_same(client, city):
    clerk, second = city["clerk"], city["second"]
    client.force_login(clerk)
    before = _state()
    response = client.post(
        reverse("ledger:enterprise_add"), {"name": "闽江新材料科技有限公司", "unit": second.pk}
    )
    assert response.status_code == 400
    assert _problem(city, name="闽江新材料科技有限公司") in response.content.decode()
    response = client.post(
        "/api/enterprises/",
        {"name": "某某有限公司", "uscc": CODE, "unit": second.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    api = _problem(city, name="某某有限公司", code=CODE, how_to_claim="POST /api/claims/")
    assert api in json.dumps(response.json(), ensure_ascii=False)
    assert _state() == before


def test_the_city_office_cannot_file_one_enterprise_under_two_counties_in_one_file(users, city):
    before = _state()
    rows = [
        project_row({"项目名称": "甲县一期", "企业名称": "测试新能源有限公司", "引进单位": "甲县人民政府"}),
        project_row({"项目名称": "乙县一期", "企业名称": "测试新能源有限公司", "引进单位": "乙县人民政府"}),
    ]
    result = import_projects(xlsx(rows), user=users["tl-office"])
    assert [(e.row, e.column) for e in result.errors] == [(3, "引进单位")]
    assert "与第2行是同一企业" in result.errors[0].message
    assert _state() == before


def test_the_owning_county_still_imports_its_enterprise(city):
    """The first county's own rows match its enterprise (by code) and write as before."""
    clerk = get_user_model().objects.create_user("tl-first-clerk", password="x")
    Membership.objects.create(user=clerk, role="unit_clerk", jurisdiction=city["first"].jurisdiction,
                              unit=city["first"])  # fmt: skip
    e0, p0, s0, c0 = _state()
    rows = [project_row({"项目名称": "闽江新材料一期", "企业名称": HELD, "统一社会信用代码": CODE,
                         "引进单位": "甲县人民政府"})]  # fmt: skip
    result = import_projects(xlsx(rows), user=clerk)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.enterprises_created) == (1, 0)
    project = Project.objects.get(name="闽江新材料一期")
    assert project.enterprise == city["held"] and project.jurisdiction.code == FIRST
    # One project and its first stage, each logged once.
    assert _state() == (e0, p0 + 1, s0 + 1, c0 + 2)


def test_without_a_city_rule_each_county_holds_its_own(city):
    _first_contact_rule(on=False)
    assert ownership_area(Jurisdiction.objects.get(code=SECOND)).code == SECOND
    e0, p0, s0, c0 = _state()
    rows = [project_row({"项目名称": "闽江新材料二期", "企业名称": HELD, "统一社会信用代码": CODE,
                         "引进单位": "乙县人民政府"})]  # fmt: skip
    result = import_projects(xlsx(rows), user=city["clerk"])
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.enterprises_created) == (1, 1)
    assert _state() == (e0 + 1, p0 + 1, s0 + 1, c0 + 3)
