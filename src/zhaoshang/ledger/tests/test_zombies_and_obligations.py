"""Issue 10 point 4: an enterprise's zombie class (僵尸企业 A–D, 003 §一(三)) with its
classification and resumption dates, and a project's contract obligations (合同义务, for 合同履约率),
recorded the same way on every path — the model, the form, the API, the admin and Excel — and
change-logged."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhaoshang.core.concurrency import version_of
from zhaoshang.core.models import ObjectChange
from zhaoshang.exchange.exporter import export_file
from zhaoshang.exchange.importer import import_file, import_projects
from zhaoshang.exchange.tests.helpers import PROJECT_HEADERS, code, project_row, xlsx
from zhaoshang.ledger import performance
from zhaoshang.ledger.models import ContractObligation, Enterprise, Investment, Project

pytestmark = pytest.mark.django_db
ZOMBIE_HEADERS = ["僵尸企业类别", "僵尸企业认定日期", "复工复产日期"]
OBLIGATION_HEADERS = [
    "项目名称",
    "统一社会信用代码",
    "义务类别",
    "约定内容",
    "约定金额（万元）",
    "约定期限",
    "履行日期",
    "备注",
]


@pytest.fixture
def project(users):
    team = users["xf-team"].membership.team
    ent = Enterprise.objects.create(
        jurisdiction=team.jurisdiction, name="僵尸测试机械有限公司", unit=team.lead_unit, team=team
    )
    return Project.objects.create(
        jurisdiction=team.jurisdiction, name="履约测试项目", enterprise=ent, total_investment="20000",
        unit=team.lead_unit, team=team, registered_on=date(2024, 1, 10), stage="signed", signed_on=date(2024, 2, 1),
    )  # fmt: skip


# --- The model's rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls, classified, resumed, problem",
    [
        ("A", date(2023, 3, 10), None, None),
        ("B", date(2023, 3, 10), date(2023, 3, 10), None),  # the same day is not before it
        ("C", date(2023, 3, 10), date(2023, 3, 9), "zombie_resumed_on"),  # a day before: refused
        ("A", None, None, "zombie_classified_on"),  # a class needs its date
        ("", date(2023, 3, 10), None, "zombie_class"),  # a date needs its class
        ("", None, date(2024, 1, 1), "zombie_resumed_on"),  # no resumption without classification
        ("D", date(1999, 12, 31), None, "zombie_classified_on"),  # 2000–2100
        ("D", date(2023, 1, 1), date(2101, 1, 1), "zombie_resumed_on"),
    ],
)
def test_zombie_fields_are_checked(project, cls, classified, resumed, problem):
    e = project.enterprise
    e.zombie_class, e.zombie_classified_on, e.zombie_resumed_on = cls, classified, resumed
    if problem is None:
        e.full_clean()
        return
    with pytest.raises(ValidationError) as err:
        e.full_clean()
    assert problem in err.value.message_dict


def test_the_database_refuses_a_resumption_before_classification(project):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.filter(pk=project.enterprise_id).update(
            zombie_class="A", zombie_classified_on=date(2023, 3, 10), zombie_resumed_on=date(2023, 3, 9)
        )


def test_obligation_status_and_amount(project):
    o = ContractObligation(project=project, kind="investment", due_on=date(2024, 6, 30))
    with pytest.raises(ValidationError, match="约定金额"):
        o.full_clean()
    o.amount = Decimal(5000)
    o.full_clean()
    o.save()
    o.project = project

    def status(day):
        return performance.evaluate([o], day=day)[o.pk].status

    # Nothing invested yet and no 履行日期: not due, then overdue.
    assert status(date(2024, 6, 30)) == "未到期" and status(date(2024, 7, 1)) == "逾期未履约"
    o.fulfilled_on = date(2024, 6, 30)  # the ledger has no 进资: the office's date stands
    assert status(date(2024, 7, 1)) == "按期履约"
    o.fulfilled_on = date(2024, 7, 1)
    assert status(date(2024, 7, 1)) == "逾期履约"
    assert status(date(2024, 6, 30)) == "未到期"  # not yet fulfilled on that day


# --- Form ----------------------------------------------------------------------------------------


def test_enterprise_form_records_and_logs_the_zombie_class(client, users, project):
    client.force_login(users["xf-office"])
    e = project.enterprise
    url = reverse("ledger:enterprise_edit", args=[e.pk])
    data = {"name": e.name, "unit": e.unit_id, "team": e.team_id, "zombie_class": "B",
            "zombie_classified_on": "2023-03-10", "zombie_resumed_on": "2023-03-09",
            "_version": version_of(e)}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 400 and "不能早于僵尸企业认定日期" in response.content.decode()
    response = client.post(url, {**data, "zombie_resumed_on": "2024-03-10"})
    assert response.status_code == 302
    e.refresh_from_db()
    assert (e.zombie_class, e.zombie_classified_on, e.zombie_resumed_on) == (
        "B",
        date(2023, 3, 10),
        date(2024, 3, 10),
    )
    change = ObjectChange.objects.of(e).filter(action="update").latest("time")
    assert change.after["zombie_class"] == "B" and change.before["zombie_class"] == ""


def test_obligation_form_and_project_page(client, users, project):
    client.force_login(users["xf-team"])
    response = client.post(
        reverse("ledger:contractobligation_add"),
        {"project": project.pk, "kind": "construction_start", "content": "合同约定开工", "due_on": "2024-05-01",
         "fulfilled_on": "2024-05-03"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:500]
    o = ContractObligation.objects.get(project=project)
    assert performance.states_today([o])[0].state.status == "逾期履约"
    assert ObjectChange.objects.of(o).filter(action="create").exists()
    html = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert "合同约定开工" in html and "逾期履约" in html
    assert client.get(reverse("ledger:contractobligation_list") + "?status=late").status_code == 200
    client.force_login(users["xf-team2"])  # another team: out of scope
    assert client.get(reverse("ledger:contractobligation_detail", args=[o.pk])).status_code == 404


def test_the_obligation_list_reads_fulfilment_from_the_ledger(client, users, project):
    """The list, its 履约情况 filter, the detail page and the project page read an investment
    obligation from the 进资 recorded, as the performance page and the assessment do, not from a
    履行日期 nobody typed."""
    o = ContractObligation.objects.create(
        project=project, kind="investment", amount=Decimal(5000), due_on=date(2024, 6, 30)
    )
    Investment.objects.create(
        jurisdiction=project.jurisdiction, project=project, month=date(2024, 6, 1), amount=Decimal(6000),
        unit=project.unit, team=project.team,
    )  # fmt: skip
    client.force_login(users["xf-office"])
    url = reverse("ledger:contractobligation_list") + f"?project={project.pk}"
    html = client.get(url).content.decode()
    assert "按期履约" in html and "逾期未履约" not in html and "2024-06-01" in html
    assert "2024-06-01" in client.get(url + "&status=on_time").content.decode()
    assert "2024-06-01" not in client.get(url + "&status=due").content.decode()
    detail = client.get(reverse("ledger:contractobligation_detail", args=[o.pk])).content.decode()
    assert "按期履约" in detail and "台账" in detail
    page = client.get(reverse("ledger:project_detail", args=[project.pk])).content.decode()
    assert "2024-06-01 履行" in page and "按期履约" in page
    api = f"/api/contract-obligations/?project={project.pk}&status=on_time"
    ids = [r["id"] for r in client.get(api).json()["results"]]
    assert ids == [o.pk]


# --- API -----------------------------------------------------------------------------------------


def test_api_enterprise_zombie_fields_and_obligations(client, users, project):
    client.force_login(users["xf-office"])
    e = project.enterprise
    url = f"/api/enterprises/{e.pk}/"
    response = client.patch(url, {"zombie_class": "C", "zombie_classified_on": "2023-05-01",
                                  "zombie_resumed_on": "2023-04-30"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and "zombie_resumed_on" in response.json()
    response = client.patch(url, {"zombie_class": "C", "zombie_classified_on": "2023-05-01"},
                            content_type="application/json")  # fmt: skip
    assert response.status_code == 200 and response.json()["zombie_class"] == "C"
    client.force_login(users["xf-team"])
    body = {"project": project.pk, "kind": "tax", "due_on": "2024-12-31"}
    response = client.post("/api/contract-obligations/", body, content_type="application/json")
    assert response.status_code == 400 and "amount" in response.json()
    response = client.post(
        "/api/contract-obligations/", {**body, "amount": "300"}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert ContractObligation.objects.get(pk=response.json()["id"]).amount == 300
    client.force_login(users["xf-team2"])
    assert client.get(f"/api/contract-obligations/{response.json()['id']}/").status_code == 404


# --- Admin ---------------------------------------------------------------------------------------


def test_admin_checks_the_zombie_dates(client, project):
    admin = get_user_model().objects.create_superuser("zombie-admin", password="x")
    client.force_login(admin)
    e = project.enterprise
    url = reverse("admin:ledger_enterprise_change", args=[e.pk])
    page = client.get(url)
    assert page.status_code == 200 and "zombie_resumed_on" in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"jurisdiction": e.jurisdiction_id, "unit": e.unit_id, "team": e.team_id or "", "tags": "[]",
                 "former_names": "[]", "zombie_class": "A", "zombie_classified_on": "2023-03-10",
                 "zombie_resumed_on": "2023-03-01", "contacts-TOTAL_FORMS": 0, "contacts-INITIAL_FORMS": 0})  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200 and "复工复产日期不能早于僵尸企业认定日期" in response.content.decode()


# --- Excel ---------------------------------------------------------------------------------------


def test_project_import_sets_the_enterprise_zombie_class(users):
    user = users["xf-office"]
    headers = PROJECT_HEADERS
    assert headers[-3:] == ZOMBIE_HEADERS
    row = project_row({"企业名称": "赣州僵尸导入有限公司", "统一社会信用代码": code("T0000091"),
                       "僵尸企业类别": "A类", "僵尸企业认定日期": "2023-03-10"})  # fmt: skip
    result = import_projects(xlsx([row], headers=headers), user=user)
    assert result.ok, [str(e) for e in result.errors]
    e = Enterprise.objects.get(name="赣州僵尸导入有限公司")
    assert (e.zombie_class, e.zombie_classified_on, e.zombie_resumed_on) == ("A", date(2023, 3, 10), None)
    # A resumption before the classification is refused on its column, and nothing is saved.
    bad = {**row, "复工复产日期": "2023-03-01"}
    result = import_projects(xlsx([bad], headers=headers), user=user)
    assert not result.ok and result.errors[0].column == "复工复产日期"
    assert "不能早于" in result.errors[0].message
    e.refresh_from_db()
    assert e.zombie_resumed_on is None
    ok = {**row, "复工复产日期": "2024-03-10"}
    result = import_projects(xlsx([ok], headers=headers), user=user)
    assert result.ok and result.updated == 1
    e.refresh_from_db()
    assert e.zombie_resumed_on == date(2024, 3, 10)
    assert ObjectChange.objects.of(e).filter(action="update").exists()
    # A class the document does not define.
    result = import_projects(xlsx([{**row, "僵尸企业类别": "E类"}], headers=headers), user=user)
    assert not result.ok and result.errors[0].column == "僵尸企业类别"


def test_obligations_import_and_export_round_trip(users, project):
    user = users["xf-team"]
    rows = [
        {"项目名称": project.name, "义务类别": "投资额", "约定金额（万元）": 5000, "约定期限": "2024-06-30",
         "履行日期": "2024-06-30"},
        {"项目名称": project.name, "义务类别": "开工", "约定期限": "2024-05-01"},
    ]  # fmt: skip
    result = import_file("obligations", xlsx(rows, headers=OBLIGATION_HEADERS, sheet="合同义务"), user=user)
    assert result.ok, [str(e) for e in result.errors]
    assert result.created == 2
    # The same key (项目 + 义务类别 + 约定期限) updates; an investment without an amount is refused.
    rows[1]["履行日期"] = "2024-05-02"
    result = import_file("obligations", xlsx(rows, headers=OBLIGATION_HEADERS, sheet="合同义务"), user=user)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 1, 1)
    start = ContractObligation.objects.get(project=project, kind="construction_start")
    assert start.fulfilled_on == date(2024, 5, 2)
    assert performance.states_today([start])[0].state.status == "逾期履约"
    assert ObjectChange.objects.of(start).filter(action="update").exists()
    bad = [{"项目名称": project.name, "义务类别": "税收", "约定期限": "2024-12-31"}]
    result = import_file("obligations", xlsx(bad, headers=OBLIGATION_HEADERS, sheet="合同义务"), user=user)
    assert not result.ok and result.errors[0].column == "约定金额（万元）"
    content = export_file("obligations", user=user)
    again = import_file("obligations", content, user=user)
    # Every obligation the clerk sees (the demo's too) comes back unchanged.
    assert again.ok and (again.created, again.updated) == (0, 0) and again.unchanged == again.rows >= 2
    # Another team's clerk cannot see the project.
    result = import_file(
        "obligations", xlsx(rows, headers=OBLIGATION_HEADERS, sheet="合同义务"), user=users["xf-team2"]
    )
    assert not result.ok
