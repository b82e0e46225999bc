"""/org/calendar/: the office's holiday calendar — a year's month grid (phone and desktop), the
dates to add, change and remove, the year's status, and the Excel import and export. Everyone
with a role reads it; `core.permissions.may_edit_calendar` decides who writes."""

from __future__ import annotations

import calendar as pycal
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zhaoshang.core.confirm import Confirmation, ask, confirmed
from zhaoshang.core.permissions import may_edit_calendar
from zhaoshang.core.scoping import membership

from . import calendar as workdays
from . import services
from .forms import DayForm, ImportForm, YearForm
from .models import MAX_YEAR, MIN_YEAR, CalendarDay, CalendarYear


def _reader(request):
    if not (request.user.is_superuser or membership(request.user) is not None):
        raise PermissionDenied("您的账号尚未分配角色，不能查看节假日日历")


def _editor(request):
    if not may_edit_calendar(request.user):
        raise PermissionDenied("只有最上级招商办可以修改节假日日历")


def _year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404(f"年份须在{MIN_YEAR}年至{MAX_YEAR}年之间")
    return year


def _year_url(year: int) -> str:
    return reverse("holidays:year", args=[year])


def _months(year: int, days: dict[date, CalendarDay], covered: bool):
    cal = pycal.Calendar(firstweekday=0)
    out = []
    for month in range(1, 13):
        weeks = []
        for week in cal.monthdatescalendar(year, month):
            cells = []
            for d in week:
                if d.month != month:
                    cells.append(None)
                    continue
                day = days.get(d)
                if day is not None:
                    css = "cal-holiday" if day.kind == CalendarDay.Kind.HOLIDAY else "cal-workday"
                    title = f"{day.name}（{day.get_kind_display()}）"
                else:
                    css = "cal-weekend" if d.weekday() >= 5 else ""
                    title = "周末" if d.weekday() >= 5 else "工作日"
                cells.append({"date": d, "css": css, "title": title, "day": day})
            weeks.append(cells)
        out.append({"month": month, "weeks": weeks})
    return out


@login_required
def index(request):
    return HttpResponseRedirect(_year_url(date.today().year))


@login_required
def year_view(request, year: int):
    _reader(request)
    _year(year)
    y = CalendarYear.objects.filter(year=year).first()
    days = {d.date: d for d in CalendarDay.objects.filter(date__year=year).select_related("entered_by")}
    editor = may_edit_calendar(request.user)
    ctx = {
        "title": f"节假日日历 {year}年",
        "year": year,
        "calendar_year": y,
        "days": sorted(days.values(), key=lambda d: d.date),
        "months": _months(year, days, y is not None),
        "weekdays": workdays.WEEKDAYS,
        "editor": editor,
        "year_form": YearForm(initial={"status": y.status, "source": y.source}) if y and editor else None,
        "can_fill_statutory": editor and y is None and year >= 2025,
        "health": workdays.calendar_health(),
        "prev": year - 1,
        "next": year + 1,
    }
    return render(request, "holidays/year.html", ctx)


@login_required
def day_edit(request, year: int, pk: int | None = None):
    _editor(request)
    _year(year)
    day = get_object_or_404(CalendarDay, pk=pk) if pk else None
    if request.method == "POST":
        form = DayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.day_save(
                    day=day,
                    on=data["date"],
                    kind=data["kind"],
                    name=data["name"],
                    source=data["source"],
                    by=request.user,
                )
            except ValidationError as exc:
                for field, message in services._messages(exc).items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, f"已保存：{saved}")
                return HttpResponseRedirect(_year_url(saved.date.year))
        status = 400
    else:
        initial = {}
        if day:
            initial = {"date": day.date, "kind": day.kind, "name": day.name, "source": day.source}
        elif request.GET.get("date"):
            try:
                on = date.fromisoformat(request.GET["date"])
            except ValueError:
                on = None
            if on:
                initial = {"date": on, "kind": "workday" if on.weekday() >= 5 else "holiday"}
        form = DayForm(initial=initial)
        status = 200
    ctx = {"title": "修改日期" if day else "增加日期", "form": form, "year": year, "day": day}
    return render(request, "holidays/day_form.html", ctx, status=status)


@login_required
@require_POST
def day_delete(request, pk: int):
    _editor(request)
    day = get_object_or_404(CalendarDay, pk=pk)
    year = day.date.year
    text = str(day)
    if not confirmed(request):  # the button's dialog was not confirmed: nothing is deleted
        return ask(
            request,
            Confirmation(
                title=f"删除日期：{text}",
                message="删除后该日恢复为平常的工作日或周末，按工作日计算的报送截止日期随之改变。",
                button="确认删除",
            ),
            cancel_url=_year_url(year),
        )
    services.day_delete(day)
    messages.success(request, f"已删除：{text}")
    return HttpResponseRedirect(_year_url(year))


@login_required
@require_POST
def year_update(request, year: int):
    _editor(request)
    _year(year)
    form = YearForm(request.POST)
    if form.is_valid():
        try:
            services.year_update(
                year=year, status=form.cleaned_data["status"], source=form.cleaned_data["source"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已更新{year}年的状态")
    else:
        messages.error(request, "请选择年度状态")
    return HttpResponseRedirect(_year_url(year))


@login_required
@require_POST
def year_statutory(request, year: int):
    _editor(request)
    _year(year)
    try:
        made = services.fill_statutory(year, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, f"已生成{year}年法定节假日{len(made)}天（未含调休，请在国务院办公厅通知发布后补录）"
        )
    return HttpResponseRedirect(_year_url(year))


@login_required
def export(request, year: int):
    _reader(request)
    _year(year)
    data = services.export_workbook([year])
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename=holidays-{year}.xlsx"
    return response


@login_required
def import_view(request, year: int):
    _editor(request)
    _year(year)
    errors = []
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.import_workbook(
                    data["file"].read(),
                    by=request.user,
                    status=CalendarYear.Status.OFFICIAL if data["official"] else None,
                    source=data["source"],
                )
            except services.ImportRefused as exc:
                errors = [str(e) for e in exc.errors]
                status = 400
            else:
                years = "、".join(f"{y}年" for y in result.years)
                messages.success(
                    request,
                    f"已导入{years}：新增{result.created}，修改{result.updated}，"
                    f"删除{result.deleted}，未变{result.unchanged}",
                )
                return HttpResponseRedirect(_year_url(result.years[0]))
        else:
            status = 400
    else:
        form = ImportForm()
    ctx = {"title": "导入节假日", "form": form, "errors": errors, "year": year}
    return render(request, "holidays/import.html", ctx, status=status)
