"""Which segments of an industry chain are filled and which are gaps (缺失环节), and which gap to
promote next. The one computation: screens, the API and the Excel export all call `chain_gaps`.

Placing records on segments (per chain):
- a project placed by the office on segments counts on those;
- else, if its enterprise is placed in the chain, on the enterprise's segments;
- else on every segment one of whose `industries` its 产业 matches (its own 产业, else its
  enterprise's): a keyword found within the 产业 text, or a GB/T 4754 code (C3982, C39…) the
  产业 begins with. An office placement thus overrides the keyword match within that chain.

Counting, per segment:
- local enterprises (本地企业): enterprises the office placed on it, and enterprises with a
  project on it in production (投产 or 达产): a project in production is the enterprise working
  locally. An enterprise matched by 产业 alone is an investor contact (客商), not a local one.
- live projects (在建在谈项目): projects on it before production (线索 … 开工), not 终止.
- a gap: no local enterprise and no live project. A terminated project fills nothing.

Counts cover the chain's jurisdiction and those below it, whoever asks: a gap is a fact of the
county. The lists behind a segment (`segment_enterprises`, `segment_projects`) are narrowed to
what the user may see by the callers (`visible_to`).

Each segment also carries its number of targets in the library today (目标企业库, the targets
app's `TargetEnterprise.segment`, counted through the reverse relation in the segments' own query).

Cost: four queries per chain whatever its size (segments with their target counts, edges, one
aggregate over the projects that tests each project once per segment, one over the office's
placements); the keyword and placement tests run in SQL. A local enterprise is counted either by
its placement or, when not placed on the segment, among the distinct enterprises of the segment's
projects in production, so the two counts add up.

What to promote next (`ChainGaps.promote_next`): the gaps, those next to a chain leader's
segment first (directly upstream or downstream of a segment where a chain leader is a local
enterprise: the leader's suppliers and customers), then those with more targets in the library
(there is someone to court), then by stage (upstream, midstream, downstream), then in the chain's
segment order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, F, Q, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from zhaoshang.ledger.models import Enterprise, Project
from zhaoshang.org.models import Jurisdiction

from .models import STAGE_ORDER, ChainEdge, ChainLeader, ChainSegment, IndustryChain, SegmentPlacement

LIVE_STAGES = (
    Project.Stage.LEAD,
    Project.Stage.NEGOTIATING,
    Project.Stage.SUBSTANTIVE,
    Project.Stage.SIGNED,
    Project.Stage.STARTED,
)
PRODUCING_STAGES = (Project.Stage.PRODUCTION, Project.Stage.FULL_PRODUCTION)
CODE = re.compile(r"^[A-Ta-t]\d{2,4}$")  # a GB/T 4754 class: letter and 2-4 digits


def keyword_q(words, field: str = "ind") -> Q:
    """The 产业 text `field` matches one of the segment's keywords or code prefixes, whatever
    the letter case. A keyword without letters that have a case (most: 覆铜板, 锂电池) is matched
    as it is, which finds the same and spares the database upper-casing the text for it."""
    q = Q(pk__in=[])
    for w in words or []:
        w = str(w).strip()
        if not w:
            continue
        if CODE.match(w):
            lookup = "istartswith"
        elif w.upper() == w.lower():
            lookup = "contains"
        else:
            lookup = "icontains"
        q |= Q(**{f"{field}__{lookup}": w})
    return q


def _projects(chain: IndustryChain):
    """The chain's jurisdiction's projects, with the 产业 they are judged on (`ind`)."""
    return Project.objects.filter(jurisdiction__path__startswith=chain.jurisdiction.path).annotate(
        ind=Coalesce(NullIf(F("industry"), Value("")), F("enterprise__industry"), Value(""))
    )


def project_on_segment_q(segment: ChainSegment) -> Q:
    """Projects (annotated with `ind`) that count on `segment` (the module's placing rule)."""
    chain_id = segment.chain_id
    placed_projects = SegmentPlacement.objects.filter(chain_id=chain_id, project__isnull=False)
    placed_enterprises = SegmentPlacement.objects.filter(chain_id=chain_id, enterprise__isnull=False)
    own = Q(pk__in=placed_projects.filter(segment_id=segment.pk).values("project_id"))
    not_placed = ~Q(pk__in=placed_projects.values("project_id"))
    by_enterprise = Q(
        enterprise_id__in=placed_enterprises.filter(segment_id=segment.pk).values("enterprise_id")
    )
    enterprise_not_placed = ~Q(enterprise_id__in=placed_enterprises.values("enterprise_id"))
    return (
        own
        | (not_placed & by_enterprise)
        | (not_placed & enterprise_not_placed & keyword_q(segment.industries))
    )


def enterprise_local_q(segment: ChainSegment) -> Q:
    """Enterprises that count as local enterprises of `segment`."""
    placed = SegmentPlacement.objects.filter(segment_id=segment.pk, enterprise__isnull=False)
    producing = (
        _projects(segment.chain)
        .filter(stage__in=PRODUCING_STAGES)
        .filter(project_on_segment_q(segment))
        .values("enterprise_id")
    )
    return Q(pk__in=placed.values("enterprise_id")) | Q(pk__in=producing)


def segment_projects(segment: ChainSegment):
    """The projects behind a segment that are not terminated (live ones and in production)."""
    return (
        _projects(segment.chain)
        .exclude(stage=Project.Stage.TERMINATED)
        .filter(project_on_segment_q(segment))
        .select_related("enterprise")
        .order_by("-registered_on", "-id")
    )


def segment_enterprises(segment: ChainSegment):
    """The local enterprises of a segment."""
    return (
        Enterprise.objects.filter(jurisdiction__path__startswith=segment.chain.jurisdiction.path)
        .filter(enterprise_local_q(segment))
        .order_by("name", "id")
    )


@dataclass
class SegmentStatus:
    segment: ChainSegment
    enterprises: int
    live_projects: int
    leaders: int  # chain leaders among its local enterprises
    targets: int = 0  # targets in the library today (目标企业库)
    upstream: list[ChainSegment] = field(default_factory=list)
    downstream: list[ChainSegment] = field(default_factory=list)

    @property
    def is_gap(self) -> bool:
        return self.enterprises == 0 and self.live_projects == 0

    @property
    def next_to_leader(self) -> bool:
        return any(s.pk in self._leader_pks for s in (*self.upstream, *self.downstream))

    _leader_pks: frozenset = frozenset()


@dataclass
class ChainGaps:
    chain: IndustryChain
    segments: list[SegmentStatus]
    edges: list[ChainEdge]

    @property
    def gaps(self) -> list[SegmentStatus]:
        return [s for s in self.segments if s.is_gap]

    @property
    def enterprises(self) -> int:
        return sum(s.enterprises for s in self.segments)

    @property
    def live_projects(self) -> int:
        return sum(s.live_projects for s in self.segments)

    @property
    def promote_next(self) -> list[SegmentStatus]:
        return sorted(
            self.gaps,
            key=lambda s: (
                0 if s.next_to_leader else 1,
                -s.targets,
                STAGE_ORDER.get(s.segment.stage, 9),
                s.segment.order,
                s.segment.pk,
            ),
        )


class _Flag(Case):
    """A yes/no test of a project that runs subqueries (its conditions' IN (SELECT …)). Said so,
    because Django does not look inside a condition for them: an aggregate over such flags then
    counts over the statement that computes them, each test run once, instead of copying the
    test into every count that reads it."""

    contains_subquery = True


def _flag(q: Q) -> Case:
    return _Flag(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def chain_gaps(chain: IndustryChain) -> ChainGaps:
    """Every segment of `chain` with its counts and whether it is a gap (module docstring)."""
    today = timezone.localdate()
    in_library = Q(targets__added_on__lte=today) & (
        Q(targets__dropped_on__isnull=True) | Q(targets__dropped_on__gt=today)
    )
    segments = list(
        ChainSegment.objects.filter(chain=chain)
        .annotate(targets_in_library=Count("targets", filter=in_library))
        .order_by("order", "id")
    )
    edges = list(ChainEdge.objects.filter(chain=chain).select_related("source", "target"))
    if not segments:
        return ChainGaps(chain, [], edges)
    for s in segments:
        s.chain = chain  # no query per segment for its chain
    path = chain.jurisdiction.path
    leaders = ChainLeader.objects.filter(chain=chain, enterprise__isnull=False).values("enterprise_id")
    # One pass over the projects. The inner statement tests each project once per segment (its
    # placing rule: `on_<pk>`) and notes whether its enterprise is placed on that segment
    # (`placed_<pk>`), local to the jurisdiction and a chain leader; the outer one counts, per
    # segment, its live projects and the enterprises local by a project in production there
    # that the office has not also placed on it (those are counted next). The flags say they
    # hold subqueries (_Flag), so Django aggregates over the inner statement and no test is
    # repeated in each count.
    within = Jurisdiction.objects.filter(path__startswith=path).values("pk")
    flags = {
        "local": _flag(Q(enterprise__jurisdiction_id__in=within)),
        "leader": _flag(Q(enterprise_id__in=leaders)),
    }
    for s in segments:
        placed_here = SegmentPlacement.objects.filter(segment_id=s.pk, enterprise__isnull=False)
        flags[f"on_{s.pk}"] = _flag(project_on_segment_q(s))
        flags[f"placed_{s.pk}"] = _flag(Q(enterprise_id__in=placed_here.values("enterprise_id")))
    rows = _projects(chain).annotate(**flags).values("pk", "enterprise_id", "stage", *flags)
    # Each count tests the cheap columns first and the segment's placing rule last: the database
    # may copy a flag's test into each count that reads it, and so runs it about once a project
    # (for a live one in the live count, for one in production in the other two).
    counts = {}
    for s in segments:
        on = Q(**{f"on_{s.pk}": True})
        producing = Q(stage__in=PRODUCING_STAGES) & Q(local=True) & Q(**{f"placed_{s.pk}": False})
        counts[f"live_{s.pk}"] = Count("pk", filter=Q(stage__in=LIVE_STAGES) & on)
        counts[f"ent_{s.pk}"] = Count("enterprise_id", distinct=True, filter=producing & on)
        counts[f"lead_{s.pk}"] = Count("enterprise_id", distinct=True, filter=producing & Q(leader=True) & on)
    projects = rows.aggregate(**counts)
    # And the enterprises the office placed on each segment.
    placed = {
        row["segment_id"]: row
        for row in SegmentPlacement.objects.filter(
            chain=chain, enterprise__isnull=False, enterprise__jurisdiction__path__startswith=path
        )
        .values("segment_id")
        .annotate(
            ents=Count("enterprise_id", distinct=True),
            leads=Count("enterprise_id", distinct=True, filter=Q(enterprise_id__in=leaders)),
        )
    }
    enterprises = {}
    for s in segments:
        row = placed.get(s.pk, {"ents": 0, "leads": 0})
        enterprises[f"ent_{s.pk}"] = projects[f"ent_{s.pk}"] + row["ents"]
        enterprises[f"lead_{s.pk}"] = projects[f"lead_{s.pk}"] + row["leads"]
    by_pk = {s.pk: s for s in segments}
    statuses = {
        s.pk: SegmentStatus(
            segment=s,
            enterprises=enterprises[f"ent_{s.pk}"],
            live_projects=projects[f"live_{s.pk}"],
            leaders=enterprises[f"lead_{s.pk}"],
            targets=s.targets_in_library,
        )
        for s in segments
    }
    for e in edges:
        if e.source_id in statuses and e.target_id in statuses:
            statuses[e.target_id].upstream.append(by_pk[e.source_id])
            statuses[e.source_id].downstream.append(by_pk[e.target_id])
    leader_pks = frozenset(pk for pk, st in statuses.items() if st.leaders)
    for st in statuses.values():
        st._leader_pks = leader_pks
    return ChainGaps(chain, [statuses[s.pk] for s in segments], edges)
