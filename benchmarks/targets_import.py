"""Importing a large target-enterprise list (目标企业名录, issue 13 point 8), measured against only
reading the same file.

Builds a county (xinfeng-2024 with its demo data: a ledger and a target library to deduplicate
against) in a scratch database (PostgreSQL when one answers at 127.0.0.1:5432, else SQLite;
BENCH_DATABASE_URL to choose), writes a 目标企业名录 workbook of BENCH_TARGET_ROWS rows (default
100,000: half with a credit code, one in fifty a near-duplicate of an earlier row's name, lists,
chains and segments of the policy), then times, in the same run:

  parse    reading the sheet (python-calamine) into rows, as the import does first
  preview  the import's dry run: every row validated and matched (USCC, normalised name,
           rapidfuzz within two-character blocks), nothing kept
  import   the import itself: the same, and each target saved with its change-log entry

Prints rows per second and each against the parse. The web upload holds at most
ZHAOSHANG_TARGET_IMPORT_MAX_ROWS rows (5,000: its preview runs in the request); the benchmark
raises the limit for the run, as an operator would for a one-off load from the shell.

Run: `.venv/bin/python -m benchmarks.targets_import` (BENCH_TARGET_ROWS=5000 for a quick one).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta

from benchmarks.util import database_url, fresh_database

# Brand names of three characters from this pool (as 华星光, 金信诺): distinct enough that the
# fuzzy match (ZHAOSHANG_TARGET_MATCH_THRESHOLD) does not take them for one another, unlike numbered names.
POOL = "华星金信诺科翔达丰鸿宇振力世嘉天能铭利中微至博雅瑞恒泰和安康盛源兴旺德隆昌明辉光宏远通顺永福祥凯新创立威盈佳"
PLACES = ["深圳", "东莞", "厦门", "宁波", "苏州", "合肥", "长沙", "成都", "无锡", "佛山"]
TRADES = ["电子", "新材料", "精密", "智能装备", "新能源", "光电", "储能", "电路", "半导体", "汽车部件"]
LIST_LABELS = ["世界500强", "中国企业500强", "民营企业500强", "上市公司", "专精特新“小巨人”", "独角兽企业"]


def write_workbook(path, rows: int, chains: list[tuple[str, list[str]]], seed: int = 13) -> None:
    from openpyxl import Workbook

    from zhaoshang.ledger import uscc
    from zhaoshang.targets.exchange import COLUMNS, SHEET

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append([h for h, _, _ in COLUMNS])
    names: list[str] = []
    start = date(2024, 1, 1)
    for i in range(rows):
        if names and i % 50 == 49:
            name = names[rng.randrange(len(names))].replace("有限公司", "股份有限公司")  # a near-duplicate
        else:
            brand = "".join(rng.sample(POOL, 3))
            name = f"{rng.choice(PLACES)}{brand}{rng.choice(TRADES)}科技有限公司"
            names.append(name)
        chain, segments = chains[i % len(chains)]
        values = {
            "name": name,
            "uscc": uscc.make("440300", f"T{i:07d}") if i % 2 == 0 else "",
            "lists": "、".join(rng.sample(LIST_LABELS, rng.randint(0, 2))),
            "chain": chain,
            "segment": rng.choice(segments) if segments and i % 3 else "",
            "region": rng.choice(PLACES),
            "source": rng.choice(["购买名录", "上级推送", "以商招商", "展会"]),
            "team": "",
            "unit": "",
            "added_on": start + timedelta(days=rng.randint(0, 600)),
            "dropped_on": None,
            "notes": "",
        }
        ws.append([values[f] for _, f, _ in COLUMNS])
    wb.save(path)


def main() -> int:
    url = database_url("zhaoshang_bench_targets")
    fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("ZHAOSHANG_DATA", tempfile.mkdtemp())
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhaoshang.settings"
    rows = int(os.environ.get("BENCH_TARGET_ROWS", "100000"))
    os.environ["ZHAOSHANG_TARGET_IMPORT_MAX_ROWS"] = str(rows)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from zhaoshang.chains.models import ChainSegment, IndustryChain
    from zhaoshang.exchange.reader import open_workbook
    from zhaoshang.ledger.models import Enterprise
    from zhaoshang.targets.exchange import import_targets
    from zhaoshang.targets.models import TargetEnterprise

    call_command("migrate", "--noinput", "-v0")
    call_command("demo_data", "--policy", "xinfeng-2024")
    user = get_user_model().objects.get(username="office")  # the demo's one-policy logins
    county = IndustryChain.objects.order_by("pk").first().jurisdiction
    chains = [
        (c.name, list(ChainSegment.objects.filter(chain=c).values_list("name", flat=True)))
        for c in IndustryChain.objects.filter(jurisdiction=county)
    ]
    path = os.path.join(tempfile.mkdtemp(), "targets.xlsx")
    write_workbook(path, rows, chains)
    data = open(path, "rb").read()
    before = TargetEnterprise.objects.count()
    print(
        f"database: {connection.vendor}; rows: {rows}; file: {len(data) / 1e6:.1f} MB; "
        f"ledger enterprises: {Enterprise.objects.count()}; targets before: {before}"
    )

    t = time.perf_counter()
    open_workbook(data).get_sheet_by_index(0).to_python(skip_empty_area=False)
    parse = time.perf_counter() - t

    t = time.perf_counter()
    preview = import_targets(data, user=user, dry_run=True)
    dry = time.perf_counter() - t
    assert preview.ok, preview.errors[:5]

    t = time.perf_counter()
    result = import_targets(data, user=user)
    full = time.perf_counter() - t
    assert result.ok, result.errors[:5]
    created = TargetEnterprise.objects.count() - before
    print(f"created {result.created}, skipped {result.skipped}, linked to the ledger {result.linked}")
    assert created == result.created, (created, result.created)
    print(f"{'step':8} {'seconds':>8} {'rows/s':>8} {'x parse':>8}")
    for what, secs in (("parse", parse), ("preview", dry), ("import", full)):
        print(f"{what:8} {secs:8.1f} {rows / secs:8.0f} {secs / parse:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
