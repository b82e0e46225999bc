"""Packaged projects and merchants: the models' rules (shared by form, API and import), the API
with its scoping and masking, Excel in and out (all or nothing, errors naming row and column), the
pages and the chain progress against the policy's quotas."""

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from zhaoshang.chains.models import ChainSegment, IndustryChain
from zhaoshang.core.changelog import change_context
from zhaoshang.core.models import ObjectChange
from zhaoshang.engine import find_policy, load_policy
from zhaoshang.ledger.models import Project
from zhaoshang.org.models import Jurisdiction, Team
from zhaoshang.org.services import policy_load
from zhaoshang.packages import exchange, progress
from zhaoshang.packages.models import Merchant, ProjectPackage

pytestmark = pytest.mark.django_db
XF = "360722"


@pytest.fixture
def electronics():
    return IndustryChain.objects.get(policy__name="xinfeng-2024", key="electronics")


@pytest.fixture
def equipment():
    return IndustryChain.objects.get(policy__name="xinfeng-2024", key="equipment")


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


# --- Rules -------------------------------------------------------------------------------------------


def test_the_demo_gives_each_chain_packages_and_merchants(electronics):
    assert 5 <= ProjectPackage.objects.filter(chain=electronics).count() <= 7
    assert Merchant.objects.filter(chain=electronics).count() == 3


def test_segment_of_another_chain_landed_without_project_and_foreign_project_are_refused(
    electronics, equipment
):
    other_segment = ChainSegment.objects.filter(chain=equipment).first()
    p = ProjectPackage(
        chain=electronics, name="规则测试", packaged_on=date(2024, 5, 1), segment=other_segment
    )
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert "不属于产业链" in str(exc.value)
    p.segment = None
    p.status = ProjectPackage.Status.LANDED
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert "须选择落地项目" in str(exc.value)
    p.project = Project.objects.exclude(jurisdiction__code=XF).first()
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert "本行政区划" in str(exc.value)
    p.project = Project.objects.filter(jurisdiction__code=XF).first()
    p.full_clean()
    assert p.team == Team.objects.get(policy__name="xinfeng-2024", key="corps-02")  # the chain's lead
    assert p.jurisdiction.code == XF


# --- API ---------------------------------------------------------------------------------------------


def test_api_office_creates_clerk_within_their_team_and_bad_input_is_a_400(users, electronics, equipment):
    url = "/api/project-packages/"
    r = _api(users["xf-office"]).post(
        url, {"name": "接口专案", "chain": electronics.pk, "packaged_on": "2024-06-01", "investment": "1200"}
    )
    assert r.status_code == 201, r.content
    created = ProjectPackage.objects.get(pk=r.json()["id"])
    assert created.team.key == "corps-02" and created.jurisdiction.code == XF
    assert ObjectChange.objects.of(created).exists()
    r = _api(users["xf-office"]).post(
        url, {"name": "负数", "chain": electronics.pk, "packaged_on": "2024-06-01", "investment": "-1"}
    )
    assert r.status_code == 400
    # corps-01's clerk files on corps-01's chain, not (by the default team) on corps-02's.
    clerk = _api(users["xf-team"])
    r = clerk.post(url, {"name": "团队专案", "chain": equipment.pk, "packaged_on": "2024-06-01"})
    assert r.status_code == 201, r.content
    r = clerk.post(url, {"name": "越权专案", "chain": electronics.pk, "packaged_on": "2024-06-01"})
    assert r.status_code == 400 and "team" in r.json()


def test_api_merchants_masked_for_leaders_written_by_the_office(users, electronics):
    m = Merchant.objects.filter(chain=electronics).first()
    full = _api(users["xf-office"]).get(f"/api/merchants/{m.pk}/").json()
    masked = _api(users["xf-leader"]).get(f"/api/merchants/{m.pk}/").json()
    assert full["phone"] == m.phone and masked["phone"] != m.phone and masked["phone"].endswith(m.phone[-4:])
    r = _api(users["xf-team"]).post(
        "/api/merchants/", {"name": "赵先生", "jurisdiction": electronics.jurisdiction_id}
    )
    assert r.status_code == 403


# --- Excel -------------------------------------------------------------------------------------------


def test_export_reimports_unchanged_and_a_bad_row_saves_nothing(users, electronics):
    office = users["xf-office"]
    qs = ProjectPackage.objects.visible_to(office).filter(chain=electronics)
    data = exchange.export_packages(qs)
    again = exchange.import_packages(data, user=office)
    assert again.ok and again.unchanged == qs.count() and not again.created, again.errors
    head = [c.header for c in exchange.PACKAGE_COLUMNS]
    ok_row = ["导入专案甲", electronics.name, "", "是", "3000", "", "", "", "2024-07-01", "在推", "", ""]
    bad_row = [
        "导入专案乙",
        electronics.name,
        "不存在的环节",
        "",
        "abc",
        "",
        "",
        "",
        "2024-07-01",
        "",
        "",
        "",
    ]
    result = exchange.import_packages(_xlsx([head, ok_row, bad_row]), user=office)
    assert not result.ok
    text = "；".join(str(e) for e in result.errors)
    assert "第3行“产业链环节”列" in text and "第3行“拟投资额（万元）”列" in text
    assert not ProjectPackage.objects.filter(name__startswith="导入专案").exists()
    preview = exchange.import_packages(_xlsx([head, ok_row]), user=office, dry_run=True)
    assert preview.ok and preview.created == 1
    assert not ProjectPackage.objects.filter(name="导入专案甲").exists()
    done = exchange.import_packages(_xlsx([head, ok_row]), user=office)
    assert done.ok and ProjectPackage.objects.get(name="导入专案甲").major


def test_merchant_import_and_masked_export(users, electronics):
    head = [c.header for c in exchange.MERCHANT_COLUMNS]
    row = ["钱女士", "导入测试有限公司", "董事长", "13912345678", electronics.name, "长三角", "展会", "", ""]
    bad_phone = ["孙先生", "", "", "电话abc", "", "", "", "", ""]
    bad_chain = ["周先生", "", "", "", "不存在的链", "", "", "", ""]
    result = exchange.import_merchants(_xlsx([head, row, bad_phone, bad_chain]), user=users["xf-office"])
    assert not result.ok and {(e.row, e.column) for e in result.errors} == {(3, "联系电话"), (4, "产业链")}
    assert not Merchant.objects.filter(name="钱女士").exists()
    assert exchange.import_merchants(_xlsx([head, row]), user=users["xf-office"]).ok
    assert not exchange.import_merchants(_xlsx([head, row]), user=users["xf-leader"]).ok
    qs = Merchant.objects.visible_to(users["xf-leader"]).filter(name="钱女士")
    ws = load_workbook(io.BytesIO(exchange.export_merchants(qs, user=users["xf-leader"]))).active
    values = [c.value for c in ws[2]]
    assert values[0] == "钱**" and values[3] == "139****5678"


# --- Pages -------------------------------------------------------------------------------------------


def test_pages(client, users, electronics):
    client.force_login(users["xf-office"])
    p = ProjectPackage.objects.filter(chain=electronics).first()
    for url in (
        reverse("packages:projectpackage_list"),
        reverse("packages:projectpackage_list") + f"?chain={electronics.pk}&status=active",
        reverse("packages:projectpackage_detail", args=[p.pk]),
        reverse("packages:projectpackage_add"),
        reverse("packages:projectpackage_edit", args=[p.pk]),
        reverse("packages:merchant_list"),
        reverse("packages:merchant_add"),
        reverse("packages:projectpackage_import"),
        reverse("chains:industrychain_detail", args=[electronics.pk]),
    ):
        assert client.get(url).status_code == 200, url
    r = client.post(
        reverse("packages:projectpackage_add"),
        {"name": "页面专案", "chain": electronics.pk, "packaged_on": "2024-08-01", "investment": "10",
         "status": "active"},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    data = exchange.export_packages(ProjectPackage.objects.filter(name="页面专案"))
    r = client.post(
        reverse("packages:projectpackage_import"),
        {"file": SimpleUploadedFile("a.xlsx", data), "dry_run": "on"},
    )
    assert r.status_code == 200 and "校验通过" in r.content.decode()
    assert client.get(reverse("packages:projectpackage_export")).status_code == 200
    client.force_login(users["xf-leader"])
    m = Merchant.objects.filter(chain=electronics).first()
    assert m.phone not in client.get(reverse("packages:merchant_list")).content.decode()
    assert client.get(reverse("packages:projectpackage_add")).status_code == 403


def test_progress_reads_the_quota_from_the_policy(client, users):
    with change_context(source="system"):
        xiayi = policy_load(spec=load_policy(find_policy("xiayi-2023-2025"))).policy
    from zhaoshang.packages.demo import seed

    with change_context(source="system"):
        seed(policy=xiayi)
    rows = progress.chain_progress(xiayi, IndustryChain.objects.filter(policy=xiayi), date(2023, 12, 31))
    military = next(r for r in rows if r.chain.key == "military")
    assert military.packages.quota.min == 5 and military.packages.quota.word == "不少于"
    assert military.packages.quota.clause == "§三(二)" and military.packages.quota.text == "不少于5"
    assert military.firms.quota.text == "10以上" and military.firms.quota.clause == "§二(二)2"
    from zhaoshang.targets.models import TargetEnterprise

    in_library = (
        TargetEnterprise.objects.filter(chain=military.chain).in_library_on(date(2023, 12, 31)).count()
    )
    assert military.targets.value == in_library and military.targets.quota.text == "不少于20"
    assert military.targets.met is (in_library >= 20)
    assert military.packages.met == (military.packages.value >= 5)
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    client.force_login(admin)
    page = client.get(reverse("packages:progress") + f"?policy={xiayi.pk}").content.decode()
    assert "不少于5" in page and "§三(二)" in page and f"{in_library} / 不少于20" in page
    # Xinfeng's document sets no number: the counts, no quota.
    client.force_login(users["xf-office"])
    r = client.get(reverse("packages:progress"))
    assert r.status_code == 200 and "政策文件未规定数量" in r.content.decode()
    assert Jurisdiction.objects.filter(code=XF).exists()
