"""Every answer a client can provoke is a clear 4xx in Chinese, never a 500 (issue 16): deleting
what is still in use, page sizes, deeply nested bodies, far-off dates, negative amounts, odd
filters and ids."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhaoshang.fieldwork.models import Report
from zhaoshang.ledger.models import Enterprise, Investment, Project
from zhaoshang.org.models import Person, Unit


@pytest.fixture
def office(client, users):
    client.raise_request_exception = False  # a 500 is an answer to assert on, not a crash
    client.force_login(users["xf-office"])
    return client


def _unit_in_use():
    return (
        Unit.objects.filter(jurisdiction__code="360722", projects__isnull=False, investments__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )


# --- deleting what is still in use ------------------------------------------------------------


def test_deleting_a_unit_in_use_says_what_uses_it(office):
    unit = _unit_in_use()
    projects = Project.objects.filter(unit=unit).count()
    investments = Investment.objects.filter(unit=unit).count()
    r = office.delete(f"/api/units/{unit.pk}/")
    assert r.status_code == 409, r.content[:300]
    detail = r.json()["detail"]
    assert detail.startswith("该单位仍被 ") and "不能删除" in detail, detail
    assert f"{projects} 个项目" in detail and f"{investments} 条实际进资" in detail, detail
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_deleting_an_enterprise_with_projects(office):
    ent = Enterprise.objects.filter(jurisdiction__code="360722", projects__isnull=False).first()
    n = ent.projects.count()
    r = office.delete(f"/api/enterprises/{ent.pk}/")
    assert r.status_code == 409, r.content[:300]
    assert r.json()["detail"].startswith(f"该企业（客商）仍被 {n} 个项目")


def test_deleting_a_person_answers(office):
    # People are referred to by SET_NULL and CASCADE only: deleting one is not refused, and it
    # is never a 500.
    person = Person.objects.filter(jurisdiction__code="360722").first()
    r = office.delete(f"/api/people/{person.pk}/")
    assert r.status_code in (204, 409), r.content[:300]


def test_web_delete_of_a_unit_in_use_says_what_uses_it(office):
    unit = _unit_in_use()
    projects = Project.objects.filter(unit=unit).count()
    r = office.post(reverse("org:unit_delete", args=[unit.pk]), {"confirm": "1"}, follow=True)
    assert r.status_code == 200
    text = r.content.decode()
    assert f"{projects} 个项目" in text and "不能删除" in text


# --- pages --------------------------------------------------------------------------------------


def test_a_huge_limit_gets_the_largest_page(office):
    r = office.get("/api/activities/?limit=99999999999999999999")
    assert r.status_code == 200, r.content[:300]
    body = r.json()
    assert len(body["results"]) == min(body["count"], 1000)
    if body["count"] > 1000:
        assert "limit=1000" in body["next"]


@pytest.mark.parametrize("limit", ["99999999999999999999", "9" * 5000])
def test_any_huge_limit_is_capped(office, limit):
    r = office.get("/api/projects/", {"limit": limit})
    assert r.status_code == 200 and len(r.json()["results"]) <= 1000


@pytest.mark.parametrize("limit", ["-5", "0", "abc", "1e3", "-" + "9" * 40, "１０"])
def test_a_bad_limit_is_refused(office, limit):
    r = office.get("/api/projects/", {"limit": limit})
    assert r.status_code == 400, r.content[:300]
    assert "每页条数" in r.json()["limit"][0]


@pytest.mark.parametrize("offset", ["99999999999999999999", "-5", "9223372036854775808", "x"])
def test_a_bad_offset_is_refused(office, offset):
    r = office.get("/api/projects/", {"offset": offset})
    assert r.status_code == 400, r.content[:300]
    assert "起始位置" in r.json()["offset"][0]


def test_an_offset_past_the_end_is_an_empty_page(office):
    r = office.get("/api/projects/?offset=1000000")
    assert r.status_code == 200 and r.json()["results"] == []


# --- bodies ------------------------------------------------------------------------------------


def test_a_deeply_nested_body_is_refused(office):
    body = "[" * 100_000 + "]" * 100_000
    r = office.post("/api/units/", body, content_type="application/json")
    assert r.status_code == 400, r.content[:300]
    assert "嵌套过深" in r.json()["detail"]


def test_nesting_below_the_recursion_limit_is_refused_too(office):
    body = '{"name": ' + "[" * 200 + "]" * 200 + "}"
    r = office.post("/api/units/", body, content_type="application/json")
    assert r.status_code == 400 and "嵌套过深" in r.json()["detail"]


def test_broken_json_is_told_in_chinese(office):
    r = office.post("/api/units/", '{"name": ', content_type="application/json")
    assert r.status_code == 400 and "不是有效的 JSON" in r.json()["detail"]


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("on", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_quota_progress_refuses_far_dates(office, on):
    r = office.get(f"/api/quota-progress/?policy=xinfeng-2024&on={on}")
    assert r.status_code == 400, r.content[:300]
    assert "2000-01-01 至 2100-12-31" in r.json()["on"][0]


def test_reopening_with_a_far_deadline_is_refused(office):
    rep = Report.objects.filter(jurisdiction__code="360722", submitted_at__isnull=False).first()
    r = office.post(
        f"/api/reports/{rep.pk}/reopen/",
        {"reason": "补充材料", "due_on": "9999-12-31"},
        content_type="application/json",
    )
    assert r.status_code == 400, r.content[:300]
    assert "新的截止日期" in r.json()["due_on"][0]
    rep.refresh_from_db()
    assert rep.submitted_at is not None


def test_the_calendar_lists_nothing_past_2100():
    from zhaoshang.engine.calendar import deadlines
    from zhaoshang.engine.schema import CalendarEntry

    weekly = CalendarEntry.model_validate(
        {"key": "w", "name": "周报", "frequency": "weekly", "weekday": 5, "groups": ["g"], "recipient": "r",
         "content": "c", "clause": "§1", "non_working_day": "next_working_day"}
    )  # fmt: skip
    assert deadlines(weekly, date(9999, 12, 1), date(9999, 12, 31)) == []
    assert deadlines(weekly, date(1, 1, 1), date(1, 1, 31)) == []
    assert len(deadlines(weekly, date(2100, 12, 1), date(9999, 12, 31))) == 5


@pytest.mark.parametrize("on", ["9999-12-31", "0001-01-01"])
def test_the_report_calendar_page_with_far_dates(office, on):
    r = office.get(reverse("fieldwork:report_calendar") + f"?on={on}")
    assert r.status_code == 400 and "日期应在 2000-01-01 至 2100-12-31 之间" in r.content.decode()


@pytest.mark.parametrize("on", ["9999-12-31", "0001-01-01"])
def test_the_quota_page_with_far_dates(office, on):
    r = office.get(reverse("fieldwork:quotas") + f"?on={on}")
    assert r.status_code == 200


# --- amounts and dates on the model fields: API, forms, admin ---------------------------------


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("total_investment", "-5", "不能为负数"),
        ("land_mu", "-1", "不能为负数"),
        ("registered_on", "0001-01-01", "2000-01-01 至 2100-12-31"),
        ("foreign_investment_usd", "-0.01", "不能为负数"),
        ("contract_start_due", "1999-12-31", "2000-01-01 至 2100-12-31"),
    ],
)
def test_project_fields_are_range_checked_by_the_api(office, field, value, message):
    p = Project.objects.filter(jurisdiction__code="360722").first()
    r = office.patch(f"/api/projects/{p.pk}/", {field: value}, content_type="application/json")
    assert r.status_code == 400, r.content[:300]
    assert message in r.json()[field][0]


def test_investment_month_and_activity_date_are_range_checked(office):
    inv = Investment.objects.filter(jurisdiction__code="360722").first()
    r = office.patch(f"/api/investments/{inv.pk}/", {"month": "2101-01-01"}, content_type="application/json")
    assert r.status_code == 400 and "month" in r.json()
    from zhaoshang.fieldwork.models import Activity

    act = Activity.objects.filter(jurisdiction__code="360722").first()
    r = office.patch(f"/api/activities/{act.pk}/", {"date": "1900-01-01"}, content_type="application/json")
    assert r.status_code == 400 and "date" in r.json()


def test_the_web_form_refuses_them_too(office):
    p = Project.objects.filter(jurisdiction__code="360722").first()
    r = office.get(reverse("ledger:project_edit", args=[p.pk]))
    form = r.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(getattr(v, "pk", v)) for v in value] if isinstance(value, list | tuple) else value
    data.update({"total_investment": "-1", "contract_start_due": "9999-01-01"})
    r = office.post(reverse("ledger:project_edit", args=[p.pk]), data)
    assert r.status_code in (200, 400)
    errors = r.context["form"].errors
    assert "不能为负数" in str(errors.get("total_investment")), errors
    assert "2000-01-01 至 2100-12-31" in str(errors.get("contract_start_due")), errors


def test_the_model_fields_carry_the_checks():
    from zhaoshang.assessment.models import ProjectEvaluation, ProjectTax

    p = Project(total_investment=Decimal("-1"), registered_on=date(1, 1, 1))
    with pytest.raises(ValidationError) as exc:
        p.clean_fields()
    assert {"total_investment", "registered_on"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        ProjectTax(amount_wan=Decimal("-3"), month=date(2024, 5, 1)).clean_fields(exclude=["project"])
    assert "amount_wan" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ProjectEvaluation(year=9999).clean_fields(exclude=["project"])
    assert "2000 至 2100" in exc.value.message_dict["year"][0]


# --- filters, ordering, ids -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "stage=nonsense",
        "unit=abc",
        "unit=99999999999999999999",
        "ordering=nope",
        "ordering=password",
        "id=abc",
        "month=9999-99-99",
        "month__gte=abc",
        "enterprise=-1",
        "team=1.5",
    ],
)
@pytest.mark.parametrize(
    "endpoint", ["projects", "investments", "activities", "enterprises", "leads", "reports"]
)
def test_odd_filters_never_fail(office, endpoint, query):
    r = office.get(f"/api/{endpoint}/?{query}")
    assert r.status_code in (200, 400), (endpoint, query, r.content[:300])


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999", "-1", "1.5"])
def test_odd_ids_are_not_found(office, pk):
    r = office.get(f"/api/projects/{pk}/")
    assert r.status_code == 404, r.content[:300]


@pytest.mark.parametrize("body", ["[]", "[1]", '"x"', "1", "null"])
def test_a_body_that_is_not_an_object_is_refused(office, body):
    from zhaoshang.fieldwork.models import Lead

    lead = Lead.objects.filter(jurisdiction__code="360722").first()
    rep = Report.objects.filter(jurisdiction__code="360722", submitted_at__isnull=False).first()
    for url in (
        f"/api/leads/{lead.pk}/screen/",
        f"/api/reports/{rep.pk}/reopen/",
        "/api/assessments/",
        "/api/bulletins/",
    ):
        r = office.post(url, body, content_type="application/json")
        assert r.status_code == 400, (url, r.content[:300])
        assert "JSON 对象" in r.json()["detail"]


def test_a_claim_with_a_list_for_a_name_is_refused(client, users):
    client.raise_request_exception = False
    client.force_login(users["xf-unit"])
    r = client.post(
        "/api/claims/", {"name": ["甲公司"], "reason": "首次接洽"}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["name"] == ["应为文字"]


@pytest.mark.parametrize("period", ["0000", "9999", "1999-12", "2101-Q1", "0001-01..2024-12"])
def test_investment_totals_refuse_periods_outside_the_range(office, period):
    r = office.get("/api/investment-totals/", {"period": period})
    assert r.status_code == 400, r.content[:300]
    assert "2000 至 2100" in r.json()["period"][0]


def test_investment_totals_of_a_real_year(office):
    assert office.get("/api/investment-totals/", {"period": "2024"}).status_code == 200
