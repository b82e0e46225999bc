"""Ledger pages: search by pinyin initials, filters, totals, masked contacts."""

from django.urls import reverse

from zhaoshang.ledger.models import Enterprise, Investment, Project
from zhaoshang.ledger.selectors import investment_totals


def count(html: str) -> int:
    import re

    return int(re.search(r"共 (\d+) 条", html).group(1))


def test_pinyin_initials_search(client, users):
    team = users["xf-team"].membership.team
    ent = Enterprise.objects.create(jurisdiction=team.jurisdiction, name="深圳市景旺电子股份有限公司", short_name="景旺电子",
                                    unit=team.lead_unit, team=team)  # fmt: skip
    client.force_login(users["xf-team"])
    for q in ("jwdz", "JWDZ", "景旺", "szsjwdz"):
        html = client.get(reverse("ledger:enterprise_list"), {"q": q}).content.decode()
        assert ent.name in html, q
    Project.objects.create(jurisdiction=team.jurisdiction, name="景旺电子高端线路板项目", enterprise=ent,
                           total_investment="300000", unit=team.lead_unit, team=team, registered_on="2024-02-01")  # fmt: skip
    html = client.get(reverse("ledger:project_list"), {"q": "jwdz"}).content.decode()
    assert count(html) == 1


def test_project_filters(client, users):
    client.force_login(users["xf-office"])
    base = Project.objects.visible_to(users["xf-office"])
    cases = {
        "stage=signed": base.filter(stage="signed"),
        "min_investment=100000": base.filter(total_investment__gte=100000),
        "registered_from=2024-06-01&registered_to=2024-06-30": base.filter(
            registered_on__range=("2024-06-01", "2024-06-30")
        ),
        "overdue=true": [p for p in base if p.overdue_start],
        "tags=上市公司": base.filter(enterprise__tags__icontains='"上市公司"'),
    }
    for query, expected in cases.items():
        html = client.get(reverse("ledger:project_list") + "?" + query).content.decode()
        assert count(html) == len(expected), query
    assert any(p.overdue_start for p in base), "demo data should hold an overdue project"


def test_contacts_are_masked_for_leaders(client, users):
    ent = Enterprise.objects.filter(jurisdiction__code="360722").exclude(contact_phone="").first()
    client.force_login(users["xf-leader"])
    html = client.get(reverse("ledger:enterprise_detail", args=[ent.pk])).content.decode()
    assert ent.contact_phone not in html and ent.contact_phone[-4:] in html
    assert (
        ent.contact_title not in html
        and f"{ent.contact_title[0]}{'*' * (len(ent.contact_title) - 1)}" in html
    )
    data = client.get(f"/api/enterprises/{ent.pk}/").json()
    assert data["contact_phone"] != ent.contact_phone and "*" in data["contact_name"]
    assert data["contact_title"] != ent.contact_title and "*" in data["contact_title"]
    client.force_login(users["xf-office"])
    assert (
        ent.contact_phone in client.get(reverse("ledger:enterprise_detail", args=[ent.pk])).content.decode()
    )


def test_investment_totals_count_each_share_for_its_unit(users):
    qs = Investment.objects.visible_to(users["xf-office"])
    rows = investment_totals(qs, by="unit")
    assert sum(r["total"] for r in rows) == sum(i.amount for i in qs)
    by_team = {r["name"]: r["total"] for r in investment_totals(qs, by="team")}
    assert all(total > 0 for total in by_team.values())


def test_project_page_shows_timeline_and_shares(client, users):
    project = Project.objects.filter(jurisdiction__code="360722", stage="production").first()
    client.force_login(users["xf-office"])
    html = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert "进展" in html and "投产" in html and "实际进资（合计" in html


def test_project_page_shows_admission_review(client, users, db):
    from django.core.management import call_command

    from zhaoshang.org.models import Unit

    call_command("policy", "load", "jinxi-2021")
    unit = Unit.objects.get(jurisdiction__code="361027", name="商务局")
    ent = Enterprise.objects.create(jurisdiction=unit.jurisdiction, name="金溪五金制品有限公司", unit=unit)
    project = Project.objects.create(jurisdiction=unit.jurisdiction, name="五金制品项目", enterprise=ent, industry="五金加工",
                                     total_investment="6000", unit=unit, registered_on="2021-03-01")  # fmt: skip
    client.force_login(users["admin"])
    html = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert "入驻标准厂房" in html and "§三1五是" in html and "待补充" in html
