"""Importing a large projects ledger, measured against only parsing the same file (goal: 2×).

Builds a county (xinfeng-2024 with a little demo data, so first-contact checks have registered
enterprises to compare with) in a scratch database (PostgreSQL when one answers at
127.0.0.1:5432, else SQLite; BENCH_DATABASE_URL to choose), writes a projects workbook of
BENCH_IMPORT_ROWS rows (default 100,000: every project new, half with a credit code, all
stages with their dates), then times, in the same run:

  parse     reading the sheet (python-calamine) into rows: `exchange.reader.read_sheet`
  import    the full import as the county office: validation, first-contact checks, bulk
            inserts of enterprises, projects and stage changes, and one change-log row each
  reimport  the same file again: every row compared, nothing written
  db-floor  (PostgreSQL) the database alone writing what the import wrote: the same rows copied
            table to table inside the server, no Python per row, constraints checked at once,
            then rolled back. What no importer can go below on this machine.

Run: `.venv/bin/python -m benchmarks.ledger_import`.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

from benchmarks.util import database_url, fresh_database


def _setup() -> None:
    url = database_url("zhaoshang_bench_import")
    fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("ZHAOSHANG_DATA", tempfile.mkdtemp())
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhaoshang.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", "-v0")


WORDS = ["新能源", "电子信息", "智能制造", "新材料", "生物医药", "现代农业", "文化旅游", "现代物流"]
PLACES = ["深圳", "东莞", "厦门", "宁波", "苏州", "合肥", "长沙", "成都"]


def write_workbook(path, rows: int, units: list[str], seed: int = 2024) -> None:
    """A projects sheet in the import layout: each row a new project of a new enterprise."""
    from openpyxl import Workbook

    from zhaoshang.exchange.layouts import PROJECTS
    from zhaoshang.ledger import uscc

    rng = random.Random(seed)
    today = date.today()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(PROJECTS.sheet)
    ws.append(PROJECTS.headers)
    stages = ["线索", "在谈", "实质性谈判", "签约", "开工", "投产"]
    for i in range(rows):
        industry = rng.choice(WORDS)
        stage = rng.choice(stages)
        signed = started = produced = None
        day = today - timedelta(days=rng.randint(200, 900))
        if stage in ("签约", "开工", "投产"):
            signed = day
        if stage in ("开工", "投产"):
            started = signed + timedelta(days=rng.randint(10, 60))
        if stage == "投产":
            produced = started + timedelta(days=rng.randint(30, 120))
        code = uscc.make("360722", f"B{i:07d}") if i % 2 == 0 else ""
        ws.append(
            [
                f"基准{industry}项目{i:06d}号",
                f"{rng.choice(PLACES)}市基准{i:06d}{industry}科技有限公司",
                code,
                units[i % len(units)],
                Decimal(rng.randint(500, 900000)) / 100,
                None,
                industry,
                "专精特新" if i % 7 == 0 else "",
                stage,
                signed,
                "正式签约" if signed else None,
                started,
                "实质性开工" if started else None,
                produced,
                "否",
                None,
            ]
        )
    wb.save(path)


def db_floor(first_ids: dict[str, int]) -> float | None:
    """Seconds PostgreSQL takes to write again the rows the import wrote (each table's rows with
    an id above `first_ids[table]`), inside one rolled-back transaction."""
    from django.db import connection, transaction

    from zhaoshang.core.models import ObjectChange
    from zhaoshang.ledger.models import Enterprise, Project, StageChange

    if connection.vendor != "postgresql":
        return None

    class Rollback(Exception):
        pass

    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys checked now, as a commit would
            for model in (Enterprise, Project, StageChange, ObjectChange):
                table = model._meta.db_table
                q = connection.ops.quote_name
                columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
                # A copy may not repeat a credit code (unique per county): it goes blank.
                values = ["''" if c == "uscc" else q(c) for c in columns]
                columns = [q(c) for c in columns]
                cur.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {table} "
                    f"WHERE id > %s ORDER BY id",
                    [first_ids[table]],
                )
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        return elapsed


def run() -> dict:
    _setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from zhaoshang.core.changelog import change_context
    from zhaoshang.core.models import ObjectChange
    from zhaoshang.demo.generator import generate_county
    from zhaoshang.engine import find_policy, load_policy
    from zhaoshang.exchange.importer import import_projects
    from zhaoshang.exchange.layouts import PROJECTS
    from zhaoshang.exchange.reader import read_sheet
    from zhaoshang.ledger.models import Project
    from zhaoshang.org.models import Team

    n = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    started = time.perf_counter()
    with change_context(source="system"):
        generate_county(
            spec=load_policy(find_policy("xinfeng-2024")),
            seed=7,
            projects_per_holder=1,
            activity_scale=0.05,
            report_months=1,
        )
    user = get_user_model().objects.get(username="office")
    units = sorted(
        {
            t.lead_unit.name
            for t in Team.objects.filter(policy__name="xinfeng-2024").select_related("lead_unit")
        }
    )
    path = os.path.join(tempfile.mkdtemp(), "ledger.xlsx")
    t = time.perf_counter()
    write_workbook(path, n, units)
    write_s = time.perf_counter() - t
    build_s = time.perf_counter() - started

    parses = []
    for _ in range(2):
        t = time.perf_counter()
        sheet = read_sheet(path, PROJECTS)
        parses.append(time.perf_counter() - t)
    assert len(sheet.rows) == n
    parse_s = min(parses)
    del sheet

    before = Project.objects.count(), ObjectChange.objects.count()
    from zhaoshang.ledger.models import Enterprise, StageChange

    first_ids = {
        m._meta.db_table: m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for m in (Enterprise, Project, StageChange, ObjectChange)
    }
    t = time.perf_counter()
    result = import_projects(path, user=user, filename="ledger.xlsx")
    import_s = time.perf_counter() - t
    assert result.ok, [str(e) for e in result.errors[:10]]
    assert result.created == n and Project.objects.count() == before[0] + n
    logged = ObjectChange.objects.count() - before[1]

    t = time.perf_counter()
    again = import_projects(path, user=user, filename="ledger.xlsx")
    reimport_s = time.perf_counter() - t
    assert again.ok and again.unchanged == n and again.created == again.updated == 0

    floor_s = db_floor(first_ids)

    size_mb = os.path.getsize(path) / 1e6
    print(f"database: {connection.vendor}; rows: {n}; file: {size_mb:.1f} MB (written in {write_s:.1f} s)")
    print(f"set-up: {build_s:.1f} s; {result.summary()}; change-log rows: {logged}")
    print(f"{'step':10} {'seconds':>8} {'x parse':>8} {'rows/s':>9}")
    steps = [("parse", parse_s), ("import", import_s), ("reimport", reimport_s)]
    if floor_s is not None:
        steps.append(("db-floor", floor_s))
    for label, seconds in steps:
        print(f"{label:10} {seconds:8.2f} {seconds / parse_s:8.2f} {n / seconds:9.0f}")
    goal = "met" if import_s <= 2 * parse_s else "not met"
    print(f"goal (import within 2x parse): {goal}")
    return {
        "database": connection.vendor,
        "rows": n,
        "parse_s": parse_s,
        "import_s": import_s,
        "reimport_s": reimport_s,
        "import_ratio": import_s / parse_s,
        "reimport_ratio": reimport_s / parse_s,
        "db_floor_s": floor_s,
    }


if __name__ == "__main__":
    run()
    sys.exit(0)
