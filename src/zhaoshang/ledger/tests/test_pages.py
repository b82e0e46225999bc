"""Ledger pages: search by pinyin initials, filters, totals, masked contacts."""

from django.urls import reverse

from zhaoshang.core.concurrency import version_of
from zhaoshang.core.models import ObjectChange
from zhaoshang.ledger.models import ContactPerson, Enterprise, Investment, Project, ProjectPartner
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
    person = ContactPerson.objects.filter(enterprise__jurisdiction__code="360722").exclude(phone="").first()
    ent = person.enterprise
    client.force_login(users["xf-leader"])
    for url in (
        reverse("ledger:enterprise_detail", args=[ent.pk]),
        reverse("ledger:contactperson_detail", args=[person.pk]),
        reverse("ledger:contactperson_list") + f"?enterprise={ent.pk}",
    ):
        html = client.get(url).content.decode()
        assert person.phone not in html and person.phone[-4:] in html, url
        assert person.title not in html and f"{person.title[0]}{'*' * (len(person.title) - 1)}" in html, url
    nested = client.get(f"/api/enterprises/{ent.pk}/").json()["contacts"]
    data = client.get(f"/api/contacts/{person.pk}/").json()
    for shown in (next(c for c in nested if c["id"] == person.pk), data):
        assert shown["phone"] != person.phone and "*" in shown["name"] and "*" in shown["title"]
    # Nor found by the name they see masked; by the enterprise's name, yes.
    listed = client.get(reverse("ledger:contactperson_list"), {"q": person.name}).content.decode()
    assert count(listed) == 0
    assert client.get("/api/contacts/", {"q": person.name}).json()["count"] == 0
    listed = client.get(reverse("ledger:contactperson_list"), {"q": ent.name}).content.decode()
    assert count(listed) == ent.contacts.count()
    client.force_login(users["xf-office"])
    html = client.get(reverse("ledger:enterprise_detail", args=[ent.pk])).content.decode()
    assert person.phone in html and person.name in html
    assert client.get("/api/contacts/", {"q": person.name}).json()["count"] >= 1
    assert client.get(f"/api/contacts/{person.pk}/").json()["phone"] == person.phone


def test_an_enterprise_keeps_several_contacts(client, users):
    ent = Enterprise.objects.filter(jurisdiction__code="360722").first()
    client.force_login(users["xf-office"])
    add = reverse("ledger:contactperson_add")
    form = client.get(add + f"?enterprise={ent.pk}").content.decode()
    assert f'data-pk="{ent.pk}"' in form  # the enterprise page's link preselects it
    before = ent.contacts.count()
    bad = client.post(add, {"enterprise": ent.pk, "name": "", "phone": "abc"})
    assert bad.status_code == 400 and "联系电话只能包含数字" in bad.content.decode()
    api = client.post(
        "/api/contacts/",
        {"enterprise": ent.pk, "name": "周建华", "phone": "打电话"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "联系电话只能包含数字" in api.json()["phone"][0]
    assert ent.contacts.count() == before
    for name, phone in (("周建华", "0797-3321234"), ("吴敏", "13807971234")):
        r = client.post(add, {"enterprise": ent.pk, "name": name, "title": "项目经理", "phone": phone})
        assert r.status_code == 302, r.content.decode()[:500]
    assert ent.contacts.count() == before + 2
    html = client.get(reverse("ledger:enterprise_detail", args=[ent.pk])).content.decode()
    assert "周建华" in html and "13807971234" in html
    created = ObjectChange.objects.filter(
        content_type__model="contactperson", action="create", after__name="吴敏"
    ).get()
    assert created.user == users["xf-office"] and created.jurisdiction_path.startswith(ent.jurisdiction.path)


def test_a_project_has_partner_enterprises(client, users):
    team = users["xf-team"].membership.team
    unit = team.lead_unit
    project = Project.objects.filter(unit=unit).select_related("enterprise").first()
    partner = Enterprise.objects.create(jurisdiction=team.jurisdiction, name="宁德时代新能源科技股份有限公司",
                                        unit=unit, team=team)  # fmt: skip
    client.force_login(users["xf-team"])
    add = reverse("ledger:projectpartner_add")
    assert f'data-pk="{project.pk}"' in client.get(add + f"?project={project.pk}").content.decode()
    own = client.post(
        add, {"project": project.pk, "enterprise": project.enterprise_id, "role": "co_investor"}
    )
    assert own.status_code == 400 and "已是项目的主体企业" in own.content.decode()
    r = client.post(
        add, {"project": project.pk, "enterprise": partner.pk, "role": "joint_venture", "investment": "5000"}
    )
    assert r.status_code == 302, r.content.decode()[:500]
    again = client.post(add, {"project": project.pk, "enterprise": partner.pk, "role": "co_investor"})
    assert again.status_code == 400 and "已是本项目的合作企业" in again.content.decode()
    html = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert "宁德时代新能源科技股份有限公司" in html and "合资方" in html and "5000" in html
    # Found by the partner's name too, and listed with the project in the API.
    html = client.get(reverse("ledger:project_list"), {"q": "宁德时代"}).content.decode()
    assert project.name in html
    data = client.get(f"/api/projects/{project.pk}/").json()
    assert [(p["enterprise"], p["role"]) for p in data["partners"]] == [(partner.pk, "joint_venture")]
    html = client.get(reverse("ledger:enterprise_detail", args=[partner.pk])).content.decode()
    assert "作为合作企业参与的项目" in html and project.name in html


def test_a_partner_registered_by_another_unit_is_not_shown_to_the_clerk(client, users):
    team = users["xf-team"].membership.team
    project = Project.objects.filter(unit=team.lead_unit).first()
    other = Enterprise.objects.filter(jurisdiction=project.jurisdiction).exclude(unit=team.lead_unit).exclude(
        team=team).first()  # fmt: skip
    partner = ProjectPartner.objects.create(project=project, enterprise=other)
    client.force_login(users["xf-team"])
    html = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert other.name not in html and "（无权查看）" in html
    # Nor on the partnership's own pages, nor in its edit form, which still saves it as it is.
    for route in ("ledger:projectpartner_detail", "ledger:projectpartner_edit"):
        html = client.get(reverse(route, args=[partner.pk])).content.decode()
        assert other.name not in html and "（无权查看）" in html, route
    r = client.post(
        reverse("ledger:projectpartner_edit", args=[partner.pk]),
        {"project": project.pk, "enterprise": other.pk, "role": "operator", "_version": version_of(partner)},
    )
    assert r.status_code == 302 and other.name not in client.get(r["Location"]).content.decode()
    partner.refresh_from_db()
    assert partner.role == "operator" and partner.enterprise == other
    # A search by the hidden name does not confirm it, on the projects or on the partnerships.
    html = client.get(reverse("ledger:project_list"), {"q": other.name}).content.decode()
    assert count(html) == 0
    html = client.get(reverse("ledger:projectpartner_list"), {"q": other.name}).content.decode()
    assert count(html) == 0
    html = client.get(reverse("ledger:projectpartner_list"), {"q": project.name}).content.decode()
    assert count(html) >= 1
    client.force_login(users["xf-office"])
    assert other.name in client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()


def test_a_partner_must_be_registered_in_the_project_county(client, users):
    project = Project.objects.filter(jurisdiction__code="360722").first()
    elsewhere = Enterprise.objects.exclude(jurisdiction=project.jurisdiction).first()
    client.force_login(next(u for u in users.values() if u.is_superuser))  # sees both counties
    api = client.post(
        "/api/project-partners/",
        {"project": project.pk, "enterprise": elsewhere.pk},
        content_type="application/json",
    )
    assert api.status_code == 400 and "enterprise" in api.json()


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
