"""Generic views. Each app declares its pages by subclassing these with a model, columns,
a filterset and a form; scoping, permissions, pagination, sorting and the change log come
from here, so no page can forget them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError, RestrictedError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.views.generic import DetailView, ListView, View
from django.views.generic.edit import FormMixin

from .concurrency import VERSION_FIELD, StaleWrite, claim, field_differences, form_data, version_of, versioned
from .scoping import WriteScope, can_change, membership, write_fields, write_scope_errors


@dataclass(frozen=True)
class Col:
    header: str
    attr: str | Callable[[Any], Any]
    link: bool = False
    sort: str | None = None  # the ordering field, when the column is sortable

    def value(self, obj):
        return _plain(self._value(obj))

    def _value(self, obj):
        if callable(self.attr):
            return self.attr(obj)
        value = obj
        for part in self.attr.split("."):
            if value is None:
                return None
            display = getattr(value, f"get_{part}_display", None)
            value = display() if display else getattr(value, part)
            if callable(value) and not hasattr(value, "all"):
                value = value()
        if hasattr(value, "all"):
            return "、".join(str(v) for v in value.all())
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return value


def _plain(value):
    # Tables read better with ISO dates than with 2024年12月23日.
    from datetime import date, datetime

    from django.utils import timezone

    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return value


def url_name(model, action: str) -> str:
    return f"{model._meta.app_label}:{model._meta.model_name}_{action}"


def object_url(obj, action: str = "detail") -> str | None:
    try:
        return reverse(url_name(type(obj), action), args=[obj.pk])
    except NoReverseMatch:
        return None


def detail_urls(model) -> Callable[[int], str | None]:
    """pk → the model's detail page, reversed once for a whole list rather than once a row."""
    try:
        sample = reverse(url_name(model, "detail"), args=[0])
    except NoReverseMatch:
        return lambda pk: None
    head, tail = sample.rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


HIDDEN = "（无权查看）"


def mask_private(values: list, user, places: list | None = None) -> list:
    """A record may point at another team's private record (an activity at an enterprise that
    team registered): show that it exists, not what it is. One query per related model.

    `places`, when given, holds for each value the jurisdiction of the record it was read from
    (a record the user sees): a role that sees whole jurisdictions sees a value recorded in the
    same one without asking."""
    from .roles import WIDE_ROLES

    m = membership(user)
    wide = places is not None and (user.is_superuser or (m is not None and m.role in WIDE_ROLES))
    ids: dict[type, set] = {}
    for i, v in enumerate(values):
        if not (isinstance(v, Model) and getattr(type(v), "scope_private", False)):
            continue
        if (
            wide
            and getattr(type(v), "scope_roles", None) is None
            and getattr(type(v), "scope_jurisdiction", None) == "jurisdiction"
            and getattr(v, "jurisdiction_id", None) is not None
            and v.jurisdiction_id == places[i]
        ):
            continue
        ids.setdefault(type(v), set()).add(v.pk)
    hidden = {
        model: pks - set(model.objects.visible_to(user).filter(pk__in=pks).values_list("pk", flat=True))
        for model, pks in ids.items()
    }
    return [HIDDEN if isinstance(v, Model) and v.pk in hidden.get(type(v), ()) else v for v in values]


def mask_personal(model, cols: list[Col], values: list, user) -> list:
    """Personal data (core/privacy.py) of the columns that show it, masked for roles that may not
    see it; `values` is row after row of len(cols) cells."""
    from .privacy import may_see_personal_data, personal_fields

    maskers = personal_fields(model)
    if not maskers or may_see_personal_data(user):
        return values
    by_index = {
        i: maskers[c.attr] for i, c in enumerate(cols) if isinstance(c.attr, str) and c.attr in maskers
    }
    if not by_index:
        return values
    width = len(cols)
    return [
        by_index[i % width](v) if i % width in by_index and isinstance(v, str) and v else v
        for i, v in enumerate(values)
    ]


def restrict_choices(form: forms.BaseForm, user) -> None:
    """Foreign-key and many-to-many choices only offer what the user may see, plus what the
    record already points at (so a clerk can still save their own record); a clerk's unit and
    team choices only what they may file a record under."""
    instance = getattr(form, "instance", None)
    writable: dict[str, tuple[str, Callable]] = {}
    if instance is not None:
        spec = write_fields(type(instance))
        if spec.holder:
            scope = WriteScope(user)
            if not scope.unrestricted:
                writable = {name: ("unit", scope.units) for name in spec.units}
                if spec.team:
                    writable[spec.team] = ("team", scope.teams)
    for name, field in form.fields.items():
        qs = getattr(field, "queryset", None)
        if qs is None or not hasattr(qs, "visible_to"):
            continue
        current: list = []
        if instance is not None and instance.pk:
            value = getattr(instance, name, None)
            if hasattr(value, "all"):
                current = list(value.all().values_list("pk", flat=True))
            elif value is not None:
                current = [value.pk]
        visible = offered = qs.visible_to(user)
        if name in writable:
            # A clerk's unit and team pickers offer what they may file under (see scoping.py).
            kind, narrow = writable[name]
            offered = narrow(visible)
            field.error_messages = {
                **field.error_messages,
                "invalid_choice": scope.choice_message(kind, str(field.label or name)),
            }
        field.queryset = (offered | qs.filter(pk__in=current)).distinct() if current else offered
        hidden = set(current) - set(visible.filter(pk__in=current).values_list("pk", flat=True))
        if hidden:
            # Kept so the record can be saved as it is, but not named: the user may not see it.
            def label(obj, base=field.label_from_instance, hidden=hidden):
                return HIDDEN if obj.pk in hidden else base(obj)

            field.label_from_instance = label


def save_in_scope(user, obj, save: Callable[[], Any]):
    """Save a record a user filled in: first the one rule of what they may name
    (`write_scope_errors`: a unit clerk their unit and its teams, a team clerk their team and its
    units), refused as a ValidationError naming the field so the form is shown again with what
    was typed; then, once saved, the result must still be something the user may see, or it is
    rolled back."""
    errors = write_scope_errors(user, obj)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        result = save()
        if not type(obj).objects.visible_to(user).filter(pk=obj.pk).exists():
            raise PermissionDenied("不能将记录登记到您权限范围以外的单位或团队")
    return result


def add_form_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A ValidationError on the form: on the field it names when the form shows that field, else
    above the form with the field's label (the message already names it)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class ScopedMixin(LoginRequiredMixin):
    model = None
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs


class ObjectListView(ScopedMixin, ListView):
    template_name = "core/object_list.html"
    paginate_by = 25
    columns: list[Col] = []
    filterset_class = None
    default_ordering: tuple[str, ...] = ()
    title: str | None = None

    def get_template_names(self):
        """A view's own template, else its app's `<model>_list.html` (which extends the shared
        one, as a detail page's `<model>_detail.html` does), else the shared list."""
        meta = self.model._meta
        own = [self.template_name] if self.template_name != ObjectListView.template_name else []
        return [*own, f"{meta.app_label}/{meta.model_name}_list.html", ObjectListView.template_name]

    def get_queryset(self):
        qs = super().get_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            if self.filterset.is_bound:
                qs = self.filterset.qs if self.filterset.is_valid() else qs.none()
        sortable = {c.sort for c in self.columns if c.sort}
        sort = self.request.GET.get("sort", "")
        if sort.removeprefix("-") in sortable:
            qs = qs.order_by(sort, "pk")
        elif self.default_ordering:
            qs = qs.order_by(*self.default_ordering)
        return qs

    # Parameters that are not filters.
    NON_FILTER_PARAMS = {"q", "sort", "page", "_filters"}

    def get(self, request, *args, **kwargs):
        if request.GET.get("_filters"):
            # The filter form is rendered on demand: its drop-downs cost more than the table.
            self.object_list = self.get_queryset()
            form = self.filterset.form if self.filterset is not None else None
            return render(request, "core/_filters.html", {"filter_form": form})
        return super().get(request, *args, **kwargs)

    def list_query(self, *drop: str):
        """The list's query string without the parameters named, `_filters` and those sent empty
        (an htmx form sends every field): what a chip, a sort or a page link carries on."""
        query = self.request.GET.copy()
        for key in list(query):
            if key in drop or key == "_filters" or not any(v.strip() for v in query.getlist(key)):
                del query[key]
        return query

    def active_filters(self) -> list[tuple[str, str, str]]:
        """(label, value shown, query string without it) of each filter in use, read from the
        validated form: a chip names what narrows the list and removes it in one tap. The search
        words are a chip too."""
        fs = self.filterset
        if fs is None or not fs.is_bound or fs.errors:
            return []
        chips = []
        for name, field in fs.form.fields.items():
            value = fs.form.cleaned_data.get(name)
            if name == "q" and isinstance(value, str) and value.strip():
                chips.append(("搜索", value.strip(), self.list_query(name, "page").urlencode()))
            if name in self.NON_FILTER_PARAMS or value in (None, "", [], ()):
                continue
            chips.append(
                (str(field.label), _chip_value(field, value), self.list_query(name, "page").urlencode())
            )
        return chips

    def paginate_queryset(self, queryset, page_size):
        # An out-of-range or garbled ?page= shows the nearest page rather than a 404.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        objects = list(ctx["object_list"])
        places = [getattr(obj, "jurisdiction_id", None) for obj in objects for _ in self.columns]
        raw = mask_private(
            [col.value(obj) for obj in objects for col in self.columns], self.request.user, places
        )
        raw = mask_personal(self.model, self.columns, raw, self.request.user)
        width = len(self.columns)
        url = detail_urls(self.model)
        rows = []
        for i, obj in enumerate(objects):
            cells = raw[i * width : (i + 1) * width]
            for j, col in enumerate(self.columns):
                if col.link:
                    href = url(obj.pk)
                    cells[j] = format_html('<a href="{}">{}</a>', href, cells[j]) if href else cells[j]
            rows.append(cells)
        # Written here rather than by a template loop (or format_html) per cell: on a list page
        # that cost more than the query. Every cell is escaped, links are already safe. Each cell
        # carries its column's header (data-label), which a phone shows before the value when
        # app.css turns the rows into cards; the first linked column is the card's title.
        title = next((j for j, col in enumerate(self.columns) if col.link), 0)
        opens = [
            format_html(
                '<td{} data-label="{}">', mark_safe(' class="card-title"' if j == title else ""), col.header
            )
            for j, col in enumerate(self.columns)
        ]
        # A date (2024-06-12, 2024-06) is not broken across lines in a narrow column.
        dated = [o.replace("<td", '<td class="date"', 1) if j != title else o for j, o in enumerate(opens)]

        def cell(j, c):
            text = conditional_escape("" if c is None else c)
            return f"{dated[j] if isinstance(c, str) and _DATE.fullmatch(c) else opens[j]}{text}</td>"

        table_rows = mark_safe(
            "\n".join("<tr>" + "".join(cell(j, c) for j, c in enumerate(row)) + "</tr>" for row in rows)
        )
        sort = self.request.GET.get("sort", "")
        chips = self.active_filters()
        ctx.update(
            title=self.title or self.model._meta.verbose_name_plural,
            columns=self.columns,
            rows=rows,
            table_rows=table_rows,
            filter_form=self.filterset.form if self.filterset is not None else None,
            # A form with errors is shown whole, to name them; valid filters show as chips, and
            # the form (whose drop-downs cost more than the table) loads when opened.
            filters_inline=self.filterset is not None
            and self.filterset.is_bound
            and bool(self.filterset.errors),
            active_filters=chips,
            filter_count=sum(1 for label, _, _ in chips if label != "搜索"),
            # 清除全部 keeps only the order the list is sorted in.
            clear_all_query=self.list_query(*(k for k in self.request.GET if k != "sort")).urlencode()
            if chips
            else None,
            filters_query=self.list_query("q", "page", "sort").urlencode(),
            current_sort=sort,
            query_string=self.list_query("page", "sort").urlencode(),
            can_add=can_change(self.request.user, self.model) and _has_url(self.model, "add"),
            add_url=_url(self.model, "add"),
        )
        return ctx


_DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?( \d{2}:\d{2})?")


def _chip_value(field, value) -> str:
    from datetime import date

    if isinstance(value, Model):
        return str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return "、".join(_chip_value(field, v) for v in value)
    labels = dict(getattr(field, "choices", None) or []) if not hasattr(field, "queryset") else {}
    return str(labels.get(value, labels.get(str(value), value)))


def _url(model, action):
    try:
        return reverse(url_name(model, action))
    except NoReverseMatch:
        return None


def _has_url(model, action):
    return _url(model, action) is not None


class ObjectDetailView(ScopedMixin, DetailView):
    template_name = "core/object_detail.html"
    fields: list[Col] = []

    def get_template_names(self):
        meta = self.model._meta
        return [f"{meta.app_label}/{meta.model_name}_detail.html", self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object

        ctx.update(
            title=str(obj),
            verbose_name=self.model._meta.verbose_name,
            field_rows=list(
                zip(
                    [c.header for c in self.fields],
                    mask_personal(
                        self.model,
                        self.fields,
                        mask_private([c.value(obj) for c in self.fields], self.request.user),
                        self.request.user,
                    ),
                    strict=True,
                )
            ),
            can_edit=can_change(self.request.user, obj) and object_url(obj, "edit") is not None,
            can_delete=can_change(self.request.user, obj) and object_url(obj, "delete") is not None,
            edit_url=object_url(obj, "edit"),
            delete_url=object_url(obj, "delete"),
            list_url=_url(self.model, "list"),
            recent_changes=self._recent_changes(obj),
        )
        return ctx

    def _recent_changes(self, obj):
        from .models import ObjectChange
        from .roles import LOG_READERS

        user = self.request.user
        m = membership(user)
        if not (user.is_superuser or (m is not None and m.role in LOG_READERS)):
            return []
        return ObjectChange.objects.filter(
            content_type__app_label=self.model._meta.app_label,
            content_type__model=self.model._meta.model_name,
            object_id=str(obj.pk),
        ).select_related("user")[:10]


class ObjectEditView(ScopedMixin, FormMixin, View):
    """Create (no pk) or update (pk) one object; the form's FK choices are scoped."""

    template_name = "core/object_edit.html"
    form_class = None

    def get_object(self):
        if "pk" not in self.kwargs:
            return self.model()
        return _get_or_404(self.get_queryset(), self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not can_change(request.user, self.object if self.object.pk else self.model):
            raise PermissionDenied("您的角色不能修改此类数据")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        if "data" in kwargs and self.object.pk:
            kwargs["data"] = self.merged_data(kwargs["data"])
        return kwargs

    def merged_data(self, data):
        return merged_data(data, self.get_form_class(), self.object)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        restrict_choices(form, self.request.user)
        self.prepare_form(form)
        add_version_field(form, self.object)
        return form

    def prepare_form(self, form):
        """Hook: defaults for new objects (the user's jurisdiction, unit, team)."""
        m = membership(self.request.user)
        if not self.object.pk and m is not None:
            unit_id = m.unit_id
            if unit_id is None and m.role == "team_clerk" and m.team_id and _required(self.model, "unit"):
                # A team clerk files most records under the team's lead unit.
                unit_id = m.team.lead_unit_id
            for name, value in (("jurisdiction", m.jurisdiction_id), ("unit", unit_id), ("team", m.team_id)):
                # form.initial, not field.initial: a ModelForm's initial from the blank instance wins.
                if name in form.fields and value is not None and not form.is_bound:
                    form.initial[name] = value
            team = form.fields.get("team")
            if team is not None and m.team_id is None and not form.is_bound and hasattr(team, "queryset"):
                # A unit clerk's team is the one their unit belongs to, when there is one: the team
                # choices restrict_choices left them (what they may file under) hold exactly it.
                if not WriteScope(self.request.user).unrestricted:
                    only = list(team.queryset.values_list("pk", flat=True)[:2])
                    if len(only) == 1:
                        form.initial["team"] = only[0]
        if not self.object.pk and not form.is_bound:
            # "Add" links from a parent's page name it (?project=12): preselected, if the user may
            # choose it at all.
            for name, field in form.fields.items():
                qs = getattr(field, "queryset", None)
                raw = self.request.GET.get(name, "")
                if qs is not None and raw.isdigit() and qs.filter(pk=raw).exists():
                    form.initial[name] = int(raw)

    def before_save(self, obj):
        """Hook: set what the form does not show."""

    def check(self, obj) -> str | None:
        """Hook: a reason not to save (in Chinese), beyond what the form validates."""
        return None

    def get(self, request, *args, **kwargs):
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_valid():
            return self.render(form, status=400)
        obj = form.save(commit=False)
        self.before_save(obj)
        problem = self.check(obj)
        if problem:
            form.add_error(None, problem)
            return self.render(form, status=400)
        version = form.cleaned_data.get(VERSION_FIELD)
        try:
            save_in_scope(request.user, obj, lambda: self.write(obj, form, version))
        except StaleWrite as exc:
            return self.render(form, status=409, conflict=conflict_context(form, obj, exc))
        except ValidationError as exc:
            add_form_errors(form, exc)
            return self.render(form, status=400)
        except IntegrityError:
            form.add_error(None, "与已有记录重复，或关联数据不完整，未保存。")
            return self.render(form, status=400)
        messages.success(request, f"已保存：{obj}")
        return HttpResponseRedirect(object_url(obj) or "/")

    def write(self, obj, form, version) -> None:
        """The save, in its transaction: the version read checked and taken, then the model's rules."""
        claim(obj, version)
        obj.full_clean()
        obj.save()
        form.save_m2m()

    def extra_context(self) -> dict:
        return {}

    def render(self, form, status=200, conflict=None):
        verbose = self.model._meta.verbose_name
        return render(
            self.request,
            self.template_name,
            {
                **self.extra_context(),
                "form": form,
                "conflict": conflict,
                "object": self.object,
                "title": f"修改{verbose}：{self.object}" if self.object.pk else f"新建{verbose}",
                "cancel_url": object_url(self.object) if self.object.pk else _url(self.model, "list"),
            },
            status=status,
        )


def merged_data(data, form_class, obj):
    """After a refused save (`StaleWrite`) the user chose, field by field, to keep the stored
    value (`_keep_<field>=theirs`) or what they typed: the stored ones replace what was posted.
    The version posted is the one the choice was made on, so a third change is caught again."""
    keep = [k.removeprefix("_keep_") for k, v in data.items() if k.startswith("_keep_") and v == "theirs"]
    if not keep or obj is None or obj.pk is None:
        return data
    data = data.copy()
    probe = form_class(instance=obj)
    for name in keep:
        if name in probe.fields and name != VERSION_FIELD:
            data.setlist(name, form_data(probe, obj, name))
    return data


def add_version_field(form: forms.BaseForm, obj) -> None:
    """The version the edit read (`core/concurrency.py`), a hidden field of every edit form of a
    saved, versioned record; required, so an edit never saves over a change it did not see."""
    if obj is None or obj.pk is None or not versioned(obj):
        return
    form.fields[VERSION_FIELD] = forms.CharField(
        label="记录版本",
        widget=forms.HiddenInput,
        required=True,
        error_messages={"required": "页面缺少记录版本（可能已过期），请重新打开修改页面后再保存"},
    )
    form.initial[VERSION_FIELD] = version_of(obj)


def conflict_context(form: forms.BaseForm, mine, exc: StaleWrite) -> dict:
    """What the edit page shows when a save was refused because someone saved first: who and
    when, and each field whose stored value differs from what the user sent (theirs and
    the user's, to keep one or the other). The form posts the current version next time."""
    form.data = form.data.copy()
    for key in [k for k in form.data if k.startswith("_keep_")]:
        del form.data[key]
    if exc.current is None:
        return {"message": exc.message, "fields": [], "gone": True}
    form.data[VERSION_FIELD] = version_of(exc.current)
    return {"message": exc.message, "by": exc.by, "fields": field_differences(form, mine, exc.current)}


def _required(model, name: str) -> bool:
    try:
        return not model._meta.get_field(name).null
    except FieldDoesNotExist:
        return False


def _get_or_404(qs, pk):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(qs, pk=pk)


class ObjectDeleteView(ScopedMixin, View):
    """The delete page is the confirmation: it says what goes with the record (counted by kind)
    or what keeps it, and its button posts confirm=1; a POST without it deletes nothing."""

    template_name = "core/object_delete.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = _get_or_404(self.get_queryset(), kwargs["pk"])
        if not can_change(request.user, self.object):
            raise PermissionDenied("您的角色不能删除此类数据")
        return super().dispatch(request, *args, **kwargs)

    def consequences(self) -> tuple[list[str], str]:
        """(what is deleted with the record, counted by kind; why it cannot be deleted, or "")."""
        from collections import Counter

        from django.contrib.admin.utils import NestedObjects
        from django.db import router

        from .validators import _MEASURE, in_use_message

        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect([self.object])
        if collector.protected:
            return [], in_use_message(ProtectedError("", collector.protected), self.object)
        counts: Counter = Counter()
        for model, objs in collector.model_objs.items():
            if model._meta.auto_created:  # a many-to-many link, not a record
                continue
            n = len(objs) - (1 if model is self.model else 0)
            if n > 0:
                counts[str(model._meta.verbose_name)] += n
        return [f"{n} {_MEASURE.get(name, '条')}{name}" for name, n in counts.most_common()], ""

    def confirmation(self, goes: list[str]):
        from .confirm import Confirmation

        verbose = self.model._meta.verbose_name
        items = (
            [f"同时删除与其相关的 {'、'.join(goes)}"] if goes else [f"只删除这一条{verbose}，不涉及其他记录"]
        )
        items.append("删除记入变更记录（谁、何时、删除前的内容），但页面上不能恢复")
        return Confirmation(
            title=f"删除{verbose}：{self.object}",
            message=f"确定删除“{self.object}”吗？删除后不能撤销。",
            items=items,
            button="确认删除",
        )

    def page(self, status=200):
        goes, blocked = self.consequences()
        return render(
            self.request,
            self.template_name,
            {
                "object": self.object,
                "title": f"删除：{self.object}",
                "confirmation": self.confirmation(goes),
                "blocked": blocked,
                "cancel_url": object_url(self.object) or _url(self.model, "list") or "/",
                "not_confirmed": status == 400,
            },
            status=status,
        )

    def get(self, request, *args, **kwargs):
        return self.page()

    def post(self, request, *args, **kwargs):
        from .confirm import confirmed

        if not confirmed(request):  # a POST that did not come from the page's button
            return self.page(status=400)
        name = str(self.object)
        try:
            self.object.delete()
        except (ProtectedError, RestrictedError) as exc:
            from .validators import in_use_message

            messages.error(request, f"“{name}”：{in_use_message(exc, self.object)}。")
            return HttpResponseRedirect(object_url(self.object) or "/")
        messages.success(request, f"已删除：{name}")
        return HttpResponseRedirect(_url(self.model, "list") or "/")


def object_urls(name: str, *, list_view=None, detail_view=None, edit_view=None, delete_view=None, add=True):
    """The five standard routes of one model, named `<model>_list`, `_detail`, `_add`, `_edit`, `_delete`."""
    out = []
    if list_view:
        out.append(path(f"{name}/", list_view.as_view(), name=f"{name}_list"))
    if edit_view and add:
        out.append(path(f"{name}/add/", edit_view.as_view(), name=f"{name}_add"))
    if edit_view:
        out.append(path(f"{name}/<int:pk>/edit/", edit_view.as_view(), name=f"{name}_edit"))
    if detail_view:
        out.append(path(f"{name}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"))
    if delete_view:
        out.append(path(f"{name}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"))
    return out


# --- Error pages (issue 11 point 6) -------------------------------------------------------------
# Every refusal the user can meet is a page in the site's style, in Chinese, saying what to do
# next; the API (and a client that asks for JSON) gets {"detail": "…"} in Chinese instead. The
# 413 and 429 answers are core/hardening.py's; the 500 page is rendered without the database.


def _error(request, status: int, title: str, message: str, hint: str = "", *, login: bool = False):
    from django.core.exceptions import DisallowedHost
    from django.http import JsonResponse

    from .hardening import _back, _wants_json

    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    if not hasattr(request, "user"):  # refused before the session was read
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
    try:
        back_to = _back(request)
    except DisallowedHost:  # the 400 of a request whose Host is not ours
        back_to = ""
    context = {
        "title": title,
        "message": message,
        "hint": hint,
        "status": status,
        "back_to": back_to,
        "login": login and not request.user.is_authenticated,
    }
    return render(request, "core/error.html", context, status=status)


def error_400(request, exception=None):
    return _error(
        request,
        400,
        "请求无法处理",
        "提交的请求不完整或格式不正确，未保存任何内容。",
        "请返回上一页检查填写的内容后重新提交；如通过链接进入，请从首页重新打开。",
    )


def error_403(request, exception=None):
    message = str(exception or "") or "您的角色无权访问此页面。"
    return _error(
        request,
        403,
        "无权访问",
        message,
        "如确需办理，请联系本单位的招商办或系统管理员开通相应权限。",
        login=True,
    )


def error_404(request, exception=None):
    return _error(
        request,
        404,
        "未找到",
        "页面或记录不存在，或不在您的权限范围内。",
        "请检查地址是否正确，或从菜单重新进入；记录可能已被删除。",
    )


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form was sent from a page that has expired (a new login or a
    session that ended since) or from another site. Nothing is saved."""
    return _error(
        request,
        403,
        "页面已过期，未能提交",
        "安全校验未通过（页面已过期，或登录状态已变化），本次提交未保存任何内容。",
        "请返回上一页，刷新页面后重新提交；如仍不能提交，请重新登录。",
        login=True,
    )


def error_500(request):
    # No request context: whatever failed (often the database) must not fail the error page too.
    from django.http import HttpResponseServerError, JsonResponse
    from django.template import loader

    from .hardening import _wants_json

    if _wants_json(request):
        return JsonResponse(
            {"detail": "服务器处理出错，已记录。请稍后查看操作是否已保存后再重试，或联系系统管理员。"},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    return HttpResponseServerError(loader.render_to_string("core/error_500.html"))
