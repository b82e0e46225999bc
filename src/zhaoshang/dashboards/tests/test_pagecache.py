"""The page cache (core/pagecache.py) on the three heavy pages — the dashboard, the rankings page
and a run's page: the same figures with and without it, a write the page reads is seen at once,
and one membership's entry is never served to another."""

import pytest
from django.core.cache import cache

from zhaoshang.assessment.models import AssessmentRun
from zhaoshang.core import pagecache
from zhaoshang.core.changelog import change_context

pytestmark = pytest.mark.django_db
DASH, RANK = "/dashboards/", "/dashboards/rankings/"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.ZHAOSHANG_PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def _run():
    return AssessmentRun.objects.get(policy__name="testland-2024", period="2024-05", status="published")


def _page_entries() -> int:
    return sum(1 for k in cache._cache if pagecache.PREFIX in k)  # LocMemCache's store


def _uncached(settings, client, url, params=None):
    settings.ZHAOSHANG_PAGE_CACHE_SECONDS = 0
    try:
        return client.get(url, params or {})
    finally:
        settings.ZHAOSHANG_PAGE_CACHE_SECONDS = 600


def test_same_figures_with_and_without_the_cache(client, users, settings):
    client.force_login(users["tl-office"])
    run_url = f"/assessment/assessmentrun/{_run().pk}/"

    plain = _uncached(settings, client, DASH).context["charts"]
    assert _page_entries() == 0
    first = client.get(DASH).context["charts"]  # built and stored
    assert _page_entries() > 0
    again = client.get(DASH).context["charts"]  # read back
    assert plain == first == again and any(c.key == "ranking" for c in plain)
    plain = _uncached(settings, client, DASH).context["charts_html"]
    assert client.get(DASH).context["charts_html"] == plain
    assert client.get(DASH).context["charts_html"] == plain
    assert "<table" in plain and "第一工作组" in plain

    plain = _uncached(settings, client, RANK, {"period": "2024-05"}).context["group_html"]
    assert client.get(RANK, {"period": "2024-05"}).context["group_html"] == plain
    assert client.get(RANK, {"period": "2024-05"}).context["group_html"] == plain
    assert "第一工作组" in plain and "第1条" in plain

    plain = _uncached(settings, client, run_url).context["results_html"]
    assert client.get(run_url).context["results_html"] == plain
    assert client.get(run_url).context["results_html"] == plain
    assert "第一工作组" in plain and "预警与处理" in plain


def test_a_write_the_pages_read_is_seen_after_the_cache(client, users):
    from zhaoshang.org.models import Team

    client.force_login(users["tl-leader"])
    run_url = f"/assessment/assessmentrun/{_run().pk}/"
    for url in (DASH, RANK, run_url):
        assert "第一工作组" in client.get(url, {"period": "2024-05"} if url == RANK else {}).content.decode()
    before = pagecache.data_version()

    team = Team.objects.get(policy__name="testland-2024", name="第一工作组")
    with change_context(user=users["tl-office"], source="web"):
        team.name = "第一招商组"
        team.save()
    assert pagecache.data_version() != before

    for url in (DASH, RANK, run_url):
        html = client.get(url, {"period": "2024-05"} if url == RANK else {}).content.decode()
        assert "第一招商组" in html and "第一工作组" not in html, url


def test_memberships_never_share_an_entry(users, settings):
    from django.test import Client

    # Every login first (a login is an audit event: it moves the data version), so that the
    # reads below all share one version and only the membership tells their entries apart.
    names = ("tl-office", "tl-team", "tl-leader")
    clients = {n: Client() for n in names}
    for n in names:
        clients[n].force_login(users[n])
    own = {n: (_uncached(settings, clients[n], DASH).context["charts"],
               _uncached(settings, clients[n], RANK).context.get("group_html")) for n in names}  # fmt: skip
    assert own["tl-office"][0] != own["tl-team"][0]  # the team's own figures differ
    version = pagecache.data_version()
    # The office fills the cache first; the others then get their own figures, not the office's.
    for n in names:
        got = clients[n].get(DASH).context["charts"], clients[n].get(RANK).context.get("group_html")
        assert got == own[n], n
    for n in reversed(names):
        got = clients[n].get(DASH).context["charts"], clients[n].get(RANK).context.get("group_html")
        assert got == own[n], n
    assert pagecache.data_version() == version
    assert len({pagecache.viewer_key(users[n]) for n in names}) == 3


def test_same_membership_shares_one_entry(users, django_user_model):
    from zhaoshang.org.models import Membership

    m = users["tl-team"].membership
    twin = django_user_model.objects.create_user("tl-team-twin", password="x")
    Membership.objects.create(user=twin, role=m.role, jurisdiction=m.jurisdiction, team=m.team, unit=m.unit)
    assert pagecache.viewer_key(twin) == pagecache.viewer_key(users["tl-team"])
    assert pagecache.viewer_key(twin) != pagecache.viewer_key(users["tl-office"])
    assert pagecache.viewer_key(None) == "all"


def test_assessment_runs_and_bulk_writes_move_the_version(users):
    from zhaoshang.assessment import services
    from zhaoshang.core.bulk import insert_rows
    from zhaoshang.core.changelog import record_rows
    from zhaoshang.org.models import Policy, Team

    before = pagecache.data_version()
    with change_context(user=users["tl-office"], source="web"):
        services.run(Policy.objects.get(name="testland-2024"), "2024-05", reason="重新核算")
    after_run = pagecache.data_version()
    assert after_run != before

    # An Excel import writes its rows in bulk and logs them with record_rows.
    team = Team.objects.filter(policy__name="testland-2024").first()
    row = {
        "policy_id": team.policy_id,
        "jurisdiction_id": team.jurisdiction_id,
        "key": "bulk-team",
        "name": "批量团队",
        "kind": team.kind,
    }
    with change_context(user=users["tl-office"], source="import"):
        insert_rows(Team, [row])
        record_rows(Team, [row], lambda r: (r["name"], ""))
    assert pagecache.data_version() != after_run


def test_the_setting_turns_it_off(client, users, settings):
    settings.ZHAOSHANG_PAGE_CACHE_SECONDS = 0
    client.force_login(users["tl-office"])
    client.get(DASH)
    client.get(RANK)
    assert _page_entries() == 0
