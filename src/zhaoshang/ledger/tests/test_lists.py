"""The project list page and /api/projects/: sorting by every sortable column, paging, a constant
number of queries per page, the filters, and the API's ordering and investment totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhaoshang.ledger.models import STAGE_ORDER, Enterprise, Investment, Project, ProjectPhase, StageChange
from zhaoshang.ledger.views import ProjectListView
from zhaoshang.org.models import Team, Unit

LIST = reverse("ledger:project_list")


def _page_pks(response) -> list[int]:
    assert response.status_code == 200
    return [p.pk for p in response.context["page_obj"].object_list]


def _all_rows(client, query: dict) -> list[int]:
    """Every row of the list, page after page, in the order shown."""
    first = client.get(LIST, query)
    pks = _page_pks(first)
    for page in range(2, first.context["paginator"].num_pages + 1):
        pks += _page_pks(client.get(LIST, {**query, "page": page}))
    return pks


def _api_rows(client, query: dict) -> list[int]:
    response = client.get("/api/projects/", {**query, "limit": 10000})
    assert response.status_code == 200, response.content[:500]
    return [r["id"] for r in response.json()["results"]]


def _name_rank(model, field: str = "name") -> dict[str, int]:
    """Names in the database's own collation order (PostgreSQL's may not be Python's)."""
    names = model.objects.order_by(field).values_list(field, flat=True).distinct()
    return {name: i for i, name in enumerate(names)}


def _sort_keys() -> dict[str, object]:
    """A comparable key per sortable column, worked out without the view (None: empty)."""
    projects, enterprises, units, teams = (
        _name_rank(Project),
        _name_rank(Enterprise),
        _name_rank(Unit),
        _name_rank(Team),
    )
    return {
        "name": lambda p: projects[p.name],
        "enterprise__name": lambda p: enterprises[p.enterprise.name],
        "stage": lambda p: STAGE_ORDER[p.stage],  # the pipeline, not the codes' alphabet
        "total_investment": lambda p: p.total_investment,
        "unit__name": lambda p: units[p.unit.name],
        "team__name": lambda p: teams[p.team.name] if p.team_id else None,
        "signed_on": lambda p: p.signed_on,
        "started_on": lambda p: p.started_on,
        "registered_on": lambda p: p.registered_on,
    }


def _assert_sorted(pks: list[int], by: dict[int, Project], key, descending: bool, what: str):
    """Ordered by the key, ties by id; empty values together at one end (the database decides
    which end)."""
    values = [(key(by[pk]), pk) for pk in pks]
    empty = [i for i, (v, _) in enumerate(values) if v is None]
    if empty:
        assert empty == list(range(empty[0], empty[0] + len(empty))), f"{what}: empty values apart"
        assert empty[0] == 0 or empty[-1] == len(values) - 1, f"{what}: empty values in the middle"
        assert [pk for v, pk in values if v is None] == sorted(pk for v, pk in values if v is None), what
    filled = [(v, pk) for v, pk in values if v is not None]
    expected = sorted(filled, key=lambda x: x[1])
    expected.sort(key=lambda x: x[0], reverse=descending)  # stable: ties keep ascending ids
    assert filled == expected, what


SORTABLE = [c.sort for c in ProjectListView.columns if c.sort]


def test_every_column_of_the_project_list_sorts(client, users):
    assert set(SORTABLE) == set(_sort_keys())  # 企业, 引进单位, 引进团队 too
    user = users["xf-office"]
    client.force_login(user)
    by = {p.pk: p for p in Project.objects.visible_to(user).select_related("enterprise", "unit", "team")}
    assert len(by) > 25, "the test county should fill more than one page"
    keys = _sort_keys()
    for field in SORTABLE:
        for descending in (False, True):
            sort = f"-{field}" if descending else field
            pks = _all_rows(client, {"sort": sort})
            assert sorted(pks) == sorted(by), f"{sort}: every project once"
            _assert_sorted(pks, by, keys[field], descending, f"page {sort}")
            api = _api_rows(client, {"ordering": sort})
            _assert_sorted(api, by, keys[field], descending, f"api {sort}")
            assert api == pks, f"{sort}: the API sorts as the page does"


def test_sort_by_stage_follows_the_pipeline(client, users):
    client.force_login(users["xf-office"])
    pks = _page_pks(client.get(LIST, {"sort": "stage"}))
    first = Project.objects.get(pk=pks[0])
    assert first.stage == "lead"  # 线索 first, not 达产 (full_production) as the codes would have it


def test_paging_shows_the_next_rows(client, users):
    user = users["xf-office"]
    client.force_login(user)
    visible = list(Project.objects.visible_to(user))
    default = [p.pk for p in sorted(visible, key=lambda p: (p.registered_on, p.pk), reverse=True)]
    page1, page2 = _page_pks(client.get(LIST)), _page_pks(client.get(LIST, {"page": 2}))
    assert page1 == default[:25] and page2 == default[25:50]
    html = client.get(LIST, {"page": 2}).content.decode()
    assert Project.objects.get(pk=page2[0]).name in html
    # Sorted, page 2 continues page 1 of the same order.
    sorted_all = _all_rows(client, {"sort": "-total_investment"})
    page2 = _page_pks(client.get(LIST, {"sort": "-total_investment", "page": 2}))
    assert page2 == sorted_all[25:50]


@pytest.fixture
def two_pages_of_25(users):
    """25 projects of one enterprise, unit and team with nothing attached (industry 少量关联),
    and 25 with an enterprise, unit and team each, stage history, investments and a phase
    (industry 大量关联)."""
    office = users["xf-office"]
    j = office.membership.jurisdiction
    units = list(Unit.objects.filter(jurisdiction=j).order_by("pk")[:25])
    teams = list(Team.objects.filter(jurisdiction=j).order_by("pk"))
    ent = Enterprise.objects.create(jurisdiction=j, name="少量关联测试有限公司", unit=units[0])
    for i in range(25):
        Project.objects.create(jurisdiction=j, name=f"少量关联项目{i}", enterprise=ent, industry="少量关联",
                               total_investment=1000 + i, unit=units[0], team=teams[0], registered_on=date(2024, 3, 1))  # fmt: skip
    for i in range(25):
        unit, team = units[i % len(units)], teams[i % len(teams)]
        e = Enterprise.objects.create(jurisdiction=j, name=f"大量关联测试{i}号有限公司", unit=unit, team=team,
                                      tags=["专精特新", "瞪羚"])  # fmt: skip
        p = Project.objects.create(jurisdiction=j, name=f"大量关联项目{i}", enterprise=e, industry="大量关联",
                                   total_investment=2000 + i, unit=unit, team=team, registered_on=date(2024, 3, 1),
                                   stage="started", signed_on=date(2024, 4, 1), started_on=date(2024, 5, 1))  # fmt: skip
        for frm, to, on in (("", "lead", 1), ("lead", "signed", 2), ("signed", "started", 3)):
            StageChange.objects.create(project=p, from_stage=frm, to_stage=to, on=date(2024, on, 1))
        for month in (4, 5, 6):
            Investment.objects.create(jurisdiction=j, project=p, month=date(2024, month, 1), amount=10,
                                      unit=unit, team=team)  # fmt: skip
        ProjectPhase.objects.create(project=p, number=1, name="一期")
    return office


def test_a_page_costs_the_same_number_of_queries_however_many_related_rows(
    client, two_pages_of_25, django_assert_num_queries
):
    client.force_login(two_pages_of_25)
    client.get(LIST)  # warm up the session and the content types
    for url in (LIST, "/api/projects/"):
        with CaptureQueriesContext(connection) as few:
            response = client.get(url, {"industry": "少量关联"})
        assert response.status_code == 200
        with django_assert_num_queries(len(few)):
            response = client.get(url, {"industry": "大量关联"})
        rows = response.context["page_obj"].object_list if url == LIST else response.json()["results"]
        assert len(rows) == 25
        # Page 1 and a later page of the whole list cost the same too.
        with CaptureQueriesContext(connection) as first:
            client.get(url, {"sort": "name"} if url == LIST else {"ordering": "name"})
        later = {"sort": "name", "page": 3} if url == LIST else {"ordering": "name", "offset": 50}
        with django_assert_num_queries(len(first)):
            assert client.get(url, later).status_code == 200


def _filter_cases(visible: list[Project]) -> dict[str, tuple[dict, set[int]]]:
    """Each filter with a value that picks some projects but not all, and those projects."""

    def most_common(attr):
        counts: dict = {}
        for p in visible:
            if getattr(p, attr):
                counts[getattr(p, attr)] = counts.get(getattr(p, attr), 0) + 1
        return max(counts, key=counts.get)

    def date_range(attr):
        days = sorted(getattr(p, attr) for p in visible if getattr(p, attr))
        return days[len(days) // 4], days[3 * len(days) // 4]

    team, unit, industry = most_common("team_id"), most_common("unit_id"), most_common("industry")
    signed, started = date_range("signed_on"), date_range("started_on")
    return {
        "team": ({"team": team}, {p.pk for p in visible if p.team_id == team}),
        "unit": ({"unit": unit}, {p.pk for p in visible if p.unit_id == unit}),
        "industry": ({"industry": industry}, {p.pk for p in visible if p.industry == industry}),
        "signing date": (
            {"signed_from": signed[0], "signed_to": signed[1]},
            {p.pk for p in visible if p.signed_on and signed[0] <= p.signed_on <= signed[1]},
        ),
        "start date": (
            {"started_from": started[0], "started_to": started[1]},
            {p.pk for p in visible if p.started_on and started[0] <= p.started_on <= started[1]},
        ),
    }


@pytest.mark.parametrize("who", ["xf-office", "tl-office"])
def test_filters_return_exactly_the_matching_projects(client, users, who):
    user = users[who]
    client.force_login(user)
    visible = list(Project.objects.visible_to(user))
    for name, (query, expected) in _filter_cases(visible).items():
        assert 0 < len(expected) < len(visible), f"{name}: the case should pick some projects, not all"
        query = {k: v.isoformat() if isinstance(v, date) else v for k, v in query.items()}
        response = client.get(LIST, query)
        assert response.status_code == 200
        shown = {p.pk for p in response.context["paginator"].object_list}
        assert shown == expected, f"page, {name}"
        assert set(_api_rows(client, query)) == expected, f"api, {name}"


# --- The API's ordering -----------------------------------------------------------------------


def test_api_ordering_is_explicit_and_the_default_is_unchanged(client, users):
    user = users["xf-office"]
    client.force_login(user)
    visible = list(Project.objects.visible_to(user))
    default = [p.pk for p in sorted(visible, key=lambda p: (p.registered_on, p.pk), reverse=True)]
    assert _api_rows(client, {}) == default
    assert _api_rows(client, {"ordering": "contact_phone"}) == default  # not listed: ignored
    assert _api_rows(client, {"ordering": "-total_investment"}) == [
        p.pk
        for p in sorted(sorted(visible, key=lambda p: p.pk), key=lambda p: p.total_investment, reverse=True)
    ]
    investments = Investment.objects.visible_to(user)
    response = client.get("/api/investments/", {"ordering": "amount,-month", "limit": 10000}).json()
    assert [r["id"] for r in response["results"]] == [
        i.pk for i in sorted(investments, key=lambda i: (i.amount, -i.month.toordinal(), i.pk))
    ]
    response = client.get("/api/enterprises/", {"ordering": "-created", "limit": 10000}).json()
    enterprises = Enterprise.objects.visible_to(user)
    assert [r["id"] for r in response["results"]] == [
        e.pk for e in sorted(sorted(enterprises, key=lambda e: e.pk), key=lambda e: e.created, reverse=True)
    ]


def test_api_ordering_is_in_the_schema(client, users):
    client.force_login(users["xf-office"])
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    for prefix, field in (
        ("projects", "-total_investment"),
        ("enterprises", "name"),
        ("investments", "month"),
    ):
        params = {p["name"]: p for p in paths[f"/api/{prefix}/"]["get"]["parameters"]}
        assert field in params["ordering"]["schema"]["items"]["enum"], prefix
    totals = paths["/api/investment-totals/"]["get"]
    assert "$ref" in totals["responses"]["200"]["content"]["application/json"]["schema"]  # one object
    assert {p["name"] for p in totals["parameters"]} >= {"group", "period"}


# --- Investment totals in the API --------------------------------------------------------------


def _expected_totals(user, attr: str, start: date, end: date) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for i in Investment.objects.visible_to(user).filter(month__range=(start, end)):
        key = getattr(i, attr)
        if key is not None:
            out[key] = out.get(key, Decimal(0)) + i.amount
    return out


@pytest.mark.parametrize(
    "period,start,end",
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024-06", date(2024, 6, 1), date(2024, 6, 30)),
    ],
)
def test_investment_totals_per_unit_and_team_for_a_period(client, users, period, start, end):
    user = users["xf-office"]
    client.force_login(user)
    for group in ("unit", "team"):
        data = client.get("/api/investment-totals/", {"group": group, "period": period}).json()
        assert data["start"] == start.isoformat() and data["end"] == end.isoformat()
        got = {r["id"]: Decimal(r["total"]) for r in data["results"]}
        assert got == _expected_totals(user, f"{group}_id", start, end), (group, period)
        assert got and Decimal(data["total"]) == sum(got.values())


def test_a_team_clerk_sees_only_its_own_teams_totals(client, users):
    clerk = users["xf-team"]
    team = clerk.membership.team
    client.force_login(users["xf-office"])
    everyone = client.get("/api/investment-totals/", {"group": "team", "period": "2024"}).json()
    assert len({r["id"] for r in everyone["results"]}) > 1
    client.force_login(clerk)
    data = client.get("/api/investment-totals/", {"group": "team", "period": "2024"}).json()
    assert [r["id"] for r in data["results"]] == [team.pk]
    own = Investment.objects.filter(team=team, month__year=2024)
    assert Decimal(data["results"][0]["total"]) == sum(i.amount for i in own)
    by_unit = client.get("/api/investment-totals/", {"group": "unit", "period": "2024"}).json()
    assert {r["id"] for r in by_unit["results"]} <= set(team.unit_ids())


def test_investment_totals_refuse_bad_input_in_chinese(client, users):
    client.force_login(users["xf-office"])
    response = client.get("/api/investment-totals/", {"group": "person"})
    assert response.status_code == 400 and "group" in response.json()
    response = client.get("/api/investment-totals/", {"group": "unit", "period": "2024-13"})
    assert response.status_code == 400 and "无法识别的时期" in response.json()["period"][0]
    response = client.get("/api/investment-totals/", {"group": "unit", "period": "2024-W10"})
    assert response.status_code == 400 and "按月登记" in response.json()["period"][0]
    client.logout()
    assert client.get("/api/investment-totals/").status_code in (401, 403)


def test_a_clerks_filters_stay_within_the_clerks_scope(client, users):
    clerk = users["xf-team"]
    team = clerk.membership.team
    other = (
        Project.objects.filter(jurisdiction=team.jurisdiction).exclude(team=team).exclude(team=None).first()
    )
    client.force_login(clerk)
    own = {p.pk for p in Project.objects.visible_to(clerk).filter(team=team)}
    assert own
    for query, expected in (
        ({"team": team.pk}, own),
        ({"team": other.team_id}, set()),
        ({"unit": other.unit_id}, set()),
    ):
        response = client.get(LIST, query)
        assert {p.pk for p in response.context["paginator"].object_list} == expected, query
        assert set(_api_rows(client, query)) == expected, query
