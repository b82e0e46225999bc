"""Shared test world: two real-sized jurisdictions with demo data and a login for every role.

Built once per session (policy load and demo data take seconds); every test then runs in a
transaction that is rolled back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "tests" / "fixtures"


def _build_world():
    from django.contrib.auth import get_user_model

    from zhaoshang.core.changelog import change_context
    from zhaoshang.demo.generator import generate_county
    from zhaoshang.engine import find_policy, load_policy
    from zhaoshang.engine.loader import load_policy as load_file
    from zhaoshang.org.models import Jurisdiction, Membership, Team, Unit

    with change_context(source="system"):
        generate_county(
            spec=load_policy(find_policy("xinfeng-2024")),
            seed=7,
            prefix="xf-",
            projects_per_holder=0.6,
            activity_scale=0.15,
            report_months=1,
            reminders=False,  # notify's tests seed and send their own
        )
        generate_county(
            spec=load_file(FIXTURES / "testland-2024.yaml"),
            seed=8,
            prefix="tl-",
            projects_per_holder=3,
            activity_scale=0.5,
            reminders=False,
        )
        # Records of a county below the test city, filed by that county's own unit.
        county = Jurisdiction.objects.get(code="980121")
        unit = Unit.objects.get(jurisdiction=county)
        User = get_user_model()
        clerk = User.objects.create_user("tl-county-clerk", password="x")
        Membership.objects.create(user=clerk, role="unit_clerk", jurisdiction=county, unit=unit)
        _assessment_papers()
        xf_team2 = Team.objects.get(policy__name="xinfeng-2024", key="corps-02")
        u2 = User.objects.create_user("xf-team2", password="x")
        Membership.objects.create(
            user=u2, role="team_clerk", jurisdiction=xf_team2.jurisdiction, team=xf_team2
        )
        # The problem list and leaders' instructions (supervision/problems_demo.py), until the demo
        # generator seeds them (seed() does nothing for a county that already has problems).
        from datetime import date

        from zhaoshang.org.models import Policy
        from zhaoshang.supervision.problems_demo import seed as seed_problems

        for name in ("xinfeng-2024", "testland-2024"):
            seed_problems(policy=Policy.objects.get(name=name), today=date(2024, 11, 20))
        # Carriers, zombie enterprises and an assignment (resources/demo.py), in each county and in
        # a county below the test city.
        from zhaoshang.resources.demo import seed as seed_resources

        for code in ("360722", "980100", "980121"):
            seed_resources(jurisdiction=Jurisdiction.objects.get(code=code), today=date(2024, 11, 20))
        # A break-glass superuser (the demo has none; docs/roles.md), for the tests that need one.
        User.objects.create_superuser("admin", password="x")


def _assessment_papers():
    """One of each thing the office enters for assessments, and a published and a draft run, so
    that the scoping tests have something to see or not see."""
    from datetime import date
    from decimal import Decimal

    from zhaoshang.assessment import models as am
    from zhaoshang.assessment import services
    from zhaoshang.ledger.models import Project
    from zhaoshang.org.models import Jurisdiction, Policy, Team

    policy = Policy.objects.get(name="testland-2024")
    team = Team.objects.get(policy=policy, key="group-1")
    common = {"jurisdiction": policy.jurisdiction, "policy": policy}
    am.MetricValue.objects.create(**common, holder_kind="team", team=team, metric="exports", period="2024-03",
                                  value=Decimal(12))  # fmt: skip
    am.SurveyScore.objects.create(
        **common, holder_kind="team", team=team, period="2024-H1", score=Decimal(95)
    )
    am.OfficeDecision.objects.create(**common, holder_kind="team", team=team, key="poor_information")
    am.AwardDecision.objects.create(**common, rule="rank-teams", grade="一等奖", amount_wan=Decimal(5))
    am.PersonReward.objects.create(**common, person="张三", amount_yuan=Decimal(3000), on=date(2024, 6, 1))
    county = Jurisdiction.objects.get(code="980121")
    project = Project.objects.filter(jurisdiction=county).first()
    am.ProjectEvaluation.objects.create(project=project, year=2024, in_statistics=True, tax_paid=False)
    am.ProjectTax.objects.create(project=project, month=date(2024, 5, 1), amount_wan=Decimal("12.5"))
    am.ProjectTransfer.objects.create(
        project=project, hosting=Jurisdiction.objects.get(code="980122"), agreed_on=date(2024, 5, 1)
    )
    # The office's release of a held reward (ledger/performance.py), one in each county.
    from zhaoshang.ledger.models import RewardRelease

    for p in (project, Project.objects.filter(jurisdiction__code="360722").order_by("pk").first()):
        RewardRelease.objects.create(
            project=p, released_on=date(2024, 6, 1), reason="测试：经研究同意先行兑现"
        )
    # A joint project in each county (where the demo data made none): its partner is another
    # enterprise of the same unit.
    from zhaoshang.ledger.models import Enterprise, ProjectPartner

    for jurisdiction_id in set(Project.objects.values_list("jurisdiction_id", flat=True)):
        if ProjectPartner.objects.filter(project__jurisdiction_id=jurisdiction_id).exists():
            continue
        for p in Project.objects.filter(jurisdiction_id=jurisdiction_id).order_by("pk")[:20]:
            partner = Enterprise.objects.filter(unit_id=p.unit_id).exclude(pk=p.enterprise_id).first()
            if partner is not None:
                ProjectPartner.objects.create(project=p, enterprise=partner, investment=Decimal(1000))
                break
    services.publish(services.run(policy, "2024-05"))
    services.run(policy, "2024-04")
    from zhaoshang.bulletins.services import request_bulletin

    request_bulletin(policy=policy, kind="notice", period="2024-05", inline=True)


def _audit_tables_may_be_emptied(sender, connection, **kwargs):
    # Django empties every table (TRUNCATE) after a transactional test; on PostgreSQL the audit
    # tables refuse TRUNCATE unless the session says so (audit/migrations/0002, docs/audit.md).
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET zhaoshang.audit_truncate = 'on'")


def pytest_configure(config):
    from django.db.backends.signals import connection_created

    connection_created.connect(_audit_tables_may_be_emptied, dispatch_uid="audit-truncate-in-tests")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _build_world()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Counts remembered by one test (core/filters.py) must not answer for the next.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True, scope="session")
def _force_login_is_a_finished_login():
    # client.force_login(user) gives the second factor too, as a finished login would;
    # force_login(user, second_factor=False) stops after the password (twofactor/testing.py).
    from zhaoshang.twofactor.testing import force_login_with_second_factor

    with force_login_with_second_factor():
        yield


@pytest.fixture
def users(db):
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def personas(users):
    """Every login with a role, plus the superuser."""
    return {name: u for name, u in users.items() if hasattr(u, "membership") or u.is_superuser}
