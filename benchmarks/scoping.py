"""Scoped list pages at province scale: a province office against one county office and one team clerk.

Builds a province with `demo-data --scale province` (default 100 counties; BENCH_COUNTIES to
change) in a scratch database (PostgreSQL when one answers at 127.0.0.1:5432, else SQLite;
BENCH_DATABASE_URL to choose) and reports, for the list pages and the API, how a province
office (every county) compares with one county's office and one team clerk: time and query
count per page. List pages must cost a constant number of queries whatever the scale.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from benchmarks.util import database_url, fresh_database


def main() -> int:
    url = database_url("zhaoshang_bench")
    fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("ZHAOSHANG_DATA", tempfile.mkdtemp())
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhaoshang.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from benchmarks.util import QueryCounter
    from zhaoshang.org.models import Jurisdiction, Membership, Team

    counties = int(os.environ.get("BENCH_COUNTIES", "100"))
    call_command("migrate", "--noinput", "-v0")
    started = time.perf_counter()
    call_command(
        "demo_data",
        "--policy",
        "xinfeng-2024",
        "--scale",
        "province",
        "--counties",
        str(counties),
        "--projects-per-holder",
        "3",
    )
    build = time.perf_counter() - started

    User = get_user_model()
    county = Jurisdiction.objects.filter(level="county").order_by("code").first()
    team = Team.objects.filter(jurisdiction=county).order_by("number").first()
    for name, role, kw in (
        ("bench-county-office", "office", {"jurisdiction": county}),
        ("bench-team", "team_clerk", {"jurisdiction": county, "team": team}),
    ):
        user = User.objects.create_user(name, password="x")
        Membership.objects.create(user=user, role=role, **kw)
    users = {
        "province office": User.objects.get(username="province-office"),
        "county office": User.objects.get(username="bench-county-office"),
        "team clerk": User.objects.get(username="bench-team"),
    }
    pages = [
        "/ledger/project/",
        "/ledger/project/?page=20",
        "/fieldwork/activity/",
        "/org/target/",
        "/api/projects/?limit=50",
    ]
    print(f"database: {connection.vendor}; counties: {counties}; build: {build:.1f} s")
    from zhaoshang.ledger.models import Project
    from zhaoshang.twofactor.testing import force_login_with_second_factor

    print(f"projects: {Project.objects.count()}")
    rows = []
    for page in pages:
        figures = {}
        for label, user in users.items():
            client = Client()
            with force_login_with_second_factor():  # an office login owes a second factor
                client.force_login(user)
            client.get(page)  # warm
            times = []
            for _ in range(5):
                with QueryCounter(connection) as ctx:
                    t = time.perf_counter()
                    response = client.get(page)
                    times.append(time.perf_counter() - t)
                assert response.status_code == 200, (page, label, response.status_code)
            figures[label] = (statistics.median(times), ctx.count)
        base_t, base_q = figures["county office"]
        rows.append((page, figures, base_t, base_q))
    print(f"{'page':32} {'role':16} {'ms':>8} {'x county':>9} {'queries':>8} {'x county':>9}")
    for page, figures, base_t, base_q in rows:
        for label, (t, q) in figures.items():
            print(f"{page:32} {label:16} {t * 1000:8.1f} {t / base_t:9.2f} {q:8d} {q / base_q:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
