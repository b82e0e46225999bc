"""The chain map and the gap computation at province scale, against the SQL that lists the same
segments' counts (issue 13, point 8).

    .venv/bin/python -m benchmarks.chains     # BENCH_COUNTIES=100 BENCH_CHAIN_PROJECTS=1000000

Builds (PostgreSQL when one answers, else SQLite) a synthetic province organised like
xinfeng-2024 with `demo-data --scale province`, gives every county the three chains of
xinfeng-2024's `chains:` section (16 segments with their keywords and edges) and the province
office one chain over the whole province, then loads BENCH_CHAIN_PROJECTS projects with their
enterprises straight into the tables (COPY on PostgreSQL; benchmarks/ledger.py). Their 产业 is
drawn from the segments' keywords, GB/T 4754 codes and words no segment has; a third of the
projects leave their own 产业 empty (the enterprise's counts). One project in a hundred and one
enterprise in two hundred are placed on a segment by hand. BENCH_CHAIN_TARGETS targets
(default 100,000) fill the counties' target libraries (目标企业库): four in five on a segment of
their county's chains, one in ten already dropped from the library.

Measured, on BENCH_CHAIN_SAMPLE counties (default 5) and on the province chain:

- `chain_gaps` for each chain against one hand-written SQL statement per chain (`REFERENCE_SQL`)
  that computes every segment's live projects, local enterprises and targets in the library with
  the same placing rule (docs/chains.md) — goal within 2x; the counts must be equal, or the run
  exits 1;
- the chain list page and a chain map page, for a county office (its chain) and for the province
  office (the province chain), in milliseconds and queries (no goal: reported).

Each ratio is of two medians of samples taken in turn (benchmarks/ledger.py `_timed_pair`). A
smoke run at a tiny scale, where fixed costs dominate and the ratios say little:

    BENCH_DATABASE_URL=sqlite:////tmp/chains.sqlite3 BENCH_COUNTIES=2 BENCH_CHAIN_PROJECTS=3000 \\
        .venv/bin/python -m benchmarks.chains
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.ledger import _load_projects, _timed_pair

POLICY_FILE = Path(__file__).resolve().parents[1] / "policies" / "xinfeng-2024.yaml"
NOISE = ["纺织服装", "食品加工", "现代物流", "文化旅游", "建筑材料", "农产品加工"]
GOAL = 2.0

# One statement per chain: every segment's live projects and local enterprises, by the placing
# rule of chains/gaps.py. %(kw)s is a VALUES list of (segment id, pattern) rows, a keyword as
# '%word%' and a GB/T 4754 code as 'C398%'.
REFERENCE_SQL = """
WITH kw(segment_id, pattern) AS (VALUES {kw}),
pp AS (SELECT segment_id, project_id FROM chains_segmentplacement WHERE chain_id = %s AND project_id IS NOT NULL),
pe AS (SELECT segment_id, enterprise_id FROM chains_segmentplacement WHERE chain_id = %s AND enterprise_id IS NOT NULL),
proj AS (
  SELECT p.id, p.enterprise_id, p.stage,
         UPPER(COALESCE(NULLIF(p.industry, ''), e.industry, '')) AS ind
  FROM ledger_project p
  JOIN org_jurisdiction j ON j.id = p.jurisdiction_id
  JOIN ledger_enterprise e ON e.id = p.enterprise_id
  WHERE j.path LIKE %s
),
on_seg AS (
  SELECT pp.segment_id, proj.id, proj.enterprise_id, proj.stage FROM proj JOIN pp ON pp.project_id = proj.id
  UNION
  SELECT pe.segment_id, proj.id, proj.enterprise_id, proj.stage FROM proj JOIN pe ON pe.enterprise_id = proj.enterprise_id
  WHERE proj.id NOT IN (SELECT project_id FROM pp)
  UNION
  SELECT kw.segment_id, proj.id, proj.enterprise_id, proj.stage FROM proj JOIN kw ON proj.ind LIKE UPPER(kw.pattern)
  WHERE proj.id NOT IN (SELECT project_id FROM pp) AND proj.enterprise_id NOT IN (SELECT enterprise_id FROM pe)
),
live AS (
  SELECT segment_id, COUNT(*) AS n FROM on_seg
  WHERE stage IN ('lead', 'negotiating', 'substantive', 'signed', 'started') GROUP BY segment_id
),
tg AS (
  SELECT segment_id, COUNT(*) AS n FROM targets_targetenterprise
  WHERE added_on <= %s AND (dropped_on IS NULL OR dropped_on > %s) AND segment_id IS NOT NULL
  GROUP BY segment_id
),
local_ent AS (
  SELECT x.segment_id, COUNT(DISTINCT x.enterprise_id) AS n FROM (
    SELECT segment_id, enterprise_id FROM on_seg WHERE stage IN ('production', 'full_production')
    UNION
    SELECT segment_id, enterprise_id FROM pe
  ) x
  JOIN ledger_enterprise e ON e.id = x.enterprise_id
  JOIN org_jurisdiction j ON j.id = e.jurisdiction_id
  WHERE j.path LIKE %s
  GROUP BY x.segment_id
)
SELECT s.id, COALESCE(local_ent.n, 0), COALESCE(live.n, 0), COALESCE(tg.n, 0)
FROM chains_chainsegment s
LEFT JOIN live ON live.segment_id = s.id
LEFT JOIN tg ON tg.segment_id = s.id
LEFT JOIN local_ent ON local_ent.segment_id = s.id
WHERE s.chain_id = %s
ORDER BY s."order", s.id
"""


def reference_counts(chain) -> list[tuple[int, int, int, int]]:
    """(segment id, local enterprises, live projects, targets in the library today) for each
    segment of `chain`, by one SQL statement (REFERENCE_SQL)."""
    from django.db import connection
    from django.utils import timezone

    from zhaoshang.chains.gaps import CODE
    from zhaoshang.chains.models import ChainSegment

    rows, params = [], []
    for seg_id, words in ChainSegment.objects.filter(chain=chain).values_list("pk", "industries"):
        for w in words or []:
            w = str(w).strip()
            if w:
                rows.append("(%s, %s)")
                params += [seg_id, f"{w}%" if CODE.match(w) else f"%{w}%"]
    if not rows:
        rows, params = ["(%s, %s)"], [0, ""]  # no keyword at all: a row that matches no segment
    path = chain.jurisdiction.path + "%"
    sql = REFERENCE_SQL.format(kw=", ".join(rows))
    with connection.cursor() as cur:
        today = timezone.localdate()
        cur.execute(sql, [*params, chain.pk, chain.pk, path, today, today, path, chain.pk])
        return [tuple(r) for r in cur.fetchall()]


def orm_counts(chain) -> list[tuple[int, int, int, int]]:
    from zhaoshang.chains.gaps import chain_gaps

    return [(s.segment.pk, s.enterprises, s.live_projects, s.targets) for s in chain_gaps(chain).segments]


def add_targets(n: int, rng: random.Random) -> None:
    """`n` targets over the counties' libraries: four in five on a segment of a chain of their
    county, the rest on none; one in ten dropped from the library before today."""
    from datetime import timedelta

    from django.utils import timezone

    from zhaoshang.chains.models import ChainSegment
    from zhaoshang.org.models import Jurisdiction
    from zhaoshang.targets.models import TargetEnterprise

    today = timezone.localdate()
    counties = list(Jurisdiction.objects.filter(level="county").values_list("pk", flat=True))
    segs_of: dict[int, list[tuple[int, int]]] = {}
    for seg_id, chain_id, jur_id in ChainSegment.objects.filter(
        chain__jurisdiction__level="county"
    ).values_list("pk", "chain_id", "chain__jurisdiction_id"):
        segs_of.setdefault(jur_id, []).append((seg_id, chain_id))
    batch = []
    for i in range(n):
        jur = counties[i % len(counties)]
        seg_id = chain_id = None
        if rng.random() < 0.8 and segs_of.get(jur):
            seg_id, chain_id = rng.choice(segs_of[jur])
        added = today - timedelta(days=rng.randint(30, 900))
        dropped = added + timedelta(days=rng.randint(1, 20)) if rng.random() < 0.1 else None
        batch.append(
            TargetEnterprise(
                jurisdiction_id=jur, name=f"目标企业{i:06d}有限公司", chain_id=chain_id, segment_id=seg_id,
                lists=["listed"] if i % 7 == 0 else [], added_on=added, dropped_on=dropped,
            )
        )  # fmt: skip
        if len(batch) == 5000:
            TargetEnterprise.objects.bulk_create(batch)
            batch = []
    TargetEnterprise.objects.bulk_create(batch)


def _chains_for(jurisdiction, spec: list[dict], suffix: str = "") -> list:
    """The policy file's chains (segments, keywords, edges) under `jurisdiction`."""
    from zhaoshang.chains.models import ChainEdge, ChainSegment, IndustryChain

    made = []
    for c in spec:
        chain = IndustryChain.objects.create(
            jurisdiction=jurisdiction, key=c["key"] + suffix, name=c["name"], clause=c.get("clause", "")
        )
        segs = {
            s["key"]: ChainSegment.objects.create(
                chain=chain,
                key=s["key"],
                name=s["name"],
                stage=s.get("stage", "midstream"),
                industries=s.get("industries", []),
                order=i,
            )
            for i, s in enumerate(c["segments"])
        }
        for s in c["segments"]:
            for target in s.get("feeds", []):
                ChainEdge.objects.create(chain=chain, source=segs[s["key"]], target=segs[target])
        made.append(chain)
    return made


def build(counties: int, n_projects: int, seed: int = 7, after=None, n_targets: int = 0) -> None:
    """The province, its chains, projects and placements (module docstring). `after(rng)`, when
    given, runs last (another benchmark adds its records)."""
    import yaml
    from django.core.management import call_command
    from django.db import connection

    from zhaoshang.chains.models import ChainSegment, IndustryChain, SegmentPlacement
    from zhaoshang.ledger.models import Project
    from zhaoshang.org.models import Jurisdiction

    rng = random.Random(seed)
    spec = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))["chains"]
    call_command(
        "demo_data", "--policy", "xinfeng-2024", "--scale", "province", "--counties", str(counties),
        "--projects-per-holder", "0",
    )  # fmt: skip
    IndustryChain.objects.all().delete()  # the policy's own county chains: every county gets the same below
    for county in Jurisdiction.objects.filter(level="county").order_by("code"):
        _chains_for(county, spec)
    _chains_for(Jurisdiction.objects.get(code="990000"), spec[:1], suffix="-province")

    words = [w for c in spec for s in c["segments"] for w in s.get("industries", [])]
    vocabulary = [*words, *NOISE, *NOISE]

    def industry_of(i, r):
        ent = r.choice(vocabulary)
        ent = f"{ent}（含{r.choice(NOISE)}）" if r.random() < 0.2 else ent
        return ent, ("" if r.random() < 0.33 else r.choice(vocabulary))

    _load_projects(n_projects, seed=seed, industry_of=industry_of)

    # Placements by hand: 1 project in 100, 1 enterprise in 200, on a segment of a chain of its county.
    segs_of: dict[int, list[tuple[int, int]]] = {}
    for seg_id, chain_id, jur_id in ChainSegment.objects.filter(
        chain__jurisdiction__level="county"
    ).values_list("pk", "chain_id", "chain__jurisdiction_id"):
        segs_of.setdefault(jur_id, []).append((seg_id, chain_id))
    placements, seen = [], set()
    for pid, eid, jur_id in Project.objects.values_list("pk", "enterprise_id", "jurisdiction_id").order_by(
        "pk"
    ):
        choices = segs_of.get(jur_id)
        if not choices:
            continue
        roll = rng.random()
        if roll < 0.01:
            seg_id, chain_id = rng.choice(choices)
            placements.append(SegmentPlacement(chain_id=chain_id, segment_id=seg_id, project_id=pid))
        elif roll < 0.015 and eid not in seen:
            seen.add(eid)
            seg_id, chain_id = rng.choice(choices)
            placements.append(SegmentPlacement(chain_id=chain_id, segment_id=seg_id, enterprise_id=eid))
    SegmentPlacement.objects.bulk_create(placements, batch_size=5000)
    add_targets(n_targets, rng)
    if after:
        after(rng)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE")


def main() -> int:
    from benchmarks.util import database_url, fresh_database

    url = database_url("zhaoshang_bench_chains")
    reuse = os.environ.get("BENCH_REUSE") == "1"
    if not reuse:
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
    from zhaoshang.chains.models import IndustryChain, SegmentPlacement
    from zhaoshang.ledger.models import Project
    from zhaoshang.org.models import Jurisdiction, Membership
    from zhaoshang.targets.models import TargetEnterprise
    from zhaoshang.twofactor.testing import force_login_with_second_factor

    counties = int(os.environ.get("BENCH_COUNTIES", "100"))
    n_projects = int(os.environ.get("BENCH_CHAIN_PROJECTS", "1000000"))
    sample = int(os.environ.get("BENCH_CHAIN_SAMPLE", "5"))
    n_targets = int(os.environ.get("BENCH_CHAIN_TARGETS", "100000"))
    call_command("migrate", "--noinput", "-v0")
    t0 = time.perf_counter()
    if not (reuse and Project.objects.count() >= n_projects):
        build(counties, n_projects, n_targets=n_targets)
    t1 = time.perf_counter()
    print(
        f"database: {connection.vendor}; counties: {counties}; projects: {Project.objects.count()}; "
        f"chains: {IndustryChain.objects.count()}; placements: {SegmentPlacement.objects.count()}; "
        f"targets: {TargetEnterprise.objects.count()}"
    )
    print(f"build: {t1 - t0:.1f} s")
    print(f"goal: chain_gaps within {GOAL:g}x of the reference SQL, the same counts")
    print(f"{'chain':34} {'projects':>9} {'ms':>8} {'SQL ms':>8} {'ratio':>6} {'queries':>8}  result")

    province = Jurisdiction.objects.get(code="990000")
    picked = list(Jurisdiction.objects.filter(level="county").order_by("code")[:sample])
    failed = mismatched = 0
    for jur in [*picked, province]:
        chains = list(IndustryChain.objects.filter(jurisdiction=jur).select_related("jurisdiction"))
        n = Project.objects.filter(jurisdiction__path__startswith=jur.path).count()
        for chain in chains:
            if orm_counts(chain) != reference_counts(chain):
                mismatched += 1
                print(f"{jur.name}·{chain.name}: counts differ from the reference SQL", file=sys.stderr)
                print(
                    f"  chain_gaps: {orm_counts(chain)}\n  SQL:        {reference_counts(chain)}",
                    file=sys.stderr,
                )
                continue
            with QueryCounter(connection) as ctx:
                orm_counts(chain)
            orm, ref = _timed_pair(
                lambda c=chain: orm_counts(c), lambda c=chain: reference_counts(c), repeat=7
            )
            ok = orm / ref <= GOAL
            failed += not ok
            label = f"{jur.name}·{chain.name}"
            print(
                f"{label[:34]:34} {n:9d} {orm * 1000:8.1f} {ref * 1000:8.1f} {orm / ref:6.2f} {ctx.count:8d}  "
                f"{'PASS' if ok else 'FAIL'}"
            )

    User = get_user_model()
    for who, where in (("county", picked[0]), ("province", province)):
        user, _ = User.objects.get_or_create(username=f"bench-chains-{who}-office")
        Membership.objects.get_or_create(user=user, role="office", jurisdiction=where)
        client = Client()
        with force_login_with_second_factor():  # an office login owes a second factor
            client.force_login(user)
        chain = IndustryChain.objects.filter(jurisdiction=where).order_by("pk").first()
        print(f"\n{f'page ({who} office)':34} {'ms':>8} {'queries':>8}")
        for what, page_url in (
            ("chain list (25 a page)", "/chains/industrychain/"),
            (f"chain map ({who} chain)", f"/chains/industrychain/{chain.pk}/"),
        ):
            with QueryCounter(connection) as ctx:
                response = client.get(page_url)
            assert response.status_code == 200, (page_url, response.status_code)
            times = []
            for _ in range(3):
                t = time.perf_counter()
                client.get(page_url)
                times.append(time.perf_counter() - t)
            print(f"{what:34} {sorted(times)[1] * 1000:8.1f} {ctx.count:8d}")
    if mismatched:
        print(f"chains: FAIL ({mismatched} chains counted differently from the reference SQL)")
        return 1
    print(f"chains: {'PASS' if not failed else f'FAIL ({failed} chains over {GOAL:g}x)'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
