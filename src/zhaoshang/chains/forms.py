"""The office's forms for chains, segments, edges, chain leaders and placements."""

import re

from django import forms

from .models import ChainEdge, ChainLeader, ChainSegment, IndustryChain, SegmentPlacement


class WordsField(forms.CharField):
    """A list of words typed on one line, separated by 、 ， , ； or spaces."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return "、".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [w for w in re.split(r"[、，,；;\s]+", text) if w]


class ChainForm(forms.ModelForm):
    class Meta:
        model = IndustryChain
        fields = ["jurisdiction", "policy", "key", "name", "clause", "lead_team", "lead_unit", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class SegmentForm(forms.ModelForm):
    industries = WordsField(
        label="产业关键词", required=False, max_length=500,
        help_text="用“、”分隔；企业或项目的“产业”包含其中一个词即归入本环节，GB/T 4754 代码（如 C3982）按开头匹配",
    )  # fmt: skip

    class Meta:
        model = ChainSegment
        fields = ["chain", "key", "name", "stage", "industries", "order"]


class EdgeForm(forms.ModelForm):
    class Meta:
        model = ChainEdge
        fields = ["chain", "source", "target", "note"]


class LeaderForm(forms.ModelForm):
    class Meta:
        model = ChainLeader
        fields = ["chain", "name", "enterprise"]


class PlacementForm(forms.ModelForm):
    class Meta:
        model = SegmentPlacement
        fields = ["chain", "segment", "enterprise", "project", "note"]
        help_texts = {"enterprise": "企业与项目二选一；归入后在本产业链中不再按产业关键词匹配"}
