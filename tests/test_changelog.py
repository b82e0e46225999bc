"""Every create, update and delete — web page, API, admin, command line — is recorded with
who, when, what and the values before and after; the log itself cannot be changed."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from zhaoshang.core.concurrency import version_of
from zhaoshang.core.models import ObjectChange
from zhaoshang.demo.generator import DEMO_PASSWORD
from zhaoshang.org.models import Person, Team, Unit


def last_change(obj):
    return ObjectChange.objects.of(obj).order_by("-id").first()


def test_ui_update_records_user_before_and_after(client, users):
    unit = Unit.objects.get(jurisdiction__code="360722", name="商务局")
    client.force_login(users["xf-office"])
    response = client.post(
        reverse("org:unit_edit", args=[unit.pk]),
        {
            "jurisdiction": unit.jurisdiction_id,
            "name": "商务局",
            "full_name": "信丰县商务局",
            "kind": "department",
            "_version": version_of(unit),
        },
    )
    assert response.status_code == 302
    change = last_change(unit)
    assert change.action == "update" and change.source == "ui"
    assert change.user == users["xf-office"] and change.user_name == "xf-office"
    assert change.before["full_name"] == "" and change.after["full_name"] == "信丰县商务局"
    assert change.jurisdiction_path == unit.jurisdiction.path
    assert ("full_name", "", "信丰县商务局") in change.changed_fields()


def test_ui_create_and_delete_are_recorded(client, users):
    client.force_login(users["xf-office"])
    j = Unit.objects.filter(jurisdiction__code="360722").first().jurisdiction
    response = client.post(
        reverse("org:person_add"),
        {"jurisdiction": j.pk, "name": "赵测试", "title": "副县长", "kind": "leader"},
    )
    assert response.status_code == 302
    person = Person.objects.get(name="赵测试")
    assert last_change(person).action == "create" and last_change(person).after["title"] == "副县长"
    response = client.post(reverse("org:person_delete", args=[person.pk]), {"confirm": "1"})
    assert response.status_code == 302 and not Person.objects.filter(pk=person.pk).exists()
    deleted = ObjectChange.objects.of(person).filter(action="delete").get()
    assert deleted.before["name"] == "赵测试" and deleted.after is None and deleted.user == users["xf-office"]


def test_m2m_change_is_recorded(client, users):
    team = Team.objects.get(policy__name="xinfeng-2024", key="corps-01")
    extra = Unit.objects.get(jurisdiction=team.jurisdiction, name="民政局")
    before = sorted(team.member_units.values_list("pk", flat=True))
    client.force_login(users["xf-office"])
    response = client.post(
        reverse("org:team_edit", args=[team.pk]),
        {
            "name": team.name,
            "head": team.head_id,
            "lead_unit": team.lead_unit_id,
            "member_units": [*before, extra.pk],
            "target_text": team.target_text,
            "_version": version_of(team),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    m2m = ObjectChange.objects.filter(
        object_id=str(team.pk), content_type__model="team", before__has_key="member_units", source="ui"
    )
    change = m2m.get()
    assert change.before["member_units"] == before and change.after["member_units"] == sorted(
        [*before, extra.pk]
    )


def test_api_changes_are_recorded_as_api(client, users):
    unit = Unit.objects.get(jurisdiction__code="360722", name="城管局")
    client.force_login(users["xf-office"])
    response = client.patch(
        f"/api/units/{unit.pk}/", {"full_name": "信丰县城市管理局"}, content_type="application/json"
    )
    assert response.status_code == 200
    change = last_change(unit)
    assert (
        change.source == "api"
        and change.user == users["xf-office"]
        and change.after["full_name"] == "信丰县城市管理局"
    )


def test_admin_changes_are_recorded_as_admin(client, users):
    unit = Unit.objects.get(jurisdiction__code="360722", name="供销社")
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:org_unit_change", args=[unit.pk]),
        {
            "jurisdiction": unit.jurisdiction_id,
            "name": "供销社",
            "full_name": "县供销合作社联合社",
            "kind": "institution",
            "aliases": "[]",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    change = last_change(unit)
    assert change.source == "admin" and change.user == users["admin"]


def test_admin_is_for_superusers_only(client, users):
    client.force_login(users["xf-office"])
    assert client.get("/admin/").status_code == 302


def test_command_line_changes_are_recorded_as_cli(db, tmp_path):
    from zhaoshang.engine import find_policy

    text = (
        find_policy("xinfeng-2024")
        .read_text(encoding="utf-8")
        .replace("target_text: 每年需完成2亿元进资任务", "target_text: 每年完成2亿元进资任务")
    )
    path = tmp_path / "xinfeng-2024.yaml"
    path.write_text(text, encoding="utf-8")
    call_command("policy", "load", str(path))
    change = ObjectChange.objects.filter(content_type__model="holdergroup").order_by("-id").first()
    assert change.source == "cli" and change.after["target_text"] == "每年完成2亿元进资任务"


def test_log_cannot_be_edited_or_deleted(db):
    change = ObjectChange.objects.first()
    change.object_repr = "篡改"
    with pytest.raises(PermissionDenied):
        change.save()
    with pytest.raises(PermissionDenied):
        change.delete()
    with pytest.raises(PermissionDenied):
        ObjectChange.objects.filter(pk=change.pk).update(object_repr="篡改")
    with pytest.raises(PermissionDenied):
        ObjectChange.objects.all().delete()


def test_log_api_is_read_only_and_scoped(client, users):
    client.force_login(users["xf-inspector"])
    response = client.get("/api/changes/", {"limit": 5})
    assert response.status_code == 200 and response.json()["count"] > 0
    first = response.json()["results"][0]["id"]
    assert client.delete(f"/api/changes/{first}/").status_code == 405
    assert client.post("/api/changes/", {}).status_code == 405
    client.force_login(users["tl-office"])
    assert client.get(f"/api/changes/{first}/").status_code == 404  # another city's log
    client.force_login(users["xf-team"])
    assert client.get("/api/changes/").status_code == 403
    assert client.get(reverse("changelog")).status_code == 403


def test_log_pages(client, users):
    client.force_login(users["xf-office"])
    response = client.get(reverse("changelog"))
    assert response.status_code == 200 and "变更记录" in response.content.decode()
    change = ObjectChange.objects.filter(jurisdiction_path__startswith="360000/360700/360722/").first()
    assert client.get(reverse("change_detail", args=[change.pk])).status_code == 200
    other = ObjectChange.objects.filter(jurisdiction_path__startswith="980000/").first()
    assert client.get(reverse("change_detail", args=[other.pk])).status_code == 404


def test_saving_without_changes_records_nothing(db):
    unit = Unit.objects.first()
    n = ObjectChange.objects.count()
    unit.save()
    assert ObjectChange.objects.count() == n


def test_cascaded_changes_are_recorded(client, users):
    """SET_NULL and many-to-many links removed by a delete are changes to the other rows too."""
    team = Team.objects.get(policy__name="testland-2024", key="group-1")
    head = team.head
    member = team.member_units.get()
    client.force_login(users["tl-office"])
    assert client.post(reverse("org:person_delete", args=[head.pk]), {"confirm": "1"}).status_code == 302
    team_changes = ObjectChange.objects.filter(
        content_type__model="team", object_id=str(team.pk), source="ui"
    )
    assert team_changes.filter(before__head_id=head.pk, after__head_id=None).exists()
    member.projects.all().delete() if hasattr(member, "projects") else None
    from django.db.models import Q

    from zhaoshang.ledger.models import OwnershipClaim

    OwnershipClaim.objects.filter(Q(claimant_unit=member) | Q(holder_unit=member)).delete()
    from zhaoshang.resources.models import ZombieEnterprise  # the register protects its enterprises

    ZombieEnterprise.objects.filter(enterprise__unit=member).delete()
    from zhaoshang.fieldwork.models import Lead  # the target library's demo moves targets into leads

    Lead.objects.filter(unit=member).delete()
    for model in ("investments", "activities", "enterprises", "reports"):
        getattr(member, model).all().delete()
    member_pk = member.pk
    member.delete()
    assert ObjectChange.objects.filter(
        content_type__model="team",
        object_id=str(team.pk),
        before__member_units=[member_pk],
        after__member_units=[],
    ).exists()


def test_users_with_a_history_cannot_be_deleted_and_account_changes_are_logged(users):
    from django.db.models import ProtectedError

    office = users["xf-office"]
    ObjectChange.objects.create(
        user=office,
        source="system",
        action="update",
        content_type_id=ObjectChange.objects.first().content_type_id,
        object_id="1",
        object_repr="x",
    )
    with pytest.raises(ProtectedError):
        office.delete()
    office.set_password("another-secret-1")
    office.save()
    change = last_change(office)
    assert change.action == "update" and "another-secret" not in str(change.after)
    assert change.before["password"] != change.after["password"]


def test_reload_keeps_the_offices_fix_of_a_placeholder_person(db):
    person = Person.objects.get(name="分管副市长")
    person.name = "李四"
    person.save()
    call_command(
        "policy", "load", str(__import__("pathlib").Path(__file__).parent / "fixtures" / "testland-2024.yaml")
    )
    person.refresh_from_db()
    assert person.name == "李四"
    assert not Person.objects.filter(name="分管副市长").exists()
    assert Team.objects.get(policy__name="testland-2024", key="group-2").head == person


def test_logins_are_not_changes_and_password_hashes_stay_out_of_the_log(client, users):
    office = users["xf-office"]
    n = ObjectChange.objects.filter(content_type__model="user").count()
    client.post(reverse("login"), {"username": "xf-office", "password": DEMO_PASSWORD})
    assert ObjectChange.objects.filter(content_type__model="user").count() == n
    office.set_password("another-secret-2")
    office.save()
    change = last_change(office)
    assert change.after["password"].startswith("sha256:") and office.password not in str(change.after)


def _contact_change(client, users):
    """The office corrects an enterprise's contact: the log keeps the values."""
    from zhaoshang.ledger.models import ContactPerson

    person = ContactPerson.objects.filter(enterprise__jurisdiction__code="360722").first()
    client.force_login(users["xf-office"])
    response = client.patch(
        f"/api/contacts/{person.pk}/",
        {"name": "欧阳建国", "title": "首席招商顾问", "phone": "13912345678"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content[:500]
    change = last_change(person)
    assert change.after["phone"] == "13912345678"  # stored complete, for audit
    return change


def test_contacts_are_masked_in_the_log_for_roles_that_may_not_see_them(client, users):
    change = _contact_change(client, users)
    stored = (change.before, change.after)
    client.force_login(users["xf-inspector"])
    html = client.get(reverse("change_detail", args=[change.pk])).content.decode()
    for secret in ("欧阳建国", "首席招商顾问", "13912345678"):
        assert secret not in html, secret
    assert "欧***" in html and "首*****" in html and "139****5678" in html
    data = client.get(f"/api/changes/{change.pk}/").json()
    after = data["after"]
    assert (after["name"], after["title"], after["phone"]) == (
        "欧***",
        "首*****",
        "139****5678",
    )
    assert after["enterprise_id"] == change.after["enterprise_id"]  # only personal data is masked
    assert all(
        "13912345678" not in str(r["after"])
        for r in client.get("/api/changes/", {"limit": 50}).json()["results"]
    )
    change.refresh_from_db()
    assert (change.before, change.after) == stored  # the stored row is untouched


def test_enterprise_entries_from_before_contacts_had_their_own_table_stay_masked(client, users):
    """Entries written when an enterprise held its one contact (before ledger/0003)."""
    from django.contrib.contenttypes.models import ContentType

    from zhaoshang.core.models import ObjectChange
    from zhaoshang.ledger.models import Enterprise

    ent = Enterprise.objects.filter(jurisdiction__code="360722").first()
    old = ObjectChange.objects.create(
        action="update", content_type=ContentType.objects.get_for_model(Enterprise), object_id=str(ent.pk),
        object_repr=ent.name, jurisdiction_path=ent.jurisdiction.path, source="ui",
        before={"name": ent.name, "contact_name": "欧阳建国", "contact_phone": "13912345678"},
        after={"name": ent.name, "contact_name": "欧阳建国", "contact_phone": "13987654321"},
    )  # fmt: skip
    client.force_login(users["xf-inspector"])
    html = client.get(reverse("change_detail", args=[old.pk])).content.decode()
    assert "欧阳建国" not in html and "13987654321" not in html and "139****4321" in html
    assert client.get(f"/api/changes/{old.pk}/").json()["after"]["contact_phone"] == "139****4321"


def test_the_office_sees_contacts_in_the_log_in_full(client, users):
    change = _contact_change(client, users)
    html = client.get(reverse("change_detail", args=[change.pk])).content.decode()
    assert "欧阳建国" in html and "13912345678" in html
    assert client.get(f"/api/changes/{change.pk}/").json()["after"]["phone"] == "13912345678"
