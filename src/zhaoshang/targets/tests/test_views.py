"""The target library's pages and API: list (filters, HTMX), detail, forms, 转入线索, contacts,
import (preview then commit) and export, and who may do what."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from zhaoshang.fieldwork.models import Lead
from zhaoshang.org.models import Jurisdiction, Unit
from zhaoshang.targets.models import TargetContact, TargetEnterprise

pytestmark = pytest.mark.django_db
XF = "360722"


@pytest.fixture
def county():
    return Jurisdiction.objects.get(code=XF)


@pytest.fixture
def target(county):
    unit = Unit.objects.filter(jurisdiction=county).order_by("pk").first()
    return TargetEnterprise.objects.create(
        jurisdiction=county, name="页面单测科技有限公司", unit=unit, lists=["unicorn"]
    )


def test_list_detail_and_filters(client, users, target):
    client.force_login(users["xf-office"])
    url = reverse("targets:targetenterprise_list")
    assert client.get(url).status_code == 200
    for q in ("rank=unicorn", "stage=library", "q=页面单测", "in_library=true"):
        r = client.get(f"{url}?q=页面单测&{q}")
        assert r.status_code == 200 and "页面单测科技有限公司" in r.content.decode(), q
    r = client.get(f"{url}?q=页面单测&stage=signed")
    assert "页面单测科技有限公司" not in r.content.decode()
    r = client.get(f"{url}?rank=nonsense")
    assert r.status_code == 200
    r = client.get(url, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    r = client.get(reverse("targets:targetenterprise_detail", args=[target.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and "名录" in body and "转入线索" in body and "登记接触" in body


def test_forms_contacts_and_to_lead(client, users, county, target):
    client.force_login(users["xf-office"])
    r = client.post(
        reverse("targets:targetenterprise_add"),
        {
            "name": "表单新建单测有限公司",
            "lists": ["world500"],
            "jurisdiction": county.pk,
            "added_on": "2025-03-01",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert TargetEnterprise.objects.get(name="表单新建单测有限公司").lists == ["world500"]
    r = client.post(reverse("targets:targetenterprise_add"), {"name": "坏代码", "uscc": "123", "jurisdiction": county.pk,
                                                             "added_on": "2025-03-01"})  # fmt: skip
    assert r.status_code == 400 and "统一社会信用代码" in r.content.decode()
    r = client.post(
        reverse("targets:targetcontact_add"),
        {
            "target": target.pk,
            "contacted_on": "2025-03-02",
            "kind": "visit",
            "person": "李总",
            "summary": "上门拜访",
        },
    )
    assert r.status_code == 302 and TargetContact.objects.filter(target=target).count() == 1
    r = client.post(reverse("targets:targetenterprise_to_lead", args=[target.pk]))
    target.refresh_from_db()
    assert r.status_code == 302 and target.lead_id
    r = client.post(reverse("targets:targetenterprise_to_lead", args=[target.pk]), follow=True)
    assert "已转入线索" in r.content.decode()


def test_roles(client, users, target):
    client.force_login(users["xf-leader"])
    assert client.get(reverse("targets:targetenterprise_detail", args=[target.pk])).status_code == 200
    assert client.get(reverse("targets:targetenterprise_add")).status_code == 403
    assert client.post(reverse("targets:targetenterprise_to_lead", args=[target.pk])).status_code in (
        302,
        403,
    )
    target.refresh_from_db()
    assert target.lead_id is None
    client.force_login(users["tl-office"])
    assert client.get(reverse("targets:targetenterprise_detail", args=[target.pk])).status_code == 404
    assert client.get(reverse("targets:targetenterprise_import")).status_code == 200
    client.force_login(users["xf-team"])
    assert client.get(reverse("targets:targetenterprise_import")).status_code == 403


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_preview_then_commit_and_export(client, users, county, target):
    client.force_login(users["xf-office"])
    url = reverse("targets:targetenterprise_import")
    data = _xlsx(
        [
            ["企业名称", "所属榜单"],
            ["导入页面单测甲有限公司", "世界500强"],
            ["页面单测科技股份有限公司", "上市公司"],
        ]
    )
    f = io.BytesIO(data)
    f.name = "t.xlsx"
    r = client.post(url, {"file": f})
    body = r.content.decode()
    assert r.status_code == 200 and "预览" in body and "同一企业" in body
    assert not TargetEnterprise.objects.filter(name="导入页面单测甲有限公司").exists()
    r = client.post(url, {})
    assert r.status_code == 302
    assert TargetEnterprise.objects.filter(name="导入页面单测甲有限公司").exists()
    target.refresh_from_db()
    assert target.lists == ["listed"]
    bad = io.BytesIO(_xlsx([["企业名称", "所属榜单"], ["坏", "百强"]]))
    bad.name = "b.xlsx"
    r = client.post(url, {"file": bad})
    assert r.status_code == 400 and "第2行“所属榜单”列" in r.content.decode()
    r = client.get(reverse("targets:targetenterprise_export"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_api(client, users, county, target):
    client.force_login(users["xf-office"])
    r = client.get("/api/target-enterprises/", {"q": "页面单测"})
    assert r.status_code == 200
    rows = r.json()["results"]
    assert any(row["name"] == "页面单测科技有限公司" and row["stage"] == "library" for row in rows)
    r = client.post(
        "/api/target-enterprises/",
        {"name": "接口单测有限公司", "jurisdiction": county.pk, "lists": ["central_soe"]},
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    r = client.post("/api/target-enterprises/", {"name": "坏榜单", "jurisdiction": county.pk, "lists": ["x"]},
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 400
    r = client.post(
        "/api/target-enterprises/", {"name": "无处", "unit": None}, content_type="application/json"
    )
    assert r.status_code == 400
    r = client.post(f"/api/target-enterprises/{target.pk}/to-lead/")
    assert r.status_code == 201, r.json()
    assert Lead.objects.filter(pk=r.json()["lead"]).exists()
    r = client.post(f"/api/target-enterprises/{target.pk}/to-lead/")
    assert r.status_code == 400 and "已转入线索" in str(r.json())
    r = client.post("/api/target-contacts/", {"target": target.pk, "kind": "call", "contacted_on": "2025-01-02"},
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 201, r.json()
    client.force_login(users["xf-leader"])
    r = client.post(
        "/api/target-enterprises/",
        {"name": "领导", "jurisdiction": county.pk},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_chain_map_panel_and_workbook_show_targets(client, users, county):
    from openpyxl import load_workbook

    from zhaoshang.chains.models import ChainSegment, IndustryChain

    chain = IndustryChain.objects.create(jurisdiction=county, key="panel-chain", name="单测面板链")
    seg = ChainSegment.objects.create(chain=chain, key="a", name="单测面板环节")
    TargetEnterprise.objects.create(
        jurisdiction=county, name="面板目标单测有限公司", chain=chain, segment=seg
    )
    client.force_login(users["xf-office"])
    r = client.get(reverse("chains:segment_records", args=[seg.pk]))
    assert "面板目标单测有限公司" in r.content.decode()
    client.force_login(users["xf-unit"])  # a clerk sees only their own targets
    assert (
        "面板目标单测有限公司"
        not in client.get(reverse("chains:segment_records", args=[seg.pk])).content.decode()
    )
    client.force_login(users["xf-office"])
    r = client.get(reverse("chains:industrychain_export", args=[chain.pk]))
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    col = rows[1].index("目标企业（家）")
    assert rows[2][col] == 1
    r = client.get(reverse("chains:industrychain_detail", args=[chain.pk]))
    assert r.status_code == 200 and "目标企业" in r.content.decode()


def test_the_list_shows_its_export_import_and_contacts_links(client, users):
    """The list page is the app's own template (core ObjectListView: `<model>_list.html`), so the
    office finds Excel 导入 there, not only by address."""
    client.force_login(users["xf-office"])
    body = client.get(reverse("targets:targetenterprise_list")).content.decode()
    for link in (
        reverse("targets:targetenterprise_import"),
        reverse("targets:targetenterprise_export"),
        reverse("targets:targetcontact_list"),
    ):
        assert f'href="{link}' in body, link
