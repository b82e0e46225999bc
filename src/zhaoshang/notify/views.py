from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zhaoshang.core.views import Col, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView

from . import filters, forms
from .models import Channel, Delivery, Notice


class ChannelListView(ObjectListView):
    model = Channel
    filterset_class = filters.ChannelFilterSet
    select_related = ("unit", "team")
    columns = [
        Col("单位或团队", "holder", link=True),
        Col("方式", "kind", sort="kind"),
        Col("名称", "name"),
        Col("发送地址", "target_masked"),
        Col("提前提醒天数", "remind_days_before"),
        Col("启用", lambda c: "是" if c.active else "否"),
    ]


class ChannelDetailView(ObjectDetailView):
    model = Channel
    select_related = ("unit", "team")
    fields = [
        Col("方式", "kind"),
        Col("单位", "unit"),
        Col("团队", "team"),
        Col("名称", "name"),
        Col("发送地址", "target_masked"),
        Col("提前提醒天数", "remind_days_before"),
        Col("启用", lambda c: "是" if c.active else "否"),
    ]


class ChannelEditView(ObjectEditView):
    model = Channel
    form_class = forms.ChannelForm

    def before_save(self, obj):
        # A channel belongs where its unit or team is.
        holder = obj.team if obj.team_id else obj.unit
        if holder is not None:
            obj.jurisdiction_id = holder.jurisdiction_id


class ChannelDeleteView(ObjectDeleteView):
    model = Channel


class DeliveryListView(ObjectListView):
    model = Delivery
    filterset_class = filters.DeliveryFilterSet
    select_related = ("channel__unit", "channel__team", "report")
    default_ordering = ("-created_at", "-id")
    columns = [
        Col("生成时间", "created_at", link=True, sort="created_at"),
        Col("信息报送", lambda d: f"{d.report.name}（{d.report.due_on:%Y-%m-%d}截止）"),
        Col("事由", "reason", sort="reason"),
        Col("提醒渠道", "channel"),
        Col("状态", "status", sort="status"),
        Col("尝试次数", "attempts"),
        Col("发送成功时间", "sent_at", sort="sent_at"),
        Col("下次重试", "next_attempt_at"),
        Col("最近错误", "last_error"),
    ]


class DeliveryDetailView(ObjectDetailView):
    model = Delivery
    select_related = ("channel__unit", "channel__team", "report")
    fields = [
        Col("信息报送", "report"),
        Col("事由", "reason"),
        Col("提醒渠道", "channel"),
        Col("内容", "message"),
        Col("状态", "status"),
        Col("已尝试次数", "attempts"),
        Col("生成时间", "created_at"),
        Col("发送成功时间", "sent_at"),
        Col("下次重试时间", "next_attempt_at"),
        Col("最近错误", "last_error"),
        Col("对方回应", "response"),
    ]


class NoticeListView(ObjectListView):
    """消息: the in-app notices of the user's unit or team (office: its whole jurisdiction)."""

    model = Notice
    template_name = "notify/notice_list.html"
    select_related = ("unit", "team", "report")
    default_ordering = ("-created_at", "-id")

    def get_queryset(self):
        read = Notice.read_by.through.objects.filter(notice_id=OuterRef("pk"), user_id=self.request.user.pk)
        qs = super().get_queryset().annotate(is_read=Exists(read))
        if self.request.GET.get("unread"):
            qs = qs.filter(is_read=False)
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["unread_only"] = bool(self.request.GET.get("unread"))
        return ctx


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("notify:notice_list"))


@require_POST
@login_required
def notice_read(request, pk):
    notice = get_object_or_404(Notice.objects.visible_to(request.user), pk=pk)
    notice.read_by.add(request.user)
    return _back(request)


@require_POST
@login_required
def notice_read_all(request):
    Through = Notice.read_by.through
    unread = (
        Notice.objects.visible_to(request.user).exclude(read_by=request.user).values_list("pk", flat=True)
    )
    Through.objects.bulk_create(
        [Through(notice_id=pk, user_id=request.user.pk) for pk in unread], ignore_conflicts=True
    )
    return _back(request)
