"""`unit_by_name` finds a unit by a Chinese alias on SQLite and PostgreSQL alike (SQLite keeps
JSON escaped, so a text lookup on `aliases` misses it there), and the Excel import, which asks
it, finds the unit by that alias with no workaround of its own."""

from __future__ import annotations

import pytest

from zhaoshang.exchange.importer import import_projects
from zhaoshang.exchange.tests.helpers import project_row, xlsx
from zhaoshang.ledger.models import Project
from zhaoshang.org.models import Unit
from zhaoshang.org.selectors import unit_by_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def aliased(db):
    unit = Unit.objects.get(jurisdiction__code="980121", name="甲县人民政府")
    unit.aliases = ["甲县政府", "Jia County"]
    unit.save()
    return unit


def test_a_unit_by_a_chinese_alias(aliased):
    within = Unit.objects.filter(jurisdiction__path__startswith=aliased.jurisdiction.path)
    assert unit_by_name("甲县政府", within=within) == aliased
    assert unit_by_name(" 甲县政府 ", within=within) == aliased
    assert unit_by_name("Jia County", within=within) == aliased
    assert unit_by_name("甲县人民政府", within=within) == aliased
    # An alias is matched whole, and only among the units given.
    assert unit_by_name("甲县", within=within) is None
    assert unit_by_name("", within=within) is None
    assert unit_by_name("甲县政府", within=Unit.objects.filter(jurisdiction__code="980122")) is None


def test_the_import_finds_the_unit_by_its_alias(users, aliased):
    rows = [
        project_row(
            {"项目名称": "别名单位的项目", "企业名称": "甲县别名测试有限公司", "引进单位": "甲县政府"}
        )
    ]
    result = import_projects(xlsx(rows), user=users["tl-office"])
    assert result.ok, [str(e) for e in result.errors]
    assert Project.objects.get(name="别名单位的项目").unit == aliased
