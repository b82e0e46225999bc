"""The home page per role (issue 11 point 3) on a small county built here: a team clerk sees their
reports due this week and overdue, each opening its form, and the field-work quotas still owed; an
office sees what waits for it (leads to screen, claims to arbitrate, assessments to run and
publish, bulletins to send); a leader lands on the dashboard. The 未报送 card counts; a campaign
that has ended no longer lists its reports as due."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from zhaoshang.assessment import services as assessment
from zhaoshang.bulletins.models import Bulletin
from zhaoshang.fieldwork.models import Activity, Lead, Report
from zhaoshang.fieldwork.selectors import open_reports
from zhaoshang.ledger.models import Enterprise, OwnershipClaim
from zhaoshang.org.models import HolderGroup, Jurisdiction, Membership, Policy, Team, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    """测试县 with one copy of the test policy (2024), two units, one team in the policy's
    `teams` group, and a login for the office, the team's clerk, a unit clerk and a leader."""
    j = Jurisdiction.objects.create(code="990931", name="首页测试县", level=Jurisdiction.Level.COUNTY)
    policy = Policy.objects.get(name="testland-2024")
    policy.pk = policy.id = None
    policy._state.adding = True
    policy.name, policy.jurisdiction = "home-test-2024", j
    policy.save()
    lead_unit = Unit.objects.create(jurisdiction=j, name="首页测试商务局", kind=Unit.Kind.DEPARTMENT)
    other = Unit.objects.create(jurisdiction=j, name="首页测试财政局", kind=Unit.Kind.DEPARTMENT)
    team = Team.objects.create(
        jurisdiction=j, policy=policy, key="group-1", name="首页测试工作组", kind=Team.Kind.WORK_GROUP,
        lead_unit=lead_unit, clause="第2条",
    )  # fmt: skip
    group = HolderGroup.objects.create(
        jurisdiction=j, policy=policy, key="teams", label="工作组", holder="team", clause="第2条"
    )
    group.teams.add(team)
    User = get_user_model()
    logins = {}
    for name, role, kw in [
        ("office", "office", {}),
        ("team", "team_clerk", {"team": team}),
        ("unit", "unit_clerk", {"unit": other}),
        ("leader", "leader", {}),
    ]:
        u = User.objects.create_user(f"home-{name}", password="x")
        Membership.objects.create(user=u, role=role, jurisdiction=j, **kw)
        logins[f"{name}_login"] = User.objects.get(pk=u.pk)
    return {"j": j, "policy": policy, "team": team, "lead_unit": lead_unit, "other": other, **logins}


@pytest.fixture
def on(monkeypatch):
    """Sets the platform's today."""

    def set_today(d: date):
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: d)
        return d

    return set_today


def _report(c, key, covers, due, *, submitted=False, unit=None, name=None):
    return Report.objects.create(
        jurisdiction=c["j"], calendar_key=key, name=name or {"weekly": "周报", "monthly": "月报"}[key],
        team=None if unit else c["team"], unit=unit, covers_start=covers[0], covers_end=covers[1],
        due_on=due, content="已报" if submitted else "",
        submitted_at=timezone.make_aware(datetime.combine(due, time(9))) if submitted else None,
    )  # fmt: skip


def _home(client, user):
    client.force_login(user)
    r = client.get("/")
    assert r.status_code == 200
    return r, r.content.decode()


def _section(html: str, key: str) -> str:
    start = html.index(f'id="work-{key}"')
    return html[start : html.index("</section>", start)]


def test_a_team_clerk_sees_this_weeks_and_overdue_reports_with_their_forms(client, county, on):
    on(date(2024, 9, 11))  # a Wednesday
    due = _report(county, "weekly", (date(2024, 9, 9), date(2024, 9, 15)), date(2024, 9, 13))
    late = _report(county, "weekly", (date(2024, 9, 2), date(2024, 9, 8)), date(2024, 9, 6))
    done = _report(county, "monthly", (date(2024, 8, 1), date(2024, 8, 31)), date(2024, 9, 5), submitted=True)
    later = _report(county, "monthly", (date(2024, 9, 1), date(2024, 9, 30)), date(2024, 10, 8))
    # Another unit's report: not the team's.
    _report(county, "weekly", (date(2024, 9, 2), date(2024, 9, 8)), date(2024, 9, 6), unit=county["other"])

    r, html = _home(client, county["team_login"])
    this_week, overdue = _section(html, "due"), _section(html, "overdue")
    assert "本周待报送（09月09日—09月15日）" in this_week
    assert reverse("fieldwork:report_edit", args=[due.pk]) in this_week
    assert "截止 2024-09-13（还剩2天）" in this_week and "填报" in this_week
    assert reverse("fieldwork:report_edit", args=[late.pk]) in overdue
    assert "已逾期5天" in overdue
    for other in (done, later):
        assert reverse("fieldwork:report_edit", args=[other.pk]) not in html
    assert reverse("fieldwork:report_edit", args=[late.pk]) not in this_week
    # The 未报送 card: the one overdue report of the team (it was blank: never computed).
    assert r.context["due_count"] == 1
    assert '<strong>1</strong><a href="/fieldwork/calendar/">未报送</a>' in html
    # The form the link opens answers the clerk.
    assert client.get(reverse("fieldwork:report_edit", args=[late.pk])).status_code == 200

    # The unit clerk sees their own unit's, not the team's.
    r, html = _home(client, county["unit_login"])
    assert r.context["due_count"] == 1
    assert reverse("fieldwork:report_edit", args=[late.pk]) not in html


def test_a_campaign_that_ended_no_longer_lists_its_reports_as_due(client, county, on):
    december = _report(county, "weekly", (date(2024, 12, 16), date(2024, 12, 22)), date(2024, 12, 20))
    # December's monthly report, due in January after the policy (2024) ended: still due then.
    final = _report(county, "monthly", (date(2024, 12, 1), date(2024, 12, 31)), date(2025, 1, 22))
    # A report of a calendar entry the policy does not have is no campaign's: kept.
    odd = _report(county, "weekly", (date(2024, 11, 4), date(2024, 11, 10)), date(2024, 11, 8))
    odd.calendar_key = "adhoc"
    odd.save()
    user = county["team_login"]

    on(date(2024, 12, 23))  # the campaign runs: December's weekly report is overdue
    _r, html = _home(client, user)
    assert reverse("fieldwork:report_edit", args=[december.pk]) in _section(html, "overdue")

    today = on(date(2025, 1, 20))  # the policy ended on 31 December
    qs = Report.objects.visible_to(user)
    assert set(open_reports(qs, user, today)) == {final, odd}
    r, html = _home(client, user)
    assert reverse("fieldwork:report_edit", args=[december.pk]) not in html
    assert reverse("fieldwork:report_edit", args=[final.pk]) in _section(html, "due")
    assert r.context["due_count"] == 1  # the ad-hoc one
    # Nor does the report calendar chase it; the report itself still reads 未报送.
    page = client.get(reverse("fieldwork:report_calendar")).content.decode()
    assert reverse("fieldwork:report_detail", args=[december.pk]) not in page
    detail = client.get(reverse("fieldwork:report_detail", args=[december.pk])).content.decode()
    assert "未报送" in detail


def test_a_clerk_sees_the_quotas_still_owed_with_the_form_that_records_them(client, county, on):
    on(date(2024, 9, 20))
    team = county["team"]
    Activity.objects.create(
        jurisdiction=county["j"], kind=Activity.Kind.OUTBOUND_TRIP, unit=county["lead_unit"], team=team,
        date=date(2024, 9, 2), days=1,
    )  # fmt: skip
    _r, html = _home(client, county["team_login"])
    quotas = _section(html, "quotas")
    assert "工作组每月外出招商不少于2批次：外出招商批次已完成 1" in quotas
    assert "还差 1" in quotas and "进度落后" in quotas
    assert f"{reverse('fieldwork:activity_add')}?kind=outbound_trip" in quotas
    assert "登记外出招商" in quotas
    assert client.get(f"{reverse('fieldwork:activity_add')}?kind=outbound_trip").status_code == 200
    # A second trip meets the month's quota: it leaves the list.
    Activity.objects.create(
        jurisdiction=county["j"], kind=Activity.Kind.OUTBOUND_TRIP, unit=county["lead_unit"], team=team,
        date=date(2024, 9, 3), days=1,
    )  # fmt: skip
    _r, html = _home(client, county["team_login"])
    assert "外出招商不少于2批次" not in _section(html, "quotas")


def test_the_office_sees_what_waits_for_it(client, county, on):
    on(date(2024, 9, 11))
    j, policy, unit, other = county["j"], county["policy"], county["lead_unit"], county["other"]
    waiting = Lead.objects.create(
        jurisdiction=j, unit=unit, reported_on=date(2024, 9, 2), title="某新能源项目线索", content="线索"
    )
    screened = Lead.objects.create(
        jurisdiction=j, unit=unit, reported_on=date(2024, 9, 3), title="已甄别线索", content="线索",
        status=Lead.Status.VALID,
    )  # fmt: skip
    ent = Enterprise.objects.create(jurisdiction=j, name="首页测试科技有限公司", unit=unit)
    claim = OwnershipClaim.objects.create(
        jurisdiction=j, enterprise=ent, holder_unit=unit, claimant_unit=other, reason="首次接洽"
    )
    draft = assessment.run(policy, "2024-07")
    done = Bulletin.objects.create(
        jurisdiction=j, policy=policy, kind="notice", period="2024-08", year=2024, sequence=1,
        title="8月招商通报", status=Bulletin.Status.DONE,
    )  # fmt: skip

    r, html = _home(client, county["office_login"])
    screen = _section(html, "screen")
    assert reverse("fieldwork:lead_screen", args=[waiting.pk]) in screen and "甄别" in screen
    assert "已甄别线索" not in html and reverse("fieldwork:lead_screen", args=[screened.pk]) not in html
    assert reverse("ledger:ownershipclaim_detail", args=[claim.pk]) in _section(html, "arbitrate")
    assess = _section(html, "assess")
    assert reverse("assessment:assessmentrun_detail", args=[draft.pk]) in assess and "核对发布" in assess
    assert "2024年8月尚未计算" in assess
    assert f"{reverse('assessment:run_new')}?policy=home-test-2024&amp;period=2024-08" in assess
    assert reverse("bulletins:bulletin_detail", args=[done.pk]) in _section(html, "send")
    for url in (
        reverse("fieldwork:lead_screen", args=[waiting.pk]),
        reverse("ledger:ownershipclaim_detail", args=[claim.pk]),
        f"{reverse('assessment:run_new')}?policy=home-test-2024&period=2024-08",
        reverse("bulletins:bulletin_detail", args=[done.pk]),
    ):
        assert client.get(url).status_code == 200, url

    # Publishing the draft and screening the lead take them off the list.
    assessment.publish(draft)
    waiting.status = Lead.Status.INVALID
    waiting.save()
    _r, html = _home(client, county["office_login"])
    assert "没有待甄别的线索" in html
    assert reverse("assessment:assessmentrun_detail", args=[draft.pk]) not in html

    # A clerk's home has none of the office's lists.
    _r, html = _home(client, county["team_login"])
    assert 'id="work-screen"' not in html and 'id="work-send"' not in html


def test_a_leader_lands_on_the_dashboard(client, county):
    client.force_login(county["leader_login"])
    r = client.get("/", follow=True)
    assert r.redirect_chain == [("/dashboards/", 302)]
    assert r.status_code == 200


def test_the_city_sees_the_claims_between_its_counties_it_arbitrates(client, users):
    a, b = Jurisdiction.objects.get(code="980121"), Jurisdiction.objects.get(code="980122")
    holder, claimant = Unit.objects.get(jurisdiction=a), Unit.objects.get(jurisdiction=b)
    ent = Enterprise.objects.create(jurisdiction=a, name="跨县归属测试有限公司", unit=holder)
    claim = OwnershipClaim.objects.create(
        jurisdiction=a, enterprise=ent, holder_unit=holder, claimant_unit=claimant, reason="乙县首次接洽"
    )
    url = reverse("ledger:ownershipclaim_detail", args=[claim.pk])
    _r, html = _home(client, users["tl-city"])
    assert url in _section(html, "arbitrate")
    assert client.get(url).status_code == 200
    # The county whose unit holds it is a party, not the judge.
    _r, html = _home(client, users["tl-county-clerk"])
    assert url not in html
