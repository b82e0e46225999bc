"""Celery workers on the real Redis (db 15, flushed before and after), started as subprocesses:
a worker builds a bulletin; a worker killed with SIGKILL mid-job has its job finished, once, by
the next worker; SIGTERM lets the job under way finish; a transient error is retried; the time
limit fails the job in Chinese; beat sends the periodic jobs and records its heartbeat.

The workers must see what the test commits, so these run on PostgreSQL (skipped on SQLite's
in-memory test database) and only where Redis answers at 127.0.0.1:6379."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from zhaoshang import jobs
from zhaoshang.jobs.models import Job, ProcessHeartbeat

from . import kinds as _test_kinds  # noqa: F401

BROKER = "redis://127.0.0.1:6379/15"


def _redis():
    try:
        import redis

        client = redis.Redis.from_url(BROKER, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception:
        return None


pytestmark = [
    pytest.mark.skipif(_redis() is None, reason="Redis does not answer at 127.0.0.1:6379"),
    pytest.mark.django_db(transaction=True),
]

WORKER = """
import django, sys
django.setup()
import zhaoshang.jobs.tests.kinds
from django.core.management import call_command
call_command("{command}", *sys.argv[1:])
"""


@pytest.fixture
def broker(settings):
    if connection.vendor != "postgresql":
        pytest.skip("worker subprocesses need a database they can share: run with DATABASE_URL=postgres://…")
    from zhaoshang.celery import app

    client = _redis()
    client.flushdb()
    settings.CELERY_BROKER_URL = BROKER
    settings.ZHAOSHANG_JOB_HEARTBEAT_SECONDS = 1
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = BROKER, False
    app._after_fork()  # drop connection pools made for another broker
    yield client
    app.conf.broker_url, app.conf.task_always_eager = previous
    app._after_fork()
    client.flushdb()


class Processes:
    def __init__(self, tmp_path: Path):
        self.tmp_path, self.started = tmp_path, []
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": BROKER,
            "ZHAOSHANG_JOB_HEARTBEAT_SECONDS": "1",
            "ZHAOSHANG_JOB_STALE_MINUTES": "0.1",
            "ZHAOSHANG_JOB_RETRY_SECONDS": "0.5",
            "DJANGO_SETTINGS_MODULE": "zhaoshang.settings",
        }

    def start(self, command: str, *args: str, env: dict | None = None) -> subprocess.Popen:
        log = open(self.tmp_path / f"{command}-{len(self.started)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER.format(command=command), *args],
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool goes down with it
        )
        self.started.append(proc)
        return proc

    def worker(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        return self.start("worker", "--concurrency=1", "--loglevel=INFO", *args, env=env)

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("*.log")))

    def stop_all(self):
        for proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


@pytest.fixture
def procs(broker, tmp_path):
    p = Processes(tmp_path)
    yield p
    p.stop_all()


def _wait(predicate, timeout: float = 30.0, what: str = ""):
    # Worker processes start slowly on a loaded machine (another test run beside this one): the
    # waits stretch (ZHAOSHANG_TEST_WAIT_SCALE, 3) — a passing wait returns as soon as it holds.
    deadline = time.monotonic() + timeout * float(os.environ.get("ZHAOSHANG_TEST_WAIT_SCALE") or 3)
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _status(job) -> str:
    return Job.objects.values_list("status", flat=True).get(pk=job.pk)


def test_a_worker_builds_a_bulletin(procs):
    from zhaoshang.bulletins.services import request_bulletin
    from zhaoshang.engine.loader import load_policy
    from zhaoshang.org.services import policy_load

    fixture = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "testland-2024.yaml"
    policy = policy_load(spec=load_policy(fixture)).policy
    worker = procs.worker()
    bulletin = request_bulletin(policy=policy, kind="briefing", period="2024-05")
    assert bulletin.status == "queued"
    job = Job.objects.get(kind="bulletin", arguments={"bulletin": bulletin.pk})
    _wait(lambda: _status(job) in ("done", "failed"), 60, "the bulletin job")
    job.refresh_from_db()
    bulletin.refresh_from_db()
    assert job.status == "done", (job.error, procs.logs())
    assert bulletin.status == "done" and bulletin.docx and bulletin.pdf
    assert job.claimed_by.split(":")[0] and job.attempts == 1
    _wait(lambda: ProcessHeartbeat.objects.filter(kind="worker", stopped_at=None).exists(), 10, "a heartbeat")
    from zhaoshang.jobs.health import workers_ok

    assert workers_ok()[0]
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert ProcessHeartbeat.objects.get(kind="worker").stopped_at is not None


def test_a_job_whose_worker_is_killed_is_finished_once_by_the_next(procs, tmp_path):
    log = tmp_path / "runs"
    first = procs.worker()
    job = jobs.submit("test_sleep", seconds=4, steps=8, log=str(log))
    _wait(lambda: _status(job) == "running" and log.exists(), 30, "the job to start")
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool, mid-job
    first.wait(10)
    assert _status(job) == "running"
    procs.worker()  # recovers the dead process's job at start and runs it
    _wait(lambda: _status(job) in ("done", "failed"), 45, "the job to finish")
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2, procs.logs()
    lines = log.read_text().split()
    assert lines.count("start") == 2 and lines.count("end") == 1  # begun twice, finished once


def test_a_killed_pool_process_is_replaced_and_the_job_delivered_again(procs, tmp_path):
    """reject_on_worker_lost: the pool process dies, the worker requeues the message at once."""
    log = tmp_path / "runs"
    procs.worker()
    job = jobs.submit("test_sleep", seconds=3, steps=6, log=str(log))
    _wait(lambda: _status(job) == "running" and log.exists(), 30, "the job to start")
    child = int(Job.objects.get(pk=job.pk).claimed_by.rsplit(":", 1)[1])
    os.kill(child, signal.SIGKILL)
    _wait(lambda: _status(job) in ("done", "failed"), 45, "the job to finish")
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2, procs.logs()
    assert log.read_text().split().count("end") == 1


def test_sigterm_lets_the_job_under_way_finish(procs, tmp_path):
    log = tmp_path / "runs"
    worker = procs.worker()
    job = jobs.submit("test_sleep", seconds=2, steps=4, log=str(log))
    _wait(lambda: _status(job) == "running", 30, "the job to start")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 1, procs.logs()
    assert log.read_text().split().count("end") == 1


def test_a_transient_error_is_retried_by_the_worker(procs, tmp_path):
    procs.worker()
    job = jobs.submit("test_flaky", marker=str(tmp_path / "n"), failures=2)
    _wait(lambda: _status(job) in ("done", "failed"), 45, "the job to finish")
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 3 and job.result["summary"] == "第 3 次成功", procs.logs()


def test_the_time_limit_fails_the_job_in_chinese(procs, tmp_path, settings):
    # The limits travel with the message: the sender's ZHAOSHANG_JOB_TIME_LIMITS (one env file for all).
    settings.ZHAOSHANG_JOB_TIME_LIMITS = {"test_sleep": 1}
    procs.worker()
    job = jobs.submit("test_sleep", seconds=10, steps=20, log=str(tmp_path / "runs"))
    _wait(lambda: _status(job) in ("done", "failed"), 30, "the job to stop")
    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("超过时限（1 秒）仍未完成，已停止"), procs.logs()
    assert "end" not in (tmp_path / "runs").read_text()


def test_beat_sends_the_periodic_jobs_and_beats(procs, tmp_path, broker):
    """Beat restarted after an hour away: the ten-minute reminders and the sweep are due at once;
    a worker runs them. Beat records its heartbeat from its loop and its stop on SIGTERM."""
    from datetime import timedelta

    from django.utils import timezone

    from zhaoshang.celery import app
    from zhaoshang.jobs.beat import Scheduler

    schedule_file = tmp_path / "celerybeat-schedule"
    scheduler = Scheduler(app=app, schedule_filename=str(schedule_file), lazy=False)
    # The interval entries last ran an hour ago (due now); the daily ones ran just now, so they are
    # not due whatever the hour this test runs at (an hour back could cross 03:15 Shanghai).
    from celery.schedules import crontab

    for entry in scheduler.schedule.values():
        daily = isinstance(entry.schedule, crontab)
        entry.last_run_at = timezone.now() - (timedelta(0) if daily else timedelta(hours=1))
    scheduler.sync()
    scheduler.close()
    ProcessHeartbeat.objects.all().delete()
    beat = procs.start("beat", "--loglevel=INFO", env={"ZHAOSHANG_DATA": str(tmp_path)})
    _wait(
        lambda: ProcessHeartbeat.objects.filter(kind="beat", stopped_at=None).exists(), 30, "beat's heartbeat"
    )
    procs.worker()
    _wait(lambda: Job.objects.filter(kind="remind", status="done").exists(), 45, "the reminders job")
    assert not Job.objects.filter(
        kind__in=["schedule_reports", "escalate_problems", "clearsessions"]
    ).exists()  # daily: not yet due
    from zhaoshang.jobs.health import beat_ok

    assert beat_ok() == (True, "定时调度进程在运行")
    beat.send_signal(signal.SIGTERM)
    beat.wait(20)
    assert ProcessHeartbeat.objects.get(kind="beat").stopped_at is not None, procs.logs()
