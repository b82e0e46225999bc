"""Jobs in one process: every kind inline (no broker), the polling worker, claims, retries, time
limits, the recovery sweep, Celery in eager mode, the beat schedule, heartbeats and the job page.
The Celery worker on a real Redis is in test_celery_redis.py."""

from __future__ import annotations

import io
import os
import subprocess
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from zhaoshang import jobs
from zhaoshang.assessment.models import AssessmentRun
from zhaoshang.bulletins import services as bulletins
from zhaoshang.bulletins.models import Bulletin
from zhaoshang.jobs import conf, health, services
from zhaoshang.jobs.models import Job, ProcessHeartbeat
from zhaoshang.org.models import Policy

from . import kinds as _test_kinds  # noqa: F401  (registers the test kinds)


@pytest.fixture
def testland(db):
    return Policy.objects.get(name="testland-2024")


@pytest.fixture
def clerk(db):
    return get_user_model().objects.create_user("job-clerk", password="x")


@pytest.fixture
def worker_mode(settings):
    """Jobs queued for `zhaoshang worker` (no broker)."""
    settings.CELERY_BROKER_URL = ""
    settings.ZHAOSHANG_WORKER = True


@pytest.fixture
def eager(settings):
    """A broker configured and Celery in eager mode: tasks run in the caller at dispatch."""
    from zhaoshang.celery import app

    settings.CELERY_BROKER_URL = "memory://"
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager = False


# --- Inline: every kind, synchronously -----------------------------------------------------------


def test_without_broker_or_worker_every_job_runs_inline(settings, clerk, tmp_path):
    settings.CELERY_BROKER_URL, settings.ZHAOSHANG_WORKER = "", False
    assert conf.mode() == "inline"
    job = jobs.submit("test_sleep", user=clerk, seconds=0.01, log=str(tmp_path / "log"))
    assert job.status == "done" and job.progress == 100 and job.result == {"summary": "睡醒了"}
    assert job.attempts == 1 and job.created_by == clerk and job.finished_at is not None
    assert (tmp_path / "log").read_text().count("end") == 1


def test_inline_bulletin_is_built_in_the_request_and_linked_from_its_job(testland, clerk):
    bulletin = bulletins.request_bulletin(policy=testland, kind="briefing", period="2024-05", user=clerk)
    assert bulletin.status == "done" and bulletin.docx
    job = Job.objects.get(kind="bulletin", arguments={"bulletin": bulletin.pk})
    assert job.status == "done" and job.result["url"] == reverse(
        "bulletins:bulletin_detail", args=[bulletin.pk]
    )
    assert "测试市" in job.title and job.created_by == clerk


def test_inline_assessment_of_a_city_runs_and_links_the_run(testland, clerk):
    job = jobs.submit("assessment", user=clerk, policy=testland.pk, period="2024-06", by=clerk.pk)
    assert job.status == "done", job.error
    run = AssessmentRun.objects.get(pk=job.result["run"])
    assert run.policy == testland and run.period == "2024-06" and run.run_by == clerk
    assert job.result["url"] == reverse("assessment:assessmentrun_detail", args=[run.pk])


def test_an_assessment_of_a_bad_period_fails_in_chinese(testland, clerk):
    job = jobs.submit("assessment", user=clerk, policy=testland.pk, period="去年", by=clerk.pk)
    assert job.status == "failed" and "时期" in job.error and "Error" not in job.error


def test_inline_reminders_calendar_and_session_cleanup(testland):
    Session.objects.create(session_key="old", session_data="", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="new", session_data="", expire_date=timezone.now() + timedelta(days=1))
    old = Job.objects.create(kind="remind", title="旧提醒", status="done", queued_at=timezone.now())
    Job.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=40))
    remind = jobs.submit("remind", on="2024-06-05")
    assert remind.status == "done" and remind.result["summary"] and remind.created_by is None
    calendar = jobs.submit("schedule_reports")
    assert calendar.status == "done" and "报送任务" in calendar.result["summary"]
    clean = jobs.submit("clearsessions")
    assert clean.status == "done" and "删除 1 条" in clean.result["summary"]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
    assert not Job.objects.filter(pk=old.pk).exists()


def test_a_program_error_fails_the_job_in_chinese(clerk):
    job = jobs.submit("test_broken", user=clerk)
    assert job.status == "failed" and job.error == "执行时出错（RuntimeError），请联系系统管理员"


# --- The polling worker (ZHAOSHANG_WORKER=1, no broker) ------------------------------------------


def test_with_a_polling_worker_jobs_wait_then_run(worker_mode, testland, clerk):
    bulletin = bulletins.request_bulletin(policy=testland, kind="monthly", period="2024-05", user=clerk)
    assert bulletin.status == "queued"
    job = Job.objects.get(kind="bulletin", arguments={"bulletin": bulletin.pk})
    assert job.status == "queued" and job.attempts == 0
    call_command("worker", "--once", stderr=io.StringIO())
    job.refresh_from_db()
    bulletin.refresh_from_db()
    assert job.status == "done" and job.attempts == 1 and job.claimed_by == services.process_name()
    assert bulletin.status == "done" and bulletin.pdf


def test_a_claimed_job_is_not_claimed_again(worker_mode, clerk):
    job = jobs.submit("test_sleep", user=clerk, seconds=0)
    assert services.claim(job.pk, "host-a:1") is not None
    assert services.claim(job.pk, "host-b:2") is None  # running, its heartbeat fresh
    assert services.execute(job.pk, worker="host-b:2") is None
    job.refresh_from_db()
    assert job.status == "running" and job.claimed_by == "host-a:1" and job.attempts == 1


def test_a_transient_error_is_retried_with_backoff(worker_mode, settings, clerk, tmp_path):
    settings.ZHAOSHANG_JOB_RETRY_SECONDS = 30
    job = jobs.submit("test_flaky", user=clerk, marker=str(tmp_path / "n"), failures=1)
    assert services.execute(job.pk) == "queued"
    job.refresh_from_db()
    assert job.status == "queued" and job.attempts == 1 and "数据库暂时无法连接" in job.step
    assert job.run_after >= timezone.now() + timedelta(seconds=25)
    assert services.next_queued() is None  # not before its time
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    assert services.run_queued() == 1
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2 and job.result["summary"] == "第 2 次成功"


def test_a_transient_error_that_persists_fails_after_the_last_attempt(worker_mode, settings, clerk, tmp_path):
    settings.ZHAOSHANG_JOB_MAX_ATTEMPTS = 2
    job = jobs.submit("test_flaky", user=clerk, marker=str(tmp_path / "n"), failures=5)
    services.execute(job.pk)
    Job.objects.filter(pk=job.pk).update(run_after=None)
    assert services.execute(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == "数据库暂时无法连接，已尝试 2 次仍未成功，请稍后重新提交"


def test_the_soft_time_limit_fails_the_job_in_chinese(worker_mode, clerk, tmp_path):
    job = jobs.submit("test_sleep", user=clerk, seconds=3, log=str(tmp_path / "log"))
    assert services.execute(job.pk, soft_limit=0.3) == "failed"
    job.refresh_from_db()
    assert (
        job.error.startswith("超过时限（0.3 秒）仍未完成，已停止")
        and "ZHAOSHANG_JOB_TIME_LIMITS" in job.error
    )
    assert "end" not in (tmp_path / "log").read_text()


def test_a_bulletin_over_its_time_limit_is_marked_failed_too(worker_mode, testland, clerk, monkeypatch):
    from zhaoshang.bulletins import render_pdf

    def slow(document):
        import time

        time.sleep(3)

    monkeypatch.setattr(render_pdf, "render", slow)
    bulletin = bulletins.request_bulletin(policy=testland, kind="monthly", period="2024-05", user=clerk)
    job = Job.objects.get(kind="bulletin", arguments={"bulletin": bulletin.pk})
    assert services.execute(job.pk, soft_limit=0.5) == "failed"
    bulletin.refresh_from_db()
    assert bulletin.status == "failed" and bulletin.message.startswith("超过时限")


# --- Recovery ------------------------------------------------------------------------------------


def _running(clerk, *, claimed_by: str, minutes_ago: float, attempts: int = 1) -> Job:
    job = jobs.submit("test_sleep", user=clerk, inline=False, seconds=0)
    then = timezone.now() - timedelta(minutes=minutes_ago)
    Job.objects.filter(pk=job.pk).update(
        status="running", claimed_by=claimed_by, heartbeat_at=then, started_at=then, attempts=attempts
    )
    return job


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_recovery_requeues_stale_jobs_and_leaves_live_ones(worker_mode, settings, clerk):
    settings.ZHAOSHANG_JOB_STALE_MINUTES = 10
    stale = _running(clerk, claimed_by="other-host:1", minutes_ago=11)
    alive = _running(clerk, claimed_by="other-host:2", minutes_ago=1)
    dead_here = _running(
        clerk, claimed_by=f"{services.process_name().split(':')[0]}:{_dead_pid()}", minutes_ago=0
    )
    me = _running(clerk, claimed_by=services.process_name(), minutes_ago=0)
    worn = _running(clerk, claimed_by="other-host:3", minutes_ago=11, attempts=3)
    assert services.recover() == {"requeued": 2, "failed": 1, "resent": 0}
    statuses = dict(
        Job.objects.filter(pk__in=[j.pk for j in (stale, alive, dead_here, me, worn)]).values_list(
            "pk", "status"
        )
    )
    assert statuses == {
        stale.pk: "queued",
        alive.pk: "running",
        dead_here.pk: "queued",
        me.pk: "running",
        worn.pk: "failed",
    }
    assert Job.objects.get(pk=worn.pk).error.startswith("执行中断 3 次")
    assert "重新排队" in Job.objects.get(pk=stale.pk).step
    assert services.recover() == {"requeued": 0, "failed": 0, "resent": 0}  # idempotent
    assert services.run_queued() == 2
    assert Job.objects.get(pk=stale.pk).attempts == 2


def test_recovery_fails_a_job_past_its_hard_time_limit(worker_mode, settings, clerk):
    settings.ZHAOSHANG_JOB_TIME_LIMITS = {"test_sleep": 60}
    job = _running(clerk, claimed_by="other-host:9", minutes_ago=30)
    assert services.recover()["failed"] == 1
    assert Job.objects.get(pk=job.pk).error.startswith("超过时限（1 分钟）")


def test_a_given_up_bulletin_job_fails_its_bulletin(worker_mode, testland, clerk):
    bulletin = bulletins.request_bulletin(policy=testland, kind="monthly", period="2024-05", user=clerk)
    job = Job.objects.get(kind="bulletin", arguments={"bulletin": bulletin.pk})
    old = timezone.now() - timedelta(minutes=20)
    Job.objects.filter(pk=job.pk).update(
        status="running", claimed_by="gone:1", heartbeat_at=old, started_at=timezone.now(), attempts=3
    )
    Bulletin.objects.filter(pk=bulletin.pk).update(status="running", progress=35)
    services.recover()
    bulletin.refresh_from_db()
    assert bulletin.status == "failed" and bulletin.message.startswith("执行中断 3 次")


# --- Celery, eager ------------------------------------------------------------------------------


def test_with_a_broker_jobs_are_sent_after_commit(eager, clerk, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as sent:
        job = jobs.submit("test_sleep", user=clerk, seconds=0.01, log=str(tmp_path / "log"))
        assert Job.objects.get(pk=job.pk).status == "queued"  # nothing runs before the commit
    assert len(sent) == 1
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 1


def test_eager_retry_then_success(eager, clerk, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.submit("test_flaky", user=clerk, marker=str(tmp_path / "n"), failures=1)
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2


def test_a_city_assessment_is_queued_as_one_job(eager, testland, clerk, django_capture_on_commit_callbacks):
    from zhaoshang.assessment import services as assessment

    with django_capture_on_commit_callbacks(execute=True):
        job = assessment.queue_run(testland, "2024-06", user=clerk, reason="")
    job.refresh_from_db()
    assert job.kind == "assessment" and job.status == "done", job.error
    assert AssessmentRun.objects.filter(pk=job.result["run"], policy=testland, period="2024-06").exists()
    county = Policy.objects.filter(jurisdiction__level="county").first()
    assert assessment.queue_run(county, "2024-06", user=clerk) is None  # a county runs in the request


def test_a_city_assessment_runs_in_the_request_without_a_worker(settings, testland, clerk):
    from zhaoshang.assessment import services as assessment

    settings.CELERY_BROKER_URL, settings.ZHAOSHANG_WORKER = "", False
    assert assessment.queue_run(testland, "2024-06", user=clerk) is None


def test_a_large_upload_is_imported_by_a_job_with_its_progress_page(worker_mode, settings, client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhaoshang.exchange.tests.helpers import project_row, xlsx
    from zhaoshang.ledger.models import Project
    from zhaoshang.org.models import Membership, Unit

    settings.ZHAOSHANG_IMPORT_BACKGROUND_ROWS = 1
    unit = Unit.objects.get(jurisdiction__code="360722", name="商务局")
    user = get_user_model().objects.create_user("job-unit", password="x")
    Membership.objects.create(user=user, role="unit_clerk", jurisdiction=unit.jurisdiction, unit=unit)
    rows = [project_row({"项目名称": f"后台导入{i}", "企业名称": f"后台导入{i}有限公司"}) for i in range(2)]
    upload = SimpleUploadedFile("大台账.xlsx", xlsx(rows))
    client.force_login(user)
    response = client.post(reverse("exchange:import", args=["projects"]), {"file": upload})
    job = Job.objects.get(kind="import", created_by=user)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    assert (
        job.status == "queued"
        and "（2 行）" in job.title
        and not Project.objects.filter(name="后台导入0").exists()
    )
    assert services.run_queued() == 1
    job.refresh_from_db()
    assert job.status == "done" and "新建 2 条" in job.result["summary"], job.error
    assert Project.objects.filter(name__startswith="后台导入").count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page and reverse("ledger:project_list") in page and "hx-get" not in page
    # A sheet with errors: nothing imported, the error workbook linked from the job.
    bad = [project_row({"项目名称": "坏行", "企业名称": "坏行有限公司", "总投资（万元）": "十万"}), rows[0]]
    client.post(
        reverse("exchange:import", args=["projects"]), {"file": SimpleUploadedFile("坏.xlsx", xlsx(bad))}
    )
    services.run_queued()
    failed = Job.objects.filter(kind="import", created_by=user).order_by("-pk").first()
    assert failed.status == "failed" and "未导入任何数据" in failed.error and "十万" in failed.error
    assert client.get(failed.result["url"]).status_code == 200


def test_a_large_import_waits_while_the_county_imports_something_else(worker_mode, settings, db, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from zhaoshang.exchange.models import ImportClaim
    from zhaoshang.exchange.tests.helpers import project_row, xlsx
    from zhaoshang.org.models import Jurisdiction, Membership

    county = Jurisdiction.objects.get(code="360722")
    user = get_user_model().objects.create_user("job-office2", password="x")
    Membership.objects.create(user=user, role="office", jurisdiction=county)
    ImportClaim.take(jurisdiction=county, user=None, kind="investments", title="实际进资")
    name = default_storage.save("jobs/imports/t.xlsx", ContentFile(xlsx([project_row()])))
    job = jobs.submit("import", user=user, kind="projects", file=name, filename="t.xlsx", by=user.pk)
    assert services.execute(job.pk) == "queued"
    job.refresh_from_db()
    assert "同一区划一次只能进行一项导入" in job.step and default_storage.exists(name)


def test_beat_schedule_holds_every_periodic_job():
    from celery.schedules import crontab

    from zhaoshang.celery import app

    schedule = app.conf.beat_schedule
    by_job = {(e["task"], tuple(e.get("args", ()))): e["schedule"] for e in schedule.values()}
    assert by_job[("zhaoshang.jobs.periodic", ("remind",))] == 600.0
    daily = [by_job[("zhaoshang.jobs.periodic", (k,))] for k in ("schedule_reports", "clearsessions")]
    assert all(isinstance(s, crontab) and len(s.hour) == 1 and len(s.minute) == 1 for s in daily)
    assert by_job[("zhaoshang.jobs.recover", ())] <= 120
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1


def test_beat_refuses_without_a_broker(settings):
    settings.CELERY_BROKER_URL = ""
    with pytest.raises(CommandError, match="cron"):
        call_command("beat")


# --- Heartbeats --------------------------------------------------------------------------------


def test_health_of_workers_and_beat(settings, db):
    settings.CELERY_BROKER_URL, settings.ZHAOSHANG_WORKER = "", False
    assert health.workers_ok()[0] and health.beat_ok()[0]
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    assert health.workers_ok() == (False, "后台任务进程（zhaoshang worker）从未启动，排队的任务不会执行")
    assert health.beat_ok()[0] is False
    health.beat_now("worker", "h:1")
    health.beat_now("beat", "h:2")
    assert health.workers_ok() == (True, "1 个后台任务进程在运行")
    assert health.beat_ok() == (True, "定时调度进程在运行")
    ProcessHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=5))
    ok, reason = health.workers_ok()
    assert not ok and "已 5 分钟没有心跳" in reason
    health.beat_now("beat", "h:2")
    health.stopped("h:2")
    assert health.beat_ok()[0] is False


def test_heartbeat_thread_records_and_stops(settings, transactional_db):
    beat = health.Heartbeat("worker", "thread-test:1", interval=0.05).start()
    import time

    time.sleep(0.3)
    beat.stop()
    row = ProcessHeartbeat.objects.get(name="thread-test:1")
    assert row.kind == "worker" and row.stopped_at is not None


# --- The job page --------------------------------------------------------------------------------


def test_job_page_polls_only_while_unfinished_and_only_for_its_owner(worker_mode, client, clerk):
    other = get_user_model().objects.create_user("job-other", password="x")
    job = jobs.submit("test_broken", user=clerk)
    client.force_login(clerk)
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert "排队中" in page and 'hx-trigger="every 5s"' in page
    Job.objects.filter(pk=job.pk).update(status="running", progress=40, step="校验")
    partial = client.get(reverse("jobs:job_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in partial and 'value="40"' in partial and "校验" in partial
    services.run_queued()  # nothing queued: it is "running"
    Job.objects.filter(pk=job.pk).update(
        status="failed", error="执行时出错（RuntimeError），请联系系统管理员"
    )
    partial = client.get(reverse("jobs:job_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in partial and "执行时出错" in partial
    assert job.title in client.get(reverse("jobs:job_list")).content.decode()
    client.force_login(other)
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 404
    assert job.title not in client.get(reverse("jobs:job_list")).content.decode()
    client.logout()
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 302


def test_settings_are_read_from_the_environment():
    env = {
        **os.environ,
        "ZHAOSHANG_JOB_TIME_LIMITS": "import=7200,bulletin=300",
        "ZHAOSHANG_JOB_STALE_MINUTES": "5",
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='zhaoshang.settings'; django.setup();"
        "from zhaoshang.jobs import conf; print(conf.time_limits('import'), conf.time_limits('bulletin'),"
        " conf.time_limits('assessment'), conf.stale_after().total_seconds())"
    )
    out = subprocess.run([os.sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "(7200.0, 7260.0) (300.0, 360.0) (1800.0, 1860.0) 300.0"
