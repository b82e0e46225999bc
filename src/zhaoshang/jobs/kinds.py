"""Every kind of job. Each calls the service the page, the API and the command line call; the job
only carries the arguments across and reports progress and a result the job page links to."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from .registry import register


def _user(pk):
    return get_user_model().objects.filter(pk=pk).first() if pk else None


# --- Bulletins -----------------------------------------------------------------------------------


def _bulletin_failed(job, message: str) -> None:
    from zhaoshang.bulletins.models import Bulletin

    Bulletin.objects.filter(pk=job.arguments.get("bulletin")).exclude(status=Bulletin.Status.DONE).update(
        status=Bulletin.Status.FAILED, message=message[:500], finished_at=timezone.now()
    )


@register("bulletin", "生成战报简报", on_failed=_bulletin_failed)
def build_bulletin(run, *, bulletin: int):
    from zhaoshang.bulletins import services
    from zhaoshang.bulletins.models import Bulletin

    obj = Bulletin.objects.select_related("policy__jurisdiction").get(pk=bulletin)
    link = {"url": reverse("bulletins:bulletin_detail", args=[obj.pk]), "link": "查看并下载"}
    if obj.status != Bulletin.Status.DONE:  # a second delivery of a finished job builds nothing
        services.generate(obj, on_progress=run.progress)
        obj.refresh_from_db()
    if obj.status == Bulletin.Status.FAILED:
        return {"error": obj.message or "生成失败", **link}
    return {"summary": f"已生成：{obj}", **link}


# --- Excel imports -------------------------------------------------------------------------------


def _import_failed(job, message: str) -> None:
    from django.core.files.storage import default_storage

    name = job.arguments.get("file")
    if name and default_storage.exists(name):
        default_storage.delete(name)


@register("import", "Excel 导入", on_failed=_import_failed)
def import_sheet(
    run,
    *,
    kind: str,
    file: str,
    filename: str,
    by: int,
    list_url: str = "",
    dry_run: bool = False,
    policy=None,
):
    """The all-or-nothing import of an uploaded workbook kept in the file storage; its ImportClaim
    is taken inside import_file as on the page. Another import of the county running: tried again
    later."""
    from django.core.files.storage import default_storage

    from zhaoshang.exchange.exporter import store_error_workbook
    from zhaoshang.exchange.importer import import_file
    from zhaoshang.exchange.models import BUSY_HINT
    from zhaoshang.org.models import Policy

    from .services import Transient

    who = _user(by)
    run.progress(5, "读取表格")
    with default_storage.open(file, "rb") as f:
        data = f.read()
    chosen = Policy.objects.filter(pk=policy).first() if policy else None
    run.progress(20, "校验并写入（全部通过才保存，有错误则一条也不导入）")
    result = import_file(kind, data, user=who, filename=filename, dry_run=dry_run, policy=chosen)
    busy = [e for e in result.errors if e.message.endswith(BUSY_HINT)]
    if busy:
        raise Transient(str(busy[0]))
    default_storage.delete(file)
    if result.ok:
        verb = "校验通过（未导入）" if dry_run else "已导入"
        return {"summary": f"{verb}“{filename}”，共 {result.rows} 行：{result.summary()}", "url": list_url,
                "link": "查看列表"}  # fmt: skip
    token = store_error_workbook(result, who) if who is not None else None
    first = "；".join(str(e) for e in result.errors[:5])
    more = f"等 {len(result.errors)} 处" if len(result.errors) > 5 else ""
    error = f"“{filename}”未导入任何数据：{first}{more}"
    if token:
        return {
            "error": error,
            "url": reverse("exchange:error_workbook", args=[token]),
            "link": "下载错误工作簿",
        }
    return {"error": error}


# --- Assessments ---------------------------------------------------------------------------------


@register("assessment", "计算考核结果")
def assess(run, *, policy: int, period: str, by=None, reason: str = "", current_organisation: bool = False):
    from zhaoshang.assessment import services
    from zhaoshang.org.models import Policy

    p = Policy.objects.select_related("jurisdiction").get(pk=policy)
    run.progress(10, f"汇总{p.jurisdiction.name}各地数据并计算 {period}")
    result = services.run(p, period, user=_user(by), reason=reason, current_organisation=current_organisation)
    return {
        "summary": f"已计算：{result}（{result.get_status_display()}）",
        "url": reverse("assessment:assessmentrun_detail", args=[result.pk]),
        "link": "查看考核结果",
        "run": result.pk,
    }


# --- Periodic (Celery beat; cron runs the commands where there is no broker) ---------------------


@register("remind", "发送报送提醒", singleton=True)
def remind(run, *, on: str | None = None):
    """notify's own claims make sure a reminder is never sent twice, however often this runs."""
    from zhaoshang.notify.services import send_reminders
    from zhaoshang.supervision.duties_remind import send_duty_reminders

    today = date.fromisoformat(on) if on else timezone.localdate()
    return {"summary": f"{send_reminders(today).summary(today)}；{send_duty_reminders(today).summary(today)}"}


@register("schedule_reports", "生成报送任务（报送日历）", singleton=True)
def schedule_reports(run, *, days: int = 31):
    from zhaoshang.fieldwork.services import schedule_reports as make
    from zhaoshang.org.models import Policy

    start = timezone.localdate()
    end = start + timedelta(days=days)
    made = 0
    for p in Policy.objects.select_related("jurisdiction"):
        made += len(make(p, start, end))
    # The policies' duties (supervision/duties.py) are scheduled and proved by the same daily run.
    from zhaoshang.supervision.duties import duties_daily

    duties_made, proved = duties_daily(today=start)
    return {
        "summary": f"共新生成 {made} 项报送任务（{start} 至 {end} 截止）；"
        f"新生成 {duties_made} 项职责任务，按平台记录自动销号 {proved} 项"
    }


@register("escalate_problems", "问题清单逾期督办", singleton=True)
def escalate_problems(run, *, on: str | None = None):
    """Marks each overdue problem escalated once and tells the office and the responsible leader
    (supervision/problems.py); an escalated problem is never announced twice."""
    from zhaoshang.supervision.problems import escalate_overdue

    today = date.fromisoformat(on) if on else timezone.localdate()
    done = escalate_overdue(today=today)
    return {"summary": f"{today:%Y-%m-%d} 逾期督办问题 {len(done)} 项"}


@register("rolling_evaluations", "生成落地项目滚动评价（年度）", singleton=True)
def rolling_evaluations(run, *, year: int | None = None):
    """Each January, the proposals of the year just ended for every policy with a rolling
    evaluation (ledger/performance.py evaluations_generate): the office confirms them."""
    from zhaoshang.core.changelog import change_context
    from zhaoshang.ledger.performance import evaluations_yearly
    from zhaoshang.org.models import Policy

    year = year or timezone.localdate().year - 1
    with change_context(source="system", reason=f"生成{year}年落地项目滚动评价"):
        done = evaluations_yearly(year=year, policies=Policy.objects.select_related("jurisdiction"))
    if not done:
        return {"summary": f"{year}年：没有政策文件规定落地项目滚动评价"}
    return {"summary": "；".join(f"{p.title} {year}年：新生成 {c} 条、更新 {u} 条待确认" for p, c, u in done)}


@register("clearsessions", "清理过期会话和旧任务记录", singleton=True)
def clearsessions(run):
    """Django's clearsessions, and periodic jobs' rows older than ZHAOSHANG_JOB_KEEP_DAYS (the jobs
    someone asked for stay), and heartbeats of processes gone for a day."""
    from .models import Job, ProcessHeartbeat

    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
    now = timezone.now()
    keep = timedelta(days=int(getattr(settings, "ZHAOSHANG_JOB_KEEP_DAYS", 30)))
    old, _ = Job.objects.filter(
        created_by=None, status__in=[Job.Status.DONE, Job.Status.FAILED], created__lt=now - keep
    ).delete()
    ProcessHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    return {"summary": f"已清理过期会话；删除 {old} 条旧的定时任务记录"}
