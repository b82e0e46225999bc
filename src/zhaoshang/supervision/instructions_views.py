"""Leaders' instructions' pages: the list (and 我的批示, the leader's own on the phone), the
detail with its replies, the leader's form, the reply and the closing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Case, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhaoshang.core.views import Col, ObjectDetailView, ObjectListView, add_form_errors, restrict_choices

from . import instructions as services
from . import instructions_forms as forms
from .instructions_filters import InstructionFilterSet
from .models import Instruction


def status_text(i: Instruction) -> str:
    return f"{i.get_status_display()}（逾期）" if i.overdue else i.get_status_display()


def subject_text(i: Instruction) -> str:
    return f"项目：{i.project}" if i.project_id else f"问题：{i.problem}"


class InstructionListView(ObjectListView):
    model = Instruction
    template_name = "supervision/instruction_list.html"
    filterset_class = InstructionFilterSet
    select_related = ("project", "problem", "addressee_unit", "addressee_team")
    title = "领导批示"
    columns = [
        Col("批示内容", lambda i: str(i), link=True),
        Col("批示领导", "leader_name", sort="leader_name"),
        Col("批示对象", subject_text),
        Col("承办", "addressee"),
        Col("办理期限", "deadline", sort="deadline"),
        Col("状态", status_text, sort="status"),
        Col("批示日期", "issued_on", sort="issued_on"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Instructions are issued by a leader on their own page, not the generic add form.
        ctx["can_add"] = services.may_issue(self.request.user)
        ctx["add_url"] = reverse("supervision:instruction_new")
        return ctx


class MyInstructionListView(InstructionListView):
    """我的批示: the leader's own instructions, the open ones first (their phone's list)."""

    title = "我的批示"
    # 待回复, then 已回复 (to close), then 已办结; by deadline within each.
    default_ordering = (
        Case(
            When(status=Instruction.Status.OPEN, then=0),
            When(status=Instruction.Status.REPLIED, then=1),
            default=2,
        ),
        "deadline",
        "id",
    )

    def get_queryset(self):
        return super().get_queryset().filter(by=self.request.user)


class InstructionDetailView(ObjectDetailView):
    model = Instruction
    select_related = ("project", "problem", "addressee_unit", "addressee_team", "by")
    fields = [
        Col("批示领导", "leader_name"),
        Col("项目", "project"),
        Col("问题", "problem"),
        Col("批示内容", "content"),
        Col("批示日期", "issued_on"),
        Col("办理期限", "deadline"),
        Col("承办单位", "addressee_unit"),
        Col("承办团队", "addressee_team"),
        Col("状态", status_text),
        Col("办结日期", "closed_on"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        i, user = self.object, self.request.user
        ctx.update(
            replies=i.replies.select_related("by").order_by("replied_on", "id"),
            may_reply=i.status != Instruction.Status.CLOSED and services.may_reply(user, i),
            may_close=i.status != Instruction.Status.CLOSED and services.may_close(user, i),
            reply_form=forms.ReplyForm(),
            can_edit=False,
            can_delete=False,
        )
        return ctx


@login_required
def instruction_new(request):
    """A leader's instruction (or the office recording one): ?project= or ?problem= preselects."""
    if not services.may_issue(request.user):
        raise PermissionDenied("只有领导（或招商办代为登记）可以作出批示")
    instance = Instruction()
    form = forms.InstructionForm(request.POST or None, instance=instance)
    restrict_choices(form, request.user)
    if request.method == "GET":
        for name in ("project", "problem"):
            raw = request.GET.get(name, "")
            if raw.isdigit() and form.fields[name].queryset.filter(pk=raw).exists():
                form.initial[name] = int(raw)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            services.instruction_issue(instruction=obj, by=request.user)
        except ValidationError as exc:
            add_form_errors(form, exc)
        except IntegrityError:
            form.add_error(None, "批示数据不完整，未保存")
        else:
            messages.success(request, "批示已发出")
            return HttpResponseRedirect(reverse("supervision:instruction_detail", args=[obj.pk]))
    return render(
        request,
        "core/object_edit.html",
        {"form": form, "title": "新建领导批示", "cancel_url": reverse("supervision:instruction_list")},
        status=400 if request.method == "POST" else 200,
    )


def _visible(request, pk) -> Instruction:
    return get_object_or_404(Instruction.objects.visible_to(request.user), pk=pk)


@require_POST
@login_required
def instruction_reply(request, pk):
    instruction = _visible(request, pk)
    form = forms.ReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"content": "回复内容不能为空"})
        services.instruction_reply(
            instruction=instruction, content=form.cleaned_data["content"], by=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已回复")
    return HttpResponseRedirect(reverse("supervision:instruction_detail", args=[instruction.pk]))


@require_POST
@login_required
def instruction_close(request, pk):
    instruction = _visible(request, pk)
    try:
        services.instruction_close(instruction=instruction, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "批示已办结")
    return HttpResponseRedirect(reverse("supervision:instruction_detail", args=[instruction.pk]))
