"""Type-ahead pickers for choices that run into thousands (issue 11 point 2): projects,
enterprises, activities.

The field is a `ModelChoiceField` whose widget draws no options: a text box that, with
`typeahead.js`, asks the lookup endpoint (`lookup`, below) for at most `LIMIT` matches as the
clerk types (name, full pinyin or initials: core/search.py), among what they may see
(`visible_to`), and posts the chosen record's pk in a hidden input — so the form and the model
validate it as they always did (the field's queryset, scoped by `restrict_choices`).

Without JavaScript the text box itself is posted: the field takes a name typed in full (or a
简称) when exactly one record the field offers has it, and says in Chinese when none or several do.
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET

from .search import ranked, search

LIMIT = 20
# The models a picker may look up (app_label.model_name): the long ones. Units, teams and people
# are tens per county and stay drop-downs.
# Each with what it is searched by: (fields, or None for the model's `search_fields`; foreign keys
# whose matching records bring theirs along).
LOOKUP_MODELS = {
    "ledger.enterprise": (None, ()),
    "ledger.project": (None, ("enterprise",)),
    "fieldwork.activity": (("enterprise_name", "place", "merchant", "leader", "summary"), ()),
}


def _is_pk(value) -> bool:
    """Whether a posted value is a record's id: ASCII digits that fit a database integer (str.isdigit
    is also true of ² and ١٢, which the database refuses)."""
    if isinstance(value, int):
        return True
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 18


def _lookup_target(field) -> tuple[str, str]:
    """The lookup endpoint a picker asks, and the noun it names its records by."""
    if field is None:
        return "", ""
    model = field.queryset.model
    return reverse("lookup", args=[model._meta.label_lower]), model._meta.verbose_name


class TypeaheadWidget(forms.Widget):
    """A search box (and, with JavaScript, a list of matches and a hidden input holding the pk)."""

    class Media:
        js = ("zhaoshang/typeahead.js",)

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = None  # set by ModelChoiceField (`_set_queryset`); never iterated here

    def _current(self, value):
        """The record `value` names (a pk), or None."""
        field = getattr(self.choices, "field", None)
        if field is None or value in (None, ""):
            return None, field
        if _is_pk(value):
            return field.queryset.filter(pk=value).first(), field
        return None, field

    def render(self, name, value, attrs=None, renderer=None):
        obj, field = self._current(value)
        if obj is not None:
            text, pk = field.label_from_instance(obj), obj.pk
        else:
            text, pk = ("" if value is None else str(value)), ""
        attrs = self.build_attrs(self.attrs, attrs or {})
        input_id = attrs.pop("id", f"id_{name}")
        url, noun = _lookup_target(field)
        required = " required" if attrs.pop("required", False) else ""
        return format_html(
            '<div class="typeahead" data-typeahead data-url="{url}">'
            '<input type="text" name="{name}" id="{id}" value="{text}" data-pk="{pk}" autocomplete="off"'
            ' role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="{id}_list"'
            ' enterkeyhint="search" placeholder="输入名称、拼音或首字母查找{noun}"{required}>'
            '<ul class="typeahead-list" id="{id}_list" role="listbox" aria-label="{noun}候选" hidden></ul>'
            '<small class="typeahead-status muted" aria-live="polite"></small>'
            "</div>",
            url=url,
            name=name,
            id=input_id,
            text=text,
            pk=pk,
            noun=noun,
            required=required,
        )


class TypeaheadChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose choices are looked up, not listed; takes a pk (JavaScript) or
    a name typed in full (no JavaScript)."""

    widget = TypeaheadWidget

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
        if value in self.empty_values or isinstance(value, self.queryset.model) or _is_pk(value):
            return super().to_python(value)
        if "\x00" in str(value):
            raise ValidationError("不能包含空字符", code="null_characters_not_allowed")
        noun = self.queryset.model._meta.verbose_name
        fields = [
            f for f in ("name", "short_name") if any(x.name == f for x in self.queryset.model._meta.fields)
        ]
        if not fields:
            raise ValidationError(f"请从列表中选择{noun}", code="invalid_choice")
        q = Q()
        for f in fields:
            q |= Q(**{f"{f}__iexact": value})
        found = list(self.queryset.filter(q)[:2])
        if not found:
            raise ValidationError(
                f"未找到名为“{value}”的{noun}，请输入完整名称或从列表中选择", code="invalid_choice"
            )
        if len(found) > 1:
            raise ValidationError(f"名为“{value}”的{noun}不止一个，请从列表中选择", code="invalid_choice")
        return found[0]


class TypeaheadMultipleWidget(TypeaheadWidget):
    """Several records: the chosen ones as ticked boxes (untick to drop one), and a search box
    that adds more (with JavaScript a pick adds a ticked box; without, the box's text is posted
    as names, one or several separated by “、”)."""

    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        values = getter(name) if getter else data.get(name)
        out: list[str] = []
        for v in values or []:
            out.extend(x.strip() for x in str(v).replace(",", "、").split("、") if x.strip())
        return out

    def value_omitted_from_data(self, data, files, name):
        return False  # no box ticked posts nothing: an empty choice, not an omitted field

    def render(self, name, value, attrs=None, renderer=None):
        field = getattr(self.choices, "field", None)
        values = [value] if isinstance(value, (str, int)) else list(value or [])
        pks = [v for v in values if _is_pk(v)]
        typed = "、".join(str(v) for v in values if not _is_pk(v))
        chosen = list(field.queryset.filter(pk__in=pks)) if field is not None and pks else []
        attrs = self.build_attrs(self.attrs, attrs or {})
        input_id = attrs.pop("id", f"id_{name}")
        url, noun = _lookup_target(field)
        boxes = format_html_join(
            "",
            '<li><label><input type="checkbox" name="{}" value="{}" checked> {}</label></li>',
            ((name, o.pk, field.label_from_instance(o)) for o in chosen),
        )
        return format_html(
            '<div class="typeahead" data-typeahead data-multiple data-name="{name}" data-url="{url}">'
            '<ul class="typeahead-chosen">{boxes}</ul>'
            '<input type="text" name="{name}" id="{id}" value="{typed}" autocomplete="off"'
            ' role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="{id}_list"'
            ' enterkeyhint="search" placeholder="输入名称、拼音或首字母添加{noun}">'
            '<ul class="typeahead-list" id="{id}_list" role="listbox" aria-label="{noun}候选" hidden></ul>'
            '<small class="typeahead-status muted" aria-live="polite"></small>'
            "</div>",
            name=name,
            url=url,
            boxes=boxes,
            id=input_id,
            typed=typed,
            noun=noun,
        )


class TypeaheadMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several records looked up, not listed; takes pks (ticked boxes, JavaScript's picks) or
    names typed in full (no JavaScript)."""

    widget = TypeaheadMultipleWidget

    def clean(self, value):
        value = list(value or [])
        names = [v for v in value if not _is_pk(v)]
        pks = [v for v in value if _is_pk(v)]
        one = TypeaheadChoiceField(queryset=self.queryset)
        for n in names:
            pks.append(str(one.to_python(n).pk))
        return super().clean(pks)


def use_typeahead(form: forms.BaseForm, *names: str) -> None:
    """Turn these model-choice fields of `form` into type-ahead pickers (their queryset, label,
    help text and required flag kept)."""
    for name in names:
        old = form.fields.get(name)
        if isinstance(old, forms.ModelMultipleChoiceField):
            new = TypeaheadMultipleChoiceField(
                queryset=old.queryset, required=old.required, label=old.label, help_text=old.help_text
            )
            new.widget.attrs.update(old.widget.attrs)
            form.fields[name] = new
            continue
        if old is None or not isinstance(old, forms.ModelChoiceField):
            continue
        new = TypeaheadChoiceField(
            queryset=old.queryset,
            required=old.required,
            label=old.label,
            help_text=old.help_text,
            initial=old.initial,
            empty_label=None,
            limit_choices_to=old.limit_choices_to,
            to_field_name=old.to_field_name,
        )
        new.error_messages = {**new.error_messages, **old.error_messages}
        new.validators = list(old.validators)
        form.fields[name] = new


def describe(obj) -> dict:
    """One match as the picker shows it: name, and unit and stage (or kind) below it."""
    detail = []
    unit = getattr(obj, "unit", None)
    if unit is not None:
        detail.append(str(unit))
    if hasattr(obj, "get_stage_display"):
        detail.append(obj.get_stage_display())
    elif getattr(obj, "industry", ""):
        detail.append(obj.industry)
    return {"id": obj.pk, "label": str(obj), "detail": " · ".join(x for x in detail if x)}


@require_GET
def lookup(request, label: str):
    """GET /lookup/<app.model>/?q=… → {"results": [{id, label, detail}], "more": bool}: at most
    LIMIT records the user may see that match q (all of theirs, most recent first, for an empty q)."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "请先登录"}, status=401)
    if label not in LOOKUP_MODELS:
        raise Http404("没有这种可查找的数据")
    model = apps.get_model(label)
    qs = model.objects.visible_to(request.user)
    if any(f.name == "unit" for f in model._meta.fields):
        qs = qs.select_related("unit")
    q = request.GET.get("q", "").replace("\x00", "")[:100]  # PostgreSQL refuses a NUL in text
    fields, related = LOOKUP_MODELS[label]
    rows = list(ranked(search(qs, q, fields, related, request.user), q)[: LIMIT + 1])
    return JsonResponse({"results": [describe(o) for o in rows[:LIMIT]], "more": len(rows) > LIMIT})
