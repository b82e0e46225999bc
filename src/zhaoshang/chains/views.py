"""Industry chains' pages: the list with counts, the chain map (ECharts graph of the segments,
gaps highlighted, the records behind a segment opened with HTMX, what to promote next), the
office's forms and the Excel export of a chain."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from zhaoshang.core.scoping import can_change
from zhaoshang.core.views import Col, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from zhaoshang.ledger.models import Enterprise, Project

from . import forms
from .filters import ChainFilterSet
from .gaps import chain_gaps, segment_enterprises, segment_projects
from .models import STAGES, ChainEdge, ChainLeader, ChainSegment, IndustryChain, SegmentPlacement


def _gaps(chain: IndustryChain):
    found = getattr(chain, "_gaps", None)
    if found is None:
        found = chain._gaps = chain_gaps(chain)
    return found


class ChainListView(ObjectListView):
    model = IndustryChain
    filterset_class = ChainFilterSet
    select_related = ("jurisdiction", "policy", "lead_team", "lead_unit")
    title = "产业链 / 招商图谱"
    columns = [
        Col("产业链", "name", link=True, sort="name"),
        Col("政策文件", "policy"),
        Col("牵头", lambda c: c.lead_team or c.lead_unit),
        Col("环节", lambda c: len(_gaps(c).segments)),
        Col("缺失环节", lambda c: len(_gaps(c).gaps)),
        Col("本地企业", lambda c: _gaps(c).enterprises),
        Col("在谈在建项目", lambda c: _gaps(c).live_projects),
        Col("条款", "clause"),
    ]


class ChainDetailView(ObjectDetailView):
    """The chain map (招商图谱)."""

    model = IndustryChain
    select_related = ("jurisdiction", "policy", "lead_team", "lead_unit")
    fields = [
        Col("政策文件", "policy"),
        Col("条款", "clause"),
        Col("牵头团队", "lead_team"),
        Col("牵头单位", "lead_unit"),
        Col("链主企业", lambda c: "、".join(x.name for x in c.leaders.all())),
        Col("说明", "notes"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        chain = self.object
        gaps = _gaps(chain)
        editable = can_change(self.request.user, ChainSegment)
        ctx.update(
            gaps=gaps,
            graph=graph_spec(gaps),
            can_edit_parts=editable,
            leaders=list(chain.leaders.select_related("enterprise")),
            # Only the placements of enterprises and projects the user may see: their names are
            # private to their unit and team.
            placements=list(
                SegmentPlacement.objects.filter(chain=chain)
                .filter(
                    Q(enterprise__in=Enterprise.objects.visible_to(self.request.user))
                    | Q(project__in=Project.objects.visible_to(self.request.user))
                )
                .select_related("segment", "enterprise", "project")
            ),
        )
        return ctx


def graph_spec(gaps) -> dict:
    """What chains.js draws: segments placed by stage (columns) and order (rows), edges, gaps."""
    rows: dict[str, int] = {}
    nodes = []
    for st in gaps.segments:
        seg = st.segment
        row = rows.get(seg.stage, 0)
        rows[seg.stage] = row + 1
        nodes.append(
            {
                "id": str(seg.pk),
                "name": seg.name,
                "x": list(STAGES).index(seg.stage) * 260,
                "y": row * 110,
                "gap": st.is_gap,
                "leader": bool(st.leaders),
                "label": f"{seg.name}\n企业 {st.enterprises} · 项目 {st.live_projects}",
                "url": reverse("chains:segment_records", args=[seg.pk]),
            }
        )
    edges = [{"source": str(e.source_id), "target": str(e.target_id)} for e in gaps.edges]
    return {"nodes": nodes, "edges": edges, "stages": list(STAGES.values())}


@login_required
def segment_records(request, pk):
    """The enterprises and projects behind one segment (the map's HTMX panel), as the user may
    see them; the counts on the map are the jurisdiction's."""
    seg = get_object_or_404(
        ChainSegment.objects.visible_to(request.user).select_related("chain__jurisdiction"), pk=pk
    )
    enterprises = segment_enterprises(seg) & Enterprise.objects.visible_to(request.user)
    projects = segment_projects(seg).filter(pk__in=Project.objects.visible_to(request.user).values("pk"))
    # The segment's targets in the library (目标企业库), through the reverse relation: chains does
    # not import the targets app, which depends on it.
    targets = (
        seg.targets.visible_to(request.user)
        .filter(Q(dropped_on__isnull=True) | Q(dropped_on__gt=timezone.localdate()))
        .order_by("name", "id")
    )
    return render(
        request,
        "chains/_segment_records.html",
        {"segment": seg, "enterprises": enterprises[:50], "projects": projects[:50], "targets": targets[:50]},
    )


@login_required
def chain_export(request, pk):
    """One chain as an Excel workbook: its segments with their counts and gaps."""
    from .excel import export_chain

    chain = get_object_or_404(IndustryChain.objects.visible_to(request.user), pk=pk)
    response = HttpResponse(
        export_chain(_gaps(chain)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"产业链-{chain.name}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


class ChainEditView(ObjectEditView):
    model = IndustryChain
    form_class = forms.ChainForm


class ChainDeleteView(ObjectDeleteView):
    model = IndustryChain


class PartEditView(ObjectEditView):
    """A segment, edge, leader or placement: edited on its own form, shown on its chain's map."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if isinstance(response, HttpResponseRedirect) and response.url == "/":
            return HttpResponseRedirect(reverse("chains:industrychain_detail", args=[self.object.chain_id]))
        return response


class SegmentEditView(PartEditView):
    model = ChainSegment
    form_class = forms.SegmentForm


class EdgeEditView(PartEditView):
    model = ChainEdge
    form_class = forms.EdgeForm


class LeaderEditView(PartEditView):
    model = ChainLeader
    form_class = forms.LeaderForm


class PlacementEditView(PartEditView):
    model = SegmentPlacement
    form_class = forms.PlacementForm

    def before_save(self, obj):
        if obj.segment_id:
            obj.chain_id = obj.segment.chain_id


class PartDeleteView(ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        chain_id = getattr(self, "object", None) and self.object.chain_id
        response = super().post(request, *args, **kwargs)
        if chain_id and isinstance(response, HttpResponseRedirect):
            return HttpResponseRedirect(reverse("chains:industrychain_detail", args=[chain_id]))
        return response


class SegmentDeleteView(PartDeleteView):
    model = ChainSegment


class EdgeDeleteView(PartDeleteView):
    model = ChainEdge


class LeaderDeleteView(PartDeleteView):
    model = ChainLeader


class PlacementDeleteView(PartDeleteView):
    model = SegmentPlacement
