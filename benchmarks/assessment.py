"""The monthly assessment of a whole province, against one hand-written SQL statement that
computes the same per-holder figures.

    .venv/bin/python -m benchmarks.assessment     # BENCH_COUNTIES=100 BENCH_PROJECTS=1000000
                                                  # BENCH_ACTIVITIES=10000000 BENCH_PERIOD=2024-06

Builds (PostgreSQL when one answers, else SQLite; database `zhaoshang_bench_assessment`), in a
process of its own, a synthetic province of BENCH_COUNTIES counties, each under its own copy of
xinfeng-2024 (59 units and 15 teams: 7,400 holders for 100 counties, 5,900 of them units), then
writes straight into the tables (COPY on PostgreSQL) BENCH_PROJECTS projects registered over
2023-09..2024-12 with their stage dates and attributes, their monthly actual investment (8 %
shared with another unit), and BENCH_ACTIVITIES activities over 2024 (trips with the visits made
on them, local visits, receptions, promotion events with the projects signed there, meetings of
each kind; 60 % led by the unit's head), plus leads. About 20 minutes; BENCH_REUSE=1 measures
again on the database a previous run built.

Measures, for BENCH_PERIOD (data as of its last day), in this order:
- (a) the platform: every county policy's assessment as `services.compute` makes it (facts,
  engine, forecast), with the province's facts gathered at once (`facts.gather_many`): wall
  time, split into gathering and engine, and the growth of the process's peak RSS (getrusage
  ru_maxrss; nothing big ran before it in this process);
- (b) one hand-written SQL statement returning every holder's figures by month as rows (holder,
  month, metric, head-led, value: actual investment, signings, starts and the other project
  counts, project states, every field-work metric with its head-led variant, leads, reports),
  fetched in full, median of 3; and the same counted in the server without fetching;
- a check that (b)'s figures equal the gatherer's `MetricFact`s (from the timed run) for every
  holder of three counties: the two sides did the same work, or the benchmark fails;
- the same assessment one county after another (`facts.gather` per county, as the platform runs
  today), on BENCH_SAMPLE counties (5), scaled to the province;
- (a) again under tracemalloc for the peak of Python's allocations (tracing slows it down).

PostgreSQL's JIT is switched off for the session (both sides): compiling these statements of
many conditional aggregates costs more than it saves (30 of 33 s of the SQL with the server's
default). BENCH_JIT=on keeps the server's setting.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate

DB_NAME = "zhaoshang_bench_assessment"
YEAR_START, YEAR_END = date(2024, 1, 1), date(2024, 12, 31)


# --- building the province ---------------------------------------------------------------------


class _Copier:
    """Rows to one table, in chunks: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, cursor, vendor: str, table: str, cols: str, chunk: int = 200_000):
        self.cur, self.vendor, self.table, self.cols, self.chunk = cursor, vendor, table, cols, chunk
        self.buf: list[str] = []
        self.rows = 0

    def add(self, line: str) -> None:
        self.buf.append(line)
        if len(self.buf) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.buf:
            return
        if self.vendor == "postgresql":
            with self.cur.cursor.copy(f"COPY {self.table} ({self.cols}) FROM STDIN") as copy:
                copy.write("".join(self.buf))
        else:
            nulls = {"\\N": None, "t": 1, "f": 0}  # SQLite keeps booleans as 1 / 0
            rows = [[nulls.get(v, v) for v in line.rstrip("\n").split("\t")] for line in self.buf]
            marks = ", ".join(["%s"] * len(rows[0]))
            self.cur.executemany(f"INSERT INTO {self.table} ({self.cols}) VALUES ({marks})", rows)
        self.rows += len(self.buf)
        self.buf = []


def _next_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def _months(start: date, end: date) -> list[date]:
    out, m = [], date(start.year, start.month, 1)
    while m <= end:
        out.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def _month_end(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1) - timedelta(days=1)


def _load(n_projects: int, n_activities: int, seed: int = 5) -> dict[str, int]:
    """Projects, investment, activities and leads for every county of the province."""
    from django.db import connection
    from django.utils import timezone

    from zhaoshang.fieldwork.models import MEETING_KINDS, REGIONS, TARGET_REGIONS, Activity, Lead
    from zhaoshang.ledger.models import PROJECT_ATTRIBUTES, Enterprise, Investment, Project
    from zhaoshang.org.models import Policy, Team, Unit

    rng = random.Random(seed)
    rand, randint = rng.random, rng.randint
    now = timezone.now().isoformat()
    # Every county unit is a holder; a unit in a team works for that team.
    policies = list(
        Policy.objects.filter(jurisdiction__level="county", jurisdiction__path__startswith="990000/")
    )
    team_of = {}
    for t in Team.objects.filter(policy__in=policies).prefetch_related("member_units"):
        for u in [t.lead_unit_id, *[m.pk for m in t.member_units.all()]]:
            team_of[u] = t.pk
    actors = [
        (u, j, team_of.get(u))
        for u, j in Unit.objects.filter(jurisdiction__in=[p.jurisdiction_id for p in policies])
        .order_by("jurisdiction_id", "pk")
        .values_list("pk", "jurisdiction_id")
    ]
    by_county: dict[int, list[tuple]] = {}
    for a in actors:
        by_county.setdefault(a[1], []).append(a)
    N = "\\N"

    def tid(t):
        return N if t is None else t

    counts = {}
    big = ("ledger_project", "ledger_investment", "fieldwork_activity", "fieldwork_lead")
    with connection.cursor() as cur:
        indexes = []
        if connection.vendor == "postgresql":
            # A scratch database filled in one go: no foreign-key triggers row by row (the rows
            # are consistent by construction; checked at the end), and the plain indexes of the
            # big tables built once at the end rather than row by row.
            cur.execute("SET session_replication_role = replica")
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [list(big)],
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
        ent_cols = (
            "id, created, updated, jurisdiction_id, name, short_name, former_names, uscc, industry, hq_region, "
            "tags, unit_id, team_id, listed_exchange, listed_code, search_key, zombie_class"
        )
        proj_cols = (
            "id, created, updated, jurisdiction_id, name, enterprise_id, industry, category, total_investment, "
            "foreign_investment_usd, attributes, stage, unit_id, team_id, registered_on, signed_on, signing_kind, "
            "started_on, start_kind, production_on, full_production_on, terminated_on, termination_reason, "
            "contract_start_due, signed_at_event, chain, channel, host_unit_id, responsible_leader_id, task_force, "
            "plan, land_mu, tax_per_mu, search_key, attributes_excluded"
        )
        inv_cols = "id, created, updated, jurisdiction_id, project_id, month, amount, unit_id, team_id"
        ents = _Copier(cur, connection.vendor, "ledger_enterprise", ent_cols)
        projs = _Copier(cur, connection.vendor, "ledger_project", proj_cols)
        invs = _Copier(cur, connection.vendor, "ledger_investment", inv_cols)
        stages = ["lead", "negotiating", "substantive", "signed", "started", "production", "full_production",
                  "terminated"]  # fmt: skip
        stage_cum = list(accumulate([18, 18, 12, 16, 14, 12, 5, 5]))
        advanced = {"signed", "started", "production", "full_production"}
        attrs = list(PROJECT_ATTRIBUTES)
        reg_start, end = date(2023, 9, 1), YEAR_END
        span_days = (end - reg_start).days
        first_eid, first_pid, inv_id = _next_id(Enterprise), _next_id(Project), _next_id(Investment)
        projects_of: dict[int, list[int]] = {}  # county → signed project ids, for events
        eid = first_eid - 1
        for i in range(n_projects):
            unit, jur, team = actors[i % len(actors)]
            pid = first_pid + i
            if i % 4 == 0:  # an enterprise brings four projects
                eid += 1
                ents.add(f"{eid}\t{now}\t{now}\t{jur}\t企业{eid}有限公司\t企业{eid}\t[]\t\t电子信息\t\t[]\t{unit}"
                         f"\t{tid(team)}\t\t\tqy{eid}\t\n")  # fmt: skip
            stage = stages[bisect(stage_cum, rand() * stage_cum[-1])]
            reg = reg_start + timedelta(days=int(rand() * span_days))
            signed = started = production = full = terminated = due = None
            if stage in advanced:
                signed = reg + timedelta(days=int(rand() * ((end - reg).days + 1)))
                if stage != "signed":
                    started = signed + timedelta(days=int(rand() * ((end - signed).days + 1)))
                    if stage in ("production", "full_production"):
                        production = started + timedelta(days=int(rand() * ((end - started).days + 1)))
                        full = production if stage == "full_production" else None
                else:
                    due = signed + timedelta(days=randint(60, 400))
            elif stage == "terminated":
                terminated = reg + timedelta(days=int(rand() * ((end - reg).days + 1)))
            # Log-uniform total investment, 800 万元 to 60 亿元: mostly modest, a few very large.
            total = round(800 * 750 ** rand(), 2)
            r = rand()
            attributes = [] if r < 0.7 else rng.sample(attrs, 1 if r < 0.9 else 2)
            attr_json = "[" + ", ".join(f'"{a}"' for a in attributes) + "]"
            signing_kind = rng.choice(("intent", "contract_review", "formal")) if signed else ""
            start_kind = rng.choice(("ceremony", "substantive")) if started else ""
            at_event = "t" if signed and rand() < 0.15 else "f"
            projs.add(
                f"{pid}\t{now}\t{now}\t{jur}\t企业{eid}项目{i}\t{eid}\t电子信息\tindustry\t{total:.2f}\t{N}\t{attr_json}"
                f"\t{stage}\t{unit}\t{tid(team)}\t{reg}\t{signed or N}\t{signing_kind}\t{started or N}\t{start_kind}"
                f"\t{production or N}\t{full or N}\t{terminated or N}\t\t{due or N}\t{at_event}\t电子信息\tchain\t{N}"
                f"\t{N}\t\t\t{N}\t{N}\tqyxm\t[]\n"
            )
            if signed:
                projects_of.setdefault(jur, []).append(pid)
            if started:
                remaining = total
                for month in _months(started, end):
                    if remaining <= 0:
                        break
                    amount = min(remaining, round(total * (0.03 + 0.12 * rand()), 2))
                    u, t = unit, team
                    if rand() < 0.08:  # shared with another unit of the county (附件3 §三(三))
                        u, _, t = rng.choice(by_county[jur])
                        if u == unit:
                            u, t = unit, team
                    invs.add(f"{inv_id}\t{now}\t{now}\t{jur}\t{pid}\t{month}\t{amount:.2f}\t{u}\t{tid(t)}\n")
                    inv_id += 1
                    remaining = round(remaining - amount, 2)
        for c in (ents, projs, invs):
            c.flush()
        counts.update(enterprises=ents.rows, projects=projs.rows, investments=invs.rows)

        # Activities, month by month so that the counties' rows interleave as they would when
        # logged; a trip's visits follow it. Each actor gets the same expected share.
        act_cols = (
            "id, created, updated, jurisdiction_id, kind, unit_id, team_id, date, days, leader, head_led, members, "
            "region, place, trip_id, enterprise_id, enterprise_name, counterpart, merchant, merchants_invited, "
            "on_site, cost_yuan, summary, minutes, meeting_kind"
        )
        acts = _Copier(cur, connection.vendor, "fieldwork_activity", act_cols)
        m2m = _Copier(cur, connection.vendor, "fieldwork_activity_projects_signed", "activity_id, project_id")
        lead_cols = (
            "id, created, updated, jurisdiction_id, unit_id, team_id, reported_on, title, enterprise_name, industry, "
            "planned_investment, content, activity_id, status, valuable, grade, points, screened_at, screening_note, "
            "screened_by_id, enterprise_id, project_id"
        )
        leads = _Copier(cur, connection.vendor, "fieldwork_lead", lead_cols)
        meeting_kinds = [k for k, _ in MEETING_KINDS]
        kinds = [str(k) for k in Activity.Kind.values]
        assert kinds == ["outbound_trip", "visit", "reception", "promotion_event", "meeting"], kinds
        kind_cum = list(accumulate([3.0, 6.0, 2.0, 0.3, 1.0]))
        regions = [r for r, _ in REGIONS if r != "local"]
        target = list(TARGET_REGIONS)
        months = _months(YEAR_START, YEAR_END)
        # A trip brings 1.5 visits with it on average: rows per actor-month, trips' visits included.
        per_actor_month = n_activities / (len(actors) * len(months))
        first_kind_rows = per_actor_month / (1 + 1.5 * kind_cum[0] / kind_cum[-1])
        aid, lead_id = _next_id(Activity), _next_id(Lead)
        for month in months:
            days = [str(month + timedelta(days=d)) for d in range((_month_end(month) - month).days + 1)]
            for unit, jur, team in actors:
                n = int(first_kind_rows * 2 * rand() + 0.5)
                for _ in range(n):
                    kind = kinds[bisect(kind_cum, rand() * kind_cum[-1])]
                    on = days[int(rand() * len(days))]
                    head = "t" if rand() < 0.6 else "f"
                    away, region, merchants, cost, meeting = 1, "", 0, N, ""
                    if kind == "outbound_trip":
                        away, region, cost = randint(2, 5), rng.choice(regions), randint(20, 120) * 100
                    elif kind == "promotion_event":
                        region = "local" if rand() < 0.5 else rng.choice(target)
                        merchants = randint(3, 12)
                    elif kind == "meeting":
                        meeting = rng.choice(meeting_kinds)
                    acts.add(f"{aid}\t{now}\t{now}\t{jur}\t{kind}\t{unit}\t{tid(team)}\t{on}\t{away}\t\t{head}\t"
                             f"\t{region}\t\t{N}\t{N}\t\t\t\t{merchants}\tf\t{cost}\t\t\t{meeting}\n")  # fmt: skip
                    trip = aid
                    aid += 1
                    if kind == "outbound_trip":
                        for _ in range(randint(0, 3)):
                            acts.add(f"{aid}\t{now}\t{now}\t{jur}\tvisit\t{unit}\t{tid(team)}\t{on}\t1\t\t{head}\t"
                                     f"\t\t\t{trip}\t{N}\t\t\t\t0\tf\t{N}\t\t\t\n")  # fmt: skip
                            aid += 1
                    elif kind == "promotion_event" and rand() < 0.3 and projects_of.get(jur):
                        for p in set(rng.choices(projects_of[jur], k=randint(1, 3))):
                            m2m.add(f"{trip}\t{p}\n")
                for _ in range(randint(0, 4)):
                    r = rand()
                    status = "submitted" if r < 0.15 else "invalid" if r < 0.35 else "valid"
                    valuable = "t" if status == "valid" and rand() < 0.5 else "f"
                    on = days[int(rand() * len(days))]
                    leads.add(
                        f"{lead_id}\t{now}\t{now}\t{jur}\t{unit}\t{tid(team)}\t{on}\t线索{lead_id}\t\t电子信息\t5000\t"
                        f"拟投资\t{N}\t{status}\t{valuable}\t\t0\t{N}\t\t{N}\t{N}\t{N}\n"
                    )
                    lead_id += 1
        for c in (acts, m2m, leads):
            c.flush()
        counts.update(activities=acts.rows, signed_at_events=m2m.rows, leads=leads.rows)
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = origin")
            cur.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in indexes:
                cur.execute(definition)
            for child, col, parent in (
                ("ledger_project", "enterprise_id", "ledger_enterprise"),
                ("ledger_project", "unit_id", "org_unit"),
                ("ledger_investment", "project_id", "ledger_project"),
                ("fieldwork_activity", "trip_id", "fieldwork_activity"),
                ("fieldwork_activity", "unit_id", "org_unit"),
                ("fieldwork_activity", "team_id", "org_team"),
                ("fieldwork_activity_projects_signed", "activity_id", "fieldwork_activity"),
                ("fieldwork_activity_projects_signed", "project_id", "ledger_project"),
                ("fieldwork_lead", "unit_id", "org_unit"),
            ):
                cur.execute(
                    f"SELECT count(*) FROM {child} c WHERE c.{col} IS NOT NULL "
                    f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c.{col})"
                )
                assert cur.fetchone()[0] == 0, (child, col)
            for table in ("ledger_enterprise", "ledger_project", "ledger_investment", "fieldwork_activity",
                          "fieldwork_activity_projects_signed", "fieldwork_lead"):  # fmt: skip
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            cur.execute("VACUUM ANALYZE")
    return counts


def build(counties: int, n_projects: int, n_activities: int) -> None:
    """The organisation (generate_province, without its own projects and field work), then the
    bulk rows."""
    from zhaoshang.demo.generator import generate_province
    from zhaoshang.engine import find_policy, load_policy

    t0 = time.perf_counter()
    spec = load_policy(find_policy("xinfeng-2024"))
    generate_province(spec=spec, seed=2024, counties=counties, projects_per_holder=0, activity_scale=0)
    t1 = time.perf_counter()
    counts = _load(n_projects, n_activities)
    t2 = time.perf_counter()
    made = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    print(f"build: organisation {t1 - t0:.1f} s; bulk rows {t2 - t1:.1f} s ({made})", flush=True)


# --- the hand-written SQL ----------------------------------------------------------------------

# What each figure counts, as one would write it by hand: (metric, SQL condition, SQL value).
# The conditions mirror PROJECT_METRICS / STATE_METRICS (assessment/facts.py) and FIELD_METRICS
# (fieldwork/quotas.py); the check in `measure` fails when they drift apart.
# An attribute is the project's own, or one its enterprise's class (企业类别), listing or 外资 of
# 2亿美元以上 gives it that the office has not excluded (ledger.models.effective_attributes).
_CLASS = {"world500": "世界500强", "china500": "中国500强", "private500": "民营500强", "listed_company": "上市公司",
          "head_enterprise": "头部企业", "srdi": "专精特新"}  # fmt: skip


def _has(*attrs: str) -> str:
    own = "attributes ?| array[" + ", ".join(f"'{a}'" for a in attrs) + "]"
    derived = []
    for a in attrs:
        given = []
        if a in _CLASS:
            given.append(f"e.tags ? '{_CLASS[a]}'")
        if a == "listed_company":
            given.append("e.listed_exchange <> ''")
        if given:
            derived.append(
                f"(EXISTS (SELECT 1 FROM ledger_enterprise e WHERE e.id = enterprise_id AND ({' OR '.join(given)})) "
                f"AND NOT attributes_excluded ? '{a}')"
            )
        if a == "foreign_over_200m_usd":
            derived.append(f"(foreign_investment_usd >= 20000 AND NOT attributes_excluded ? '{a}')")
    return "(" + " OR ".join([own, *derived]) + ")"


_LISTED = _has("listed_company", "listed_manufacturing")
_RANK500 = _has("world500", "china500", "private500")
# xinfeng-2024's priority industries (`priority_industries`) make a project of one a chain project
# unless the office excludes it; the projects built here all carry an 产业 of their own.
_PRIORITY = (
    "array['%%电子信息%%', '%%装备制造%%', '%%新能源%%', '%%农特产品精深加工%%', '%%大健康%%', '%%文旅%%']"
)
_CHAIN = (
    "(attributes ?| array['chain_project', 'talent_tech_transfer'] "
    f"OR (industry ILIKE ANY ({_PRIORITY}) AND NOT attributes_excluded ? 'chain_project'))"
)
SIGNED = [
    ("projects_signed", "true", "1"),
    ("signed_investment", "true", "total_investment"),  # a sum of money: kept even when 0
    # xinfeng-2024 words its sizes with 超 (metrics[].projects): strictly over the number.
    ("projects_over_100m", "total_investment > 10000", "1"),
    ("projects_over_1bn", "total_investment > 100000", "1"),
    ("chain_projects_over_1bn", f"{_CHAIN} AND total_investment > 100000", "1"),
    ("projects_over_1bn_signed", "total_investment >= 100000", "1"),
    ("listed_companies", _LISTED, "1"),
    ("signed_listed_projects", _LISTED, "1"),
    ("listed_signed", _LISTED, "1"),
    ("rank500_enterprises", _RANK500, "1"),
    ("signed_rank500_projects", _RANK500, "1"),
    ("head_enterprises", _has("head_enterprise"), "1"),
    ("signed_head_enterprise_projects", _has("head_enterprise"), "1"),
    ("quality_projects", _has("quality_project"), "1"),
    ("chain_projects", _CHAIN, "1"),
    ("signed_chain_projects", _CHAIN, "1"),
    ("srdi_projects_over_1bn", f"{_has('srdi')} AND total_investment > 100000", "1"),
    ("signed_lead_industry_projects", "attributes ? 'leading_industry'", "1"),
    # 001 附件§一(一) 实质性签约: a formal signing, in its month (a signing without a kind is formal).
    ("signings_substantive", "signing_kind IN ('formal', '')", "1"),
    ("event_signed_projects", "signed_at_event", "1"),
    ("signings_intent", "signing_kind = 'intent'", "1"),
    ("signings_contract_sent", "signing_kind = 'contract_review'", "1"),
    ("agreements_in_review", "signing_kind IN ('contract_review', 'formal', '')", "1"),
    ("projects_over_1bn_signing", "total_investment >= 100000 AND signing_kind <> 'intent'", "1"),
]
STARTED = [
    ("projects_started", "true", "1"),
    ("new_projects_landed", "true", "1"),
    ("projects_landed", "true", "1"),
    ("projects_over_20m_started", "total_investment > 2000", "1"),
    ("projects_500m_to_1bn", "total_investment >= 50000 AND total_investment < 100000", "1"),
    ("projects_1bn_to_2bn", "total_investment >= 100000 AND total_investment < 200000", "1"),
    ("industrial_projects_over_2bn", "total_investment >= 200000 AND category = 'industry'", "1"),
    ("groundbreaking_ceremonies", "start_kind = 'ceremony'", "1"),
    ("substantive_starts", "start_kind = 'substantive'", "1"),
]
PRODUCING = [("projects_in_production", "true", "1")]
STATES = [  # on the stage each project was in on the as-of day (`stage_then`, from its history)
    ("key_projects_in_negotiation",
     f"stage_then IN ('negotiating', 'substantive') AND ({_has('key_project')} OR total_investment >= 100000)",
     "1"),
    # 001 §二 6月 进入实质性谈判: 实质性谈判 or beyond on the day.
    ("listed_in_negotiation",
     f"stage_then IN ('substantive', 'signed', 'started', 'production', 'full_production') AND {_LISTED}", "1"),
]  # fmt: skip
# A project's stage on the as-of day: its latest change on or before it, else what its first
# change left, else (no history) its stage now.
STAGE_THEN = (
    "(SELECT p.*, COALESCE("
    '(SELECT c.to_stage FROM ledger_stagechange c WHERE c.project_id = p.id AND c."on" <= %(as_of)s '
    'ORDER BY c."on" DESC, c.id DESC LIMIT 1), '
    '(SELECT c.from_stage FROM ledger_stagechange c WHERE c.project_id = p.id AND c."on" > %(as_of)s '
    'ORDER BY c."on", c.id LIMIT 1), p.stage) AS stage_then FROM ledger_project p) AS p'
)
_WORK_DAYS = (
    "kind IN ('outbound_trip', 'reception', 'promotion_event') OR (kind = 'visit' AND trip_id IS NULL)"
)
ACTIVITIES = [  # each also led by the unit's head
    ("outbound_trips", "kind = 'outbound_trip'", "1"),
    ("head_outbound_trips", "kind = 'outbound_trip' AND head_led", "1"),
    ("outbound_days", "kind = 'outbound_trip'", "days"),
    ("investment_work_days", _WORK_DAYS, "days"),
    ("enterprise_visits", "kind = 'visit'", "1"),
    ("merchant_batches_invited", "kind = 'reception'", "1"),
    ("receptions", "kind = 'reception'", "1"),
    ("promotion_events", "kind = 'promotion_event'", "1"),
    ("promotion_events_local", "kind = 'promotion_event' AND region = 'local'", "1"),
    ("promotion_events_target_region",
     "kind = 'promotion_event' AND region IN ('jingjinji', 'yangtze_delta', 'pearl_delta', 'southeast_fujian')", "1"),
    ("event_merchants_invited", "kind = 'promotion_event'", "merchants_invited"),
    ("progress_meetings", "kind = 'meeting'", "1"),
    ("scheduling_meetings", "kind = 'meeting' AND meeting_kind = 'scheduling'", "1"),
    ("quarterly_meetings", "kind = 'meeting' AND meeting_kind = 'quarterly'", "1"),
    ("weekly_meetings", "kind = 'meeting' AND meeting_kind = 'weekly'", "1"),
]  # fmt: skip
LEADS = [
    ("valid_leads", "status = 'valid'", "1"),
    ("valuable_leads", "status = 'valid' AND valuable", "1"),
    ("lead_points", "status = 'valid'", "points"),
]
REPORTS = [("reports_on_time", "(submitted_at AT TIME ZONE 'Asia/Shanghai')::date <= due_on", "1")]
MONEY = {"actual_investment", "signed_investment"}


def hand_sql() -> str:
    """One statement: every holder's figures by month, as rows (holder kind, holder id, month,
    metric, head-led, value), for the records of the jurisdictions under %(path)s.

    Each table is read once, grouped by (jurisdiction, unit, team, month) with one conditional
    aggregate per figure; the groups are then credited to the unit (of that jurisdiction), to
    the team (of that jurisdiction's policy) and to the jurisdiction itself (every figure but the
    head-led ones), and unpivoted, leaving out figures that are 0 (sums of money are kept)."""
    juris = "jurisdiction_id IN (SELECT id FROM org_jurisdiction WHERE path LIKE %(path)s)"

    def wide(name, table, month, where, figures, head=False, extra=""):
        cols = []
        for i, (_, cond, value) in enumerate(figures):
            agg = "count(*)" if value == "1" else f"sum({value})"
            cols.append(f"{agg} FILTER (WHERE {cond}) AS c{i}")
            if head:
                cols.append(f"{agg} FILTER (WHERE ({cond}) AND head_led) AS h{i}")
        return (
            f"{name} AS (SELECT jurisdiction_id, unit_id, team_id, {month} AS month, {', '.join(cols)} "
            f"FROM {table} {extra} WHERE {juris} AND {where} GROUP BY 1, 2, 3, 4)"
        )

    def credited(name, figures, head=False):
        values = []
        for i, (metric, _, _) in enumerate(figures):
            values.append(f"('{metric}', false, c{i}::numeric, {str(metric in MONEY).lower()})")
            if head:
                values.append(f"('{metric}', true, h{i}::numeric, false)")
        sums = ", ".join(
            f"sum({c}{i}) AS {c}{i}" for i in range(len(figures)) for c in (("c", "h") if head else ("c",))
        )
        # The jurisdiction's total covers every record of it; head-led figures are a unit's or team's.
        home = ", ".join(f"sum(c{i}) AS c{i}" + (f", 0 AS h{i}" if head else "") for i in range(len(figures)))
        holders = (
            f"SELECT 'unit' AS kind, w.unit_id AS holder, w.month, {sums} FROM {name} w "
            f"JOIN org_unit u ON u.id = w.unit_id AND u.jurisdiction_id = w.jurisdiction_id GROUP BY 2, 3 "
            f"UNION ALL SELECT 'team', w.team_id, w.month, {sums} FROM {name} w "
            f"JOIN org_team t ON t.id = w.team_id "
            f"JOIN org_policy p ON p.id = t.policy_id AND p.jurisdiction_id = w.jurisdiction_id GROUP BY 2, 3 "
            f"UNION ALL SELECT 'jurisdiction', w.jurisdiction_id, w.month, {home} FROM {name} w GROUP BY 2, 3"
        )
        return (
            f"SELECT r.kind, r.holder, r.month, m.metric, m.head_led, m.value FROM ({holders}) r "
            f"CROSS JOIN LATERAL (VALUES {', '.join(values)}) AS m(metric, head_led, value, money) "
            f"WHERE m.value <> 0 OR m.money"
        )

    month = "date_trunc('month', {})::date"
    ctes = [
        "inv AS (SELECT jurisdiction_id, unit_id, team_id, month, sum(amount) AS c0 FROM ledger_investment "
        f"WHERE {juris} AND month BETWEEN %(start_month)s AND %(end)s GROUP BY 1, 2, 3, 4)",
        wide("signed", "ledger_project", month.format("signed_on"),
             "registered_on <= %(end)s AND signed_on <= %(end)s", SIGNED),
        wide("started", "ledger_project", month.format("started_on"),
             "registered_on <= %(end)s AND started_on <= %(end)s", STARTED),
        # First signings: those on the earliest signing date of their jurisdiction and month.
        "firsts AS (SELECT jurisdiction_id, unit_id, team_id, date_trunc('month', signed_on)::date AS month, "
        "count(*) AS c0 FROM (SELECT jurisdiction_id, unit_id, team_id, signed_on, min(signed_on) OVER "
        "(PARTITION BY jurisdiction_id, date_trunc('month', signed_on)) AS first FROM ledger_project "
        f"WHERE {juris} AND registered_on <= %(end)s AND signed_on <= %(end)s) p WHERE signed_on = first "
        "GROUP BY 1, 2, 3, 4)",
        # 7月增加 / 8月再增加: listed companies counted in the month they first entered 实质性谈判
        # or beyond (their stage history).
        "entered AS (SELECT jurisdiction_id, unit_id, team_id, date_trunc('month', entered)::date AS month, "
        "count(*) AS c0 FROM (SELECT jurisdiction_id, unit_id, team_id, (SELECT min(c.\"on\") FROM "
        "ledger_stagechange c WHERE c.project_id = ledger_project.id AND c.to_stage IN ('substantive', 'signed', "
        "'started', 'production', 'full_production')) AS entered FROM ledger_project "
        f"WHERE {juris} AND registered_on <= %(end)s AND {_LISTED}) p WHERE entered <= %(end)s GROUP BY 1, 2, 3, 4)",
        wide("producing", "ledger_project", month.format("production_on"),
             "registered_on <= %(end)s AND production_on <= %(end)s", PRODUCING),
        wide("states", STAGE_THEN, "%(as_of_month)s::date", "registered_on <= %(as_of)s", STATES),
        wide("acts", "fieldwork_activity", month.format("date"), "date BETWEEN %(start)s AND %(end)s", ACTIVITIES,
             head=True),
        "events AS (SELECT a.jurisdiction_id, a.unit_id, a.team_id, date_trunc('month', a.date)::date AS month, "
        "count(DISTINCT s.project_id) AS c0, count(DISTINCT s.project_id) FILTER (WHERE a.head_led) AS h0 "
        "FROM fieldwork_activity a JOIN fieldwork_activity_projects_signed s ON s.activity_id = a.id "
        f"WHERE a.{juris} AND a.kind = 'promotion_event' AND a.date BETWEEN %(start)s AND %(end)s "
        "GROUP BY 1, 2, 3, 4)",
        wide("leads", "fieldwork_lead", month.format("reported_on"), "reported_on BETWEEN %(start)s AND %(end)s",
             LEADS),
        wide("reports", "fieldwork_report", month.format("due_on"), "due_on BETWEEN %(start)s AND %(end)s", REPORTS),
    ]  # fmt: skip
    parts = [
        credited("inv", [("actual_investment", "", "")]),
        credited("signed", SIGNED),
        credited("started", STARTED),
        credited("firsts", [("first_signings", "", "")]),
        credited("entered", [("listed_entered_negotiation", "", "")]),
        credited("producing", PRODUCING),
        credited("states", STATES),
        credited("acts", ACTIVITIES, head=True),
        credited("events", [("event_signable_projects", "", "")], head=True),
        credited("leads", LEADS),
        credited("reports", REPORTS),
    ]
    return "WITH " + ",\n".join(ctes) + "\n" + "\nUNION ALL ".join(parts)


# --- measuring ---------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def assess_province(policies, period: str, as_of: date):
    """What `services.compute` does for each policy, with the facts of all of them gathered at
    once (`facts.gather_many`). Returns the results and the seconds spent gathering and in the
    engine (assessment and forecast)."""
    from zhaoshang.assessment.facts import gather_many
    from zhaoshang.engine import assess
    from zhaoshang.engine.forecast import forecast
    from zhaoshang.engine.periods import parse_period

    specs = [p.spec() for p in policies]
    span = parse_period(period, specs[0])
    t0 = time.perf_counter()
    gathered = gather_many(policies, span, as_of)
    t1 = time.perf_counter()
    results = []
    for spec, (facts, missing) in zip(specs, gathered, strict=True):
        results.append((assess(spec, span, facts).to_json(), forecast(spec, facts, as_of).to_json(), missing))
    t2 = time.perf_counter()
    return gathered, results, t1 - t0, t2 - t1


def measure(counties: int) -> int:
    import statistics
    import tracemalloc
    from decimal import Decimal

    from django.db import connection

    from zhaoshang.assessment import services
    from zhaoshang.assessment.facts import gather
    from zhaoshang.engine import assess
    from zhaoshang.engine.forecast import forecast
    from zhaoshang.engine.periods import parse_period
    from zhaoshang.fieldwork.models import Activity
    from zhaoshang.ledger.models import Project
    from zhaoshang.org.models import Policy, Team, Unit

    period = os.environ.get("BENCH_PERIOD", "2024-06")
    policies = list(
        Policy.objects.filter(jurisdiction__path__startswith="990000/", jurisdiction__level="county")
        .select_related("jurisdiction")
        .order_by("jurisdiction__code")
    )
    span = parse_period(period, policies[0].spec())
    as_of = span.end
    holders = Unit.objects.filter(jurisdiction__in=[p.jurisdiction_id for p in policies]).count()
    teams = Team.objects.filter(policy__in=policies).count()
    print(
        f"database: {connection.vendor}; county policies: {len(policies)}; holders: {holders + teams:,} "
        f"({holders:,} units, {teams:,} teams); projects: {Project.objects.count():,}; "
        f"activities: {Activity.objects.count():,}; period {period}, data as of {as_of}",
        flush=True,
    )
    postgres = connection.vendor == "postgresql"
    jit = os.environ.get("BENCH_JIT", "off")
    if postgres and jit == "off":
        # For both sides: compiling these many-aggregate statements costs more than it saves
        # (with the server's default, 30 of the SQL's 33 s go to JIT). BENCH_JIT=on keeps it.
        with connection.cursor() as cur:
            cur.execute("SET jit = off")
    if postgres:
        with connection.cursor() as cur:
            cur.execute("SHOW jit")
            print(f"PostgreSQL jit: {cur.fetchone()[0]}", flush=True)
    params = {
        "path": "990000/%",
        "start": policies[0].start,
        "start_month": policies[0].start.replace(day=1),
        "end": span.end,
        "as_of": min(as_of, span.end),
        "as_of_month": min(as_of, span.end).replace(day=1),
    }
    assert all(p.start == policies[0].start for p in policies)
    sql = hand_sql()

    def run_sql():
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def run_sql_in_server():
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM ({sql}) q", params)
            return cur.fetchone()

    if postgres:
        run_sql_in_server()  # the tables in the cache for both sides

    # (a) the platform, the whole province: gather once, then the engine for each county.
    rss0 = _peak_rss_mb()
    t = time.perf_counter()
    gathered, results, t_gather, t_engine = assess_province(policies, period, as_of)
    t_platform = time.perf_counter() - t
    rss1 = _peak_rss_mb()
    n_facts = sum(len(f.metrics) for f, _ in gathered)
    n_projects = sum(len(f.projects) for f, _ in gathered)
    sample = [0, len(policies) // 2, len(policies) - 1]
    sample_facts = {i: gathered[i][0] for i in sample}
    del gathered, results
    print(
        f"platform, province at once: {t_platform:.1f} s (gathering {t_gather:.1f} s, engine {t_engine:.1f} s); "
        f"{n_facts:,} metric facts, {n_projects:,} project facts; peak RSS +{rss1 - rss0:.0f} MB "
        f"(getrusage ru_maxrss, {rss0:.0f} → {rss1:.0f} MB)",
        flush=True,
    )

    # (b) the hand-written SQL, fetched in full; and its time in the server alone.
    if postgres:
        rows = run_sql()
        t_sql = statistics.median(_timed(run_sql) for _ in range(3))
        t_sql_server = statistics.median(_timed(run_sql_in_server) for _ in range(3))
        print(
            f"hand-written SQL (one statement): {t_sql:.1f} s fetching its {len(rows):,} rows, "
            f"{t_sql_server:.1f} s counting them in the server (median of 3)",
            flush=True,
        )
        # Its numbers are the gatherer's: every figure of every holder of three counties.
        for i, facts in sample_facts.items():
            policy = policies[i]
            ids = {("unit", u.name): u.pk for u in Unit.objects.filter(jurisdiction=policy.jurisdiction)}
            ids |= {("team", t.key): t.pk for t in Team.objects.filter(policy=policy)}
            ids[("jurisdiction", policy.jurisdiction.code)] = policy.jurisdiction_id
            want = {}
            for f in facts.metrics:
                key = (f.holder.kind, ids[(f.holder.kind, f.holder.key)], f.period, f.metric, f.head_led)
                want[key] = want.get(key, Decimal(0)) + f.value
            mine = {(kind, pk) for (kind, _), pk in ids.items()}
            got = {
                (kind, holder, f"{month.year}-{month.month:02d}", metric, head): Decimal(value)
                for kind, holder, month, metric, head, value in rows
                if (kind, holder) in mine
            }
            if want != got:
                only_w = sorted({k[3] for k in set(want) - set(got)})
                only_g = sorted({k[3] for k in set(got) - set(want)})
                differ = sorted({k[3] for k in set(want) & set(got) if want[k] != got[k]})
                print(
                    f"MISMATCH for {policy.name}: only gathered {only_w}, only SQL {only_g}, differ {differ}"
                )
                examples = (
                    sorted(set(want) ^ set(got))[:5]
                    + [k for k in set(want) & set(got) if want[k] != got[k]][:5]
                )
                for k in examples:
                    print(f"  {k}: gathered {want.get(k)}, SQL {got.get(k)}")
                return 1
        print(f"check: the SQL's figures equal the gatherer's MetricFacts for every holder of "
              f"{', '.join(policies[i].name for i in sample)}", flush=True)  # fmt: skip
        del rows

    else:
        print("hand-written SQL: written for PostgreSQL (?| on jsonb, date_trunc); no ratio on SQLite")

    # The same through services.compute, one county after another (what the platform runs today),
    # on a sample of counties, scaled to the province.
    n_sample = min(len(policies), int(os.environ.get("BENCH_SAMPLE", "5")))
    t_g = t_e = 0.0
    for policy in policies[:n_sample]:
        spec = policy.spec()
        t0 = time.perf_counter()
        facts, _ = gather(policy, span, as_of)
        t1 = time.perf_counter()
        assess(spec, span, facts).to_json()
        forecast(spec, facts, as_of).to_json()
        t_e += time.perf_counter() - t1
        t_g += t1 - t0
    t0 = time.perf_counter()
    services.compute(policies[0], period, as_of)
    t_compute = time.perf_counter() - t0
    scale = len(policies) / n_sample
    print(
        f"platform, county by county ({n_sample} counties, ×{scale:.0f}): {(t_g + t_e) * scale:.0f} s "
        f"(gathering {t_g * scale:.0f} s, engine {t_e * scale:.0f} s); services.compute of one county "
        f"{t_compute:.1f} s",
        flush=True,
    )

    # Memory of (a), traced (slower, so not timed).
    tracemalloc.start()
    assess_province(policies, period, as_of)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"platform, province at once: peak of Python allocations {peak / 2**20:.0f} MB (tracemalloc)")

    if postgres:
        print(
            f"ratio platform / SQL: {t_platform / t_sql:.2f} (gathering alone {t_gather / t_sql:.2f}; "
            f"against the SQL's time in the server {t_platform / t_sql_server:.2f}); "
            f"gathering / engine: {t_gather / t_engine:.2f}"
        )
    return 0


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("ZHAOSHANG_DATA", tempfile.mkdtemp())
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhaoshang.settings"
    import django

    django.setup()


def _sizes() -> tuple[int, int, int]:
    return (
        int(os.environ.get("BENCH_COUNTIES", "100")),
        int(os.environ.get("BENCH_PROJECTS", "1000000")),
        int(os.environ.get("BENCH_ACTIVITIES", "10000000")),
    )


def main() -> int:
    from benchmarks.util import database_url, fresh_database

    url = database_url(DB_NAME)
    counties, n_projects, n_activities = _sizes()
    if sys.argv[1:] == ["--build"]:
        _setup(url)
        from django.core.management import call_command

        call_command("migrate", "--noinput", "-v0")
        build(counties, n_projects, n_activities)
        return 0
    reuse = os.environ.get("BENCH_REUSE") == "1"  # measure again on the data a previous run built
    built = False
    if reuse:
        try:
            _setup(url)
            from django.core.management import call_command

            from zhaoshang.fieldwork.models import Activity, Lead
            from zhaoshang.ledger.models import Investment, Project

            call_command("migrate", "--noinput", "-v0")
            for model in (Project, Investment, Activity, Lead):  # the tables still match the models
                list(model.objects.values(*[f.attname for f in model._meta.concrete_fields])[:1])
            built = Activity.objects.count() >= n_activities * 0.95
        except Exception as exc:
            print(f"BENCH_REUSE: the database cannot be reused ({exc}); building it again", flush=True)
            built = False
    if not built:
        fresh_database(url)
        # In a process of its own, so that the peak memory measured here is the assessment's.
        if subprocess.call([sys.executable, "-m", "benchmarks.assessment", "--build"]) != 0:
            return 1
        _setup(url)
    return measure(counties)


if __name__ == "__main__":
    sys.exit(main())
