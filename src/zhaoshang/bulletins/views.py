"""Pages: the list of bulletins with the form that asks for one, a bulletin's progress,
downloads and sends, and the office's templates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhaoshang.core import zhformat as zh
from zhaoshang.core.concurrency import VERSION_FIELD, StaleWrite, claim
from zhaoshang.core.confirm import Confirmation, ask, confirmed
from zhaoshang.core.scoping import can_change
from zhaoshang.core.views import Col, ObjectListView, add_version_field, conflict_context, merged_data
from zhaoshang.org.models import Policy

from . import forms, services
from .context import sample_values
from .document import KINDS, cell_text, chinese_date
from .models import Bulletin, BulletinSend, BulletinTemplate
from .placeholders import PLACEHOLDERS, TABLES, Placeholder, uses_django


def _may_generate(user) -> bool:
    return can_change(user, Bulletin)


def _policies(user):
    return list(Policy.objects.visible_to(user).select_related("jurisdiction").order_by("-start", "name"))


class BulletinListView(ObjectListView):
    model = Bulletin
    title = "战报简报"
    template_name = "bulletins/bulletin_list.html"
    select_related = ("policy",)
    default_ordering = ("-created", "-id")
    columns = [
        Col("标题", "title", link=True),
        Col("类别", "kind", sort="kind"),
        Col("期号/文号", "number"),
        Col("时期", lambda b: zh.period(b.period), sort="period"),
        Col("状态", "status", sort="status"),
        Col("生成时间", "created", sort="created"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_generate"] = _may_generate(user)
        if ctx["can_generate"]:
            policies = _policies(user)
            ctx["form"] = forms.BulletinForm(policies=policies)
            ctx["templates"] = [(p, [(k, label) for k, label in KINDS.items()]) for p in policies]
        return ctx


@login_required
def bulletin_new(request):
    if not _may_generate(request.user):
        raise PermissionDenied("只有招商办可以生成战报简报")
    policies = _policies(request.user)
    form = forms.BulletinForm(request.POST or None, policies=policies)
    if request.method == "POST" and form.is_valid():
        policy = next(p for p in policies if p.name == form.cleaned_data["policy"])
        try:
            bulletin = services.request_bulletin(
                policy=policy,
                kind=form.cleaned_data["kind"],
                period=form.cleaned_data["period"],
                user=request.user,
            )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            ).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return HttpResponseRedirect(reverse("bulletins:bulletin_detail", args=[bulletin.pk]))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "core/object_edit.html",
        {"form": form, "title": "生成战报简报", "cancel_url": reverse("bulletins:bulletin_list")},
        status=status,
    )


def _bulletin_or_404(request, pk) -> Bulletin:
    return get_object_or_404(
        Bulletin.objects.visible_to(request.user).select_related(
            "policy__jurisdiction", "run", "requested_by"
        ),
        pk=pk,
    )


def _channels(user, bulletin):
    from zhaoshang.notify.models import Channel

    return (
        Channel.objects.visible_to(user)
        .filter(jurisdiction__path__startswith=bulletin.policy.jurisdiction.path, active=True)
        .select_related("unit", "team")
    )


@login_required
def bulletin_detail(request, pk):
    bulletin = _bulletin_or_404(request, pk)
    can_send = _may_generate(request.user) and bulletin.status == Bulletin.Status.DONE
    return render(
        request,
        "bulletins/bulletin_detail.html",
        {
            "title": str(bulletin),
            "object": bulletin,
            "bulletin": bulletin,
            "sends": BulletinSend.objects.filter(bulletin=bulletin).select_related("channel", "sent_by"),
            "send_form": forms.SendForm(channels=_channels(request.user, bulletin)) if can_send else None,
        },
    )


@login_required
def bulletin_progress(request, pk):
    bulletin = _bulletin_or_404(request, pk)
    return render(request, "bulletins/_progress.html", {"bulletin": bulletin})


@login_required
def bulletin_download(request, pk, fmt):
    bulletin = _bulletin_or_404(request, pk)
    if fmt not in services.MIME:
        raise Http404("没有这种格式")
    field = getattr(bulletin, fmt)
    if bulletin.status != Bulletin.Status.DONE or not field:
        raise Http404("文件尚未生成")
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("文件已不在服务器上，请重新生成") from None
    return FileResponse(
        handle, as_attachment=True, filename=bulletin.file_name(fmt), content_type=services.MIME[fmt]
    )


@login_required
@require_POST
def bulletin_send(request, pk):
    """Send to the channels chosen, after the page that says where and what goes (nothing is
    sent until it is confirmed: a POST without confirm=1 gets that page)."""
    from zhaoshang.core.confirm import ask, confirmed

    bulletin = _bulletin_or_404(request, pk)
    if not _may_generate(request.user):
        raise PermissionDenied("只有招商办可以发送战报简报")
    form = forms.SendForm(request.POST, channels=_channels(request.user, bulletin))
    detail = reverse("bulletins:bulletin_detail", args=[bulletin.pk])
    if not form.is_valid():
        messages.error(request, "请选择至少一个发送渠道")
        return HttpResponseRedirect(detail)
    chosen = list(_channels(request.user, bulletin).filter(pk__in=form.cleaned_data["channel"]))
    if not confirmed(request):
        return ask(
            request,
            services.send_confirmation(bulletin, chosen),
            cancel_url=detail,
            status=200,
            keep=["channel"],
        )
    for channel, record, outcome in services.send_many(bulletin, chosen, user=request.user):
        if record is not None and record.status == BulletinSend.Status.SENT:
            messages.success(request, f"已发送至 {channel}")
        else:
            messages.error(request, f"{channel}：{outcome}")
    return HttpResponseRedirect(detail)


def _template_target(request, policy, kind):
    if not _may_generate(request.user):
        raise PermissionDenied("只有招商办可以修改简报模板")
    p = get_object_or_404(Policy.objects.visible_to(request.user).select_related("jurisdiction"), name=policy)
    if kind not in KINDS:
        raise Http404("没有这类简报")
    return p


@login_required
def template_edit(request, policy, kind):
    p = _template_target(request, policy, kind)
    tpl = services.template_for(p, kind)
    data = merged_data(request.POST, forms.TemplateForm, tpl) if request.method == "POST" else None
    form = forms.TemplateForm(data, instance=tpl)
    add_version_field(form, tpl)  # a saved template: no lost update (core/concurrency.py)
    conflict, status = None, 400
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            with transaction.atomic():
                claim(obj, form.cleaned_data.get(VERSION_FIELD))
                obj.save()
        except StaleWrite as exc:
            conflict, status = conflict_context(form, obj, exc), 409
        else:
            messages.success(request, f"已保存{KINDS[kind]}模板")
            return HttpResponseRedirect(reverse("bulletins:template_edit", args=[p.name, kind]))
    shown = services.template_for(p, kind)  # the saved text: what the preview shows on opening
    preview = _preview(p, kind, shown)
    return render(
        request,
        "bulletins/template_edit.html",
        {
            "title": f"{p.jurisdiction.name} · {KINDS[kind]}模板",
            "form": form,
            "policy": p,
            "kind": kind,
            "saved": tpl.pk is not None,
            "legacy": any(uses_django(getattr(shown, f)) for f in services.TEMPLATE_FIELDS),
            "groups": _placeholder_groups(preview.get("context")),
            "tables": TABLES,
            "preview": preview,
            "conflict": conflict,
            "reset_confirmation": reset_confirmation(KINDS[kind]),
        },
        status=status if request.method == "POST" else 200,
    )


@login_required
@require_POST
def template_preview(request, policy, kind):
    """The editor's live preview (htmx): the unsaved text rendered by the bulletin's own renderer
    on last month's figures, or the errors the save would refuse, each with its line."""
    p = _template_target(request, policy, kind)
    tpl = services.template_for(p, kind)
    form = forms.TemplateForm(request.POST, instance=tpl)
    if not form.is_valid():  # the model's check (services.check_template) runs here, as on save
        errors = [
            (form.fields[f].label if f in form.fields else "", e) for f, es in form.errors.items() for e in es
        ]
        return render(request, "bulletins/_preview.html", {"preview": {"errors": errors}})
    return render(request, "bulletins/_preview.html", {"preview": _preview(p, kind, form.instance)})


def _preview(policy, kind, tpl) -> dict:
    """What the preview pane shows: the document composed from `tpl` on last month's figures."""
    period = services.preview_period(policy)
    try:
        year = int(period[:4])
        composed = services.compose(
            policy, kind, period, template=tpl, sequence=services.next_sequence(policy, kind, year)
        )
    except ValidationError as exc:
        return {"errors": [("", m) for m in exc.messages], "period": period}
    doc = composed.document
    blocks = []
    for b in doc.blocks:
        if b.kind == "table":
            rows = [[cell_text(c) for c in row] for row in b.table.rows]
            blocks.append(
                {
                    "kind": "table",
                    "title": b.table.title,
                    "headers": b.table.headers,
                    "rows": rows[:PREVIEW_ROWS],
                    "more": max(0, len(rows) - PREVIEW_ROWS),
                    "note": b.table.note,
                }
            )
        else:
            blocks.append({"kind": b.kind, "text": b.text})
    return {
        "document": doc,
        "blocks": blocks,
        "signed_on": chinese_date(doc.signed_on),
        "period_label": composed.context.get("period", period),
        "context": composed.context,
    }


PREVIEW_ROWS = 8


def _placeholder_groups(context) -> list[tuple[str, list[tuple[Placeholder, str]]]]:
    """The list beside the editor: each placeholder with what it says in the previewed month (or
    in the stand-in figures the check uses, when the preview could not be made)."""
    values = context if context is not None else sample_values()
    groups: dict[str, list] = {}
    for ph in PLACEHOLDERS:
        example = services._render(ph.text, values).strip()
        groups.setdefault(ph.group, []).append((ph, example or "（空）"))
    return list(groups.items())


def reset_confirmation(kind_name: str) -> Confirmation:
    return Confirmation(
        title=f"恢复默认{kind_name}模板",
        message=f"本单位修改过的{kind_name}模板将被删除，改用系统默认模板；删除后无法找回，如需保留请先复制原文。",
        button="确认恢复默认",
    )


@login_required
@require_POST
def template_reset(request, policy, kind):
    p = _template_target(request, policy, kind)
    if not confirmed(request):  # the button's dialog was not confirmed: the office's text stays
        return ask(
            request,
            reset_confirmation(KINDS[kind]),
            cancel_url=reverse("bulletins:template_edit", args=[p.name, kind]),
        )
    BulletinTemplate.objects.filter(policy=p, kind=kind).delete()
    messages.success(request, f"已恢复默认{KINDS[kind]}模板")
    return HttpResponseRedirect(reverse("bulletins:template_edit", args=[p.name, kind]))
