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

from zhaoshang.core.concurrency import VERSION_FIELD, StaleWrite, claim
from zhaoshang.core.scoping import can_change
from zhaoshang.core.views import Col, ObjectListView, add_version_field, conflict_context, merged_data
from zhaoshang.org.models import Policy

from . import forms, services
from .document import KINDS
from .models import Bulletin, BulletinSend, BulletinTemplate


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
        Col("时期", "period", sort="period"),
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
    return render(
        request,
        "bulletins/template_edit.html",
        {
            "title": f"{p.jurisdiction.name} · {KINDS[kind]}模板",
            "form": form,
            "policy": p,
            "kind": kind,
            "saved": tpl.pk is not None,
            "table_keys": services.table_keys(),
            "variables": VARIABLES,
            "conflict": conflict,
        },
        status=status if request.method == "POST" else 200,
    )


@login_required
@require_POST
def template_reset(request, policy, kind):
    p = _template_target(request, policy, kind)
    BulletinTemplate.objects.filter(policy=p, kind=kind).delete()
    messages.success(request, f"已恢复默认{KINDS[kind]}模板")
    return HttpResponseRedirect(reverse("bulletins:template_edit", args=[p.name, kind]))


VARIABLES = [
    ("jurisdiction", "行政区划名称，如 信丰县"),
    ("issuer", "发文机关，如 信丰县扩大开放办"),
    ("jurisdiction_kind", "“县”或“市”"),
    ("policy_title", "政策文件标题"),
    ("period", "时期，如 2024年6月"),
    ("year / start / end / today", "年份 / 时期起止日期 / 生成日期"),
    ("signed_count / signed_yi", "本期签约项目数 / 总投资（亿元）"),
    ("started_count / started_yi", "本期开工项目数 / 总投资（亿元）"),
    ("production_count", "本期投产项目数"),
    ("funds_yi / year_funds_yi", "本期 / 本年累计实际进资（亿元）"),
    ("project_count", "在库项目总数"),
    (
        "activities.outbound_trip / visit / reception / promotion_event",
        "外出招商、拜访企业、接待客商、推介活动次数",
    ),
    ("leads.total / leads.valid", "报送线索数 / 有效线索数"),
    ("run / run_published", "本期考核结果（无结果时为空）/ 是否已发布"),
    ("run.version / run.as_of / run.status_label", "考核结果的版本 / 数据截至日期 / 状态（草稿、已发布）"),
    ("run.reason / run.published_on", "更正理由 / 发布日期"),
    ("front_runners / catch_up", "一马当先榜 / 奋起直追榜名单"),
    ("flags / amounts / warnings / amount_total", "问责情形 / 经费奖励 / 预警 / 经费奖励合计（万元）"),
]
