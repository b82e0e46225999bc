"""The chains app's API: chains, segments, edges, chain leaders and placements, scoped like the
others (read: every role that sees the jurisdiction; write: the office, core/scoping.py
`can_change`), and each chain's gaps (`/api/industry-chains/{id}/gaps/`, chains/gaps.py)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from zhaoshang.api.base import ScopedViewSet, viewset_for
from zhaoshang.api.serializers import serializer_for

from .filters import ChainFilterSet
from .gaps import chain_gaps
from .models import ChainEdge, ChainLeader, ChainSegment, IndustryChain, SegmentPlacement

ChainSerializer = serializer_for(
    IndustryChain, ["jurisdiction", "policy", "key", "name", "clause", "lead_team", "lead_unit", "notes"]
)
SegmentSerializer = serializer_for(ChainSegment, ["chain", "key", "name", "stage", "industries", "order"])
EdgeSerializer = serializer_for(ChainEdge, ["chain", "source", "target", "note"])
LeaderSerializer = serializer_for(ChainLeader, ["chain", "name", "enterprise"])
PlacementSerializer = serializer_for(SegmentPlacement, ["chain", "segment", "enterprise", "project", "note"])


class SegmentGapSerializer(serializers.Serializer):
    segment = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    stage = serializers.CharField()
    enterprises = serializers.IntegerField(help_text="本地企业（招商办归入的，及有投产、达产项目的）")
    live_projects = serializers.IntegerField(help_text="投产前且未终止的项目")
    gap = serializers.BooleanField(help_text="缺失环节：无本地企业且无在谈在建项目")
    promote_rank = serializers.IntegerField(allow_null=True, help_text="招商优先序（仅缺失环节）")


class ChainViewSet(ScopedViewSet):
    """产业链（按当前用户权限范围）；gaps 为各环节的企业、项目数和缺失环节"""

    queryset = IndustryChain.objects.all()
    serializer_class = ChainSerializer
    filterset_class = ChainFilterSet
    select_related = ("jurisdiction",)

    @extend_schema(responses=SegmentGapSerializer(many=True))
    @action(detail=True, methods=["get"])
    def gaps(self, request, pk=None):
        found = chain_gaps(self.get_object())
        rank = {st.segment.pk: i for i, st in enumerate(found.promote_next, start=1)}
        rows = [
            {
                "segment": st.segment.pk,
                "key": st.segment.key,
                "name": st.segment.name,
                "stage": st.segment.stage,
                "enterprises": st.enterprises,
                "live_projects": st.live_projects,
                "gap": st.is_gap,
                "promote_rank": rank.get(st.segment.pk),
            }
            for st in found.segments
        ]
        return Response(SegmentGapSerializer(rows, many=True).data)


ENDPOINTS: dict = {
    "industry-chains": ChainViewSet,
    "chain-segments": viewset_for(ChainSegment, SegmentSerializer, select_related=("chain",)),
    "chain-edges": viewset_for(ChainEdge, EdgeSerializer, select_related=("chain",)),
    "chain-leaders": viewset_for(ChainLeader, LeaderSerializer, select_related=("chain",)),
    "segment-placements": viewset_for(SegmentPlacement, PlacementSerializer, select_related=("chain",)),
}
VIEWS: dict = {}
