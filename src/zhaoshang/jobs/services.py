"""Submitting, claiming, running and recovering jobs. Views, the API, the command line, the
polling worker and the Celery tasks all go through these.

A job is a `Job` row. `submit` records it and, depending on `conf.mode()`:
- inline: runs it at once in the calling process (no broker, no worker: `make demo`, the tests);
- celery: sends its id to the broker once the row is committed; a Celery worker runs it;
- worker: leaves it queued for `zhaoshang worker`, which polls the table.

Whoever runs a job first claims it (`claim`): a conditional UPDATE of a queued row — or of a
running row whose process is gone — under SELECT … FOR UPDATE SKIP LOCKED where the database has
it, so that two deliveries of one job never build it twice at once. While it runs, a thread
touches `heartbeat_at`; `recover` (beat, every minute, and at every worker start) puts a running
job whose heartbeat is older than ZHAOSHANG_JOB_STALE_MINUTES back in the queue, or fails it for
good after ZHAOSHANG_JOB_MAX_ATTEMPTS tries."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone

from . import conf, registry
from .models import Job

logger = logging.getLogger(__name__)


class JobTimeLimit(Exception):
    """The soft time limit of `zhaoshang worker` without a broker (Celery raises its own)."""


class Transient(Exception):
    """Raised by a job for a condition that should pass (another import of the county is
    running): the job is tried again later, like a database or Redis outage."""


def transient_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OperationalError, InterfaceError, Transient]
    try:
        import redis.exceptions
        from kombu.exceptions import OperationalError as KombuOperationalError

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, KombuOperationalError]
    except ImportError:  # pragma: no cover - celery[redis] is a dependency
        pass
    return tuple(errors)


def time_limit_errors() -> tuple[type[BaseException], ...]:
    try:
        from billiard.exceptions import SoftTimeLimitExceeded
    except ImportError:  # pragma: no cover
        return (JobTimeLimit,)
    return (JobTimeLimit, SoftTimeLimitExceeded)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead(claimed_by: str) -> bool:
    """Whether the process that claimed a job is known to be gone: on this host, no such pid."""
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A zombie (killed, not yet reaped by its parent) is gone too.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


# --- Submitting ----------------------------------------------------------------------------------


def submit(kind: str, /, *, user=None, inline: bool | None = None, title: str = "", **arguments) -> Job:
    """Record a job and run it now (inline) or queue it. `arguments` must be JSON values."""
    job = record(kind, user=user, title=title, **arguments)
    if job.status != Job.Status.QUEUED or job.attempts:
        return job  # a periodic job already under way
    run_inline = inline if inline is not None else conf.mode() == "inline"
    if run_inline:
        execute(job.pk, inline=True)
        job.refresh_from_db()
    elif conf.mode() == "celery":
        transaction.on_commit(lambda: dispatch(job.pk))
    return job


def record(kind: str, /, *, user=None, title: str = "", **arguments) -> Job:
    """The queued Job row (for a periodic kind, the one already queued or running, if any)."""
    spec = registry.get(kind)
    now = timezone.now()
    if spec.singleton:
        fresh = now - conf.stale_after()
        running = Job.objects.filter(
            Q(status=Job.Status.QUEUED, queued_at__gte=fresh)
            | Q(status=Job.Status.RUNNING, heartbeat_at__gte=fresh),
            kind=kind,
        ).first()
        if running is not None:
            return running
    return Job.objects.create(
        kind=kind,
        title=(title or spec.title)[:200],
        arguments=arguments,
        created_by=user if getattr(user, "pk", None) else None,
        queued_at=now,
    )


def dispatch(job_id: int, *, countdown: float | None = None) -> bool:
    """Send a job to the broker with its kind's time limits. A broker that does not answer leaves
    the job queued: the recovery sweep sends it again."""
    from .tasks import run_job

    kind = Job.objects.filter(pk=job_id).values_list("kind", flat=True).first()
    if kind is None:
        return False
    soft, hard = conf.time_limits(kind)
    try:
        run_job.apply_async(args=[job_id], countdown=countdown, soft_time_limit=soft, time_limit=hard)
    except Exception:  # the broker is down: the job stays queued for the sweep
        logger.exception("job %s could not be sent to the broker", job_id)
        return False
    return True


# --- Running -------------------------------------------------------------------------------------


class JobRun:
    """What a job's function is given: its row, and `progress(pct, step)` for the page."""

    def __init__(self, job: Job, worker: str):
        self.job, self.worker = job, worker

    def progress(self, pct: int, step: str = "") -> None:
        Job.objects.filter(pk=self.job.pk, claimed_by=self.worker).update(
            progress=max(0, min(100, int(pct))), step=step[:200], heartbeat_at=timezone.now()
        )


def claim(job_id: int, worker: str) -> Job | None:
    """Take a job for `worker`: a queued one, or a running one whose process is gone (its
    heartbeat stale, or its pid dead on this host). None when someone else has it or it is over."""
    now = timezone.now()
    with transaction.atomic():
        qs = Job.objects.filter(pk=job_id)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        job = qs.first()
        if job is None:
            return None  # gone, or another process is claiming it this instant
        if job.status == Job.Status.RUNNING:
            stale = job.heartbeat_at is None or job.heartbeat_at < now - conf.stale_after()
            if not (stale or _dead(job.claimed_by)):
                return None
            if job.attempts >= conf.max_attempts():
                _give_up(job, _interrupted_message(job))
                return None
        elif job.status != Job.Status.QUEUED:
            return None
        taken = Job.objects.filter(pk=job.pk, status=job.status, claimed_by=job.claimed_by).update(
            status=Job.Status.RUNNING,
            claimed_by=worker,
            heartbeat_at=now,
            started_at=now,
            attempts=F("attempts") + 1,
            step="开始执行",
            run_after=None,
        )
    if not taken:
        return None
    job.refresh_from_db()
    return job


def execute(
    job_id: int,
    *,
    worker: str | None = None,
    inline: bool = False,
    soft_limit: float | None = None,
    limit_given: float | None = None,
) -> str | None:
    """Claim and run one job; its final (or requeued) status, or None when it was not ours.
    `soft_limit` (seconds): `zhaoshang worker`'s own time limit, by SIGALRM in the main thread;
    `limit_given`: the soft limit Celery applies (the message's), for the message if it strikes."""
    from zhaoshang.core.changelog import change_context

    worker = worker or process_name()
    job = claim(job_id, worker)
    if job is None:
        return None
    try:
        spec = registry.get(job.kind)
    except KeyError:
        _finish_failed(job, f"未知的任务类别“{job.kind}”，请联系系统管理员")
        return Job.Status.FAILED
    run = JobRun(job, worker)
    # Inline, the caller's change-log context (the request's user and channel) stays; a worker
    # acts for the person who asked.
    context = (
        nullcontext()
        if inline
        else change_context(user=job.created_by, source="system", reason=f"后台任务：{job.title}")
    )
    try:
        with _heartbeat(job.pk, worker, enabled=not inline), _alarm(soft_limit), context:
            result = spec.func(run, **job.arguments)
    except time_limit_errors():
        soft = soft_limit or limit_given or conf.time_limits(job.kind)[0]
        return _finish_failed(job, _time_limit_message(soft))
    except transient_errors() as exc:
        return _retry_or_fail(job, exc)
    except ValidationError as exc:
        return _finish_failed(job, "；".join(exc.messages))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        return _finish_failed(job, f"执行时出错（{type(exc).__name__}），请联系系统管理员")
    if isinstance(result, dict) and result.get("error"):
        return _finish_failed(
            job, str(result["error"]), result={k: v for k, v in result.items() if k != "error"}
        )
    Job.objects.filter(pk=job.pk, claimed_by=worker).update(
        status=Job.Status.DONE,
        progress=100,
        step="已完成",
        result=result if isinstance(result, dict) else {},
        finished_at=timezone.now(),
        error="",
    )
    return Job.Status.DONE


def _time_limit_message(seconds: float) -> str:
    minutes = seconds / 60
    span = f"{minutes:g} 分钟" if minutes >= 1 else f"{seconds:g} 秒"
    return (
        f"超过时限（{span}）仍未完成，已停止，未保存任何结果；请缩小范围（如分批导入）后重试，"
        "或请系统管理员调整 ZHAOSHANG_JOB_TIME_LIMITS"
    )


def _interrupted_message(job: Job) -> str:
    return (
        f"执行中断 {job.attempts} 次（后台进程停止或失去联系），已放弃；请重新提交，"
        "如反复出现请联系系统管理员"
    )


def _retry_or_fail(job: Job, exc: BaseException) -> str:
    """A transient error: queued again after a backoff, or failed after the last attempt."""
    if not connection.in_atomic_block:  # a broken connection is dropped; a caller's transaction is not
        close_old_connections()
    if isinstance(exc, Transient):
        reason = str(exc)
    elif isinstance(exc, DatabaseError):
        reason = "数据库暂时无法连接"
    else:
        reason = "任务队列（Redis）暂时无法连接"
    if job.attempts >= conf.max_attempts():
        return _finish_failed(job, f"{reason}，已尝试 {job.attempts} 次仍未成功，请稍后重新提交")
    delay = conf.retry_seconds(job.attempts)
    when = timezone.now() + timedelta(seconds=delay)
    try:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.QUEUED,
            claimed_by="",
            step=f"{reason}，将于 {timezone.localtime(when):%H:%M:%S} 重试（第 {job.attempts + 1} 次）",
            run_after=when,
            queued_at=timezone.now(),
        )
    except DatabaseError:
        # The database is still away: the row stays running and the sweep requeues it.
        logger.warning("job %s: could not requeue after %s", job.pk, exc)
        return Job.Status.RUNNING
    if conf.mode() == "celery":
        dispatch(job.pk, countdown=delay)
    return Job.Status.QUEUED


def _finish_failed(job: Job, message: str, *, result: dict | None = None) -> str:
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED,
        error=message[:2000],
        step="失败",
        finished_at=timezone.now(),
        result=result or {},
    )
    _on_failed(job, message)
    return Job.Status.FAILED


def _give_up(job: Job, message: str) -> None:
    """A running job whose process died once too often (inside claim's or recover's transaction)."""
    updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, claimed_by=job.claimed_by).update(
        status=Job.Status.FAILED, error=message, step="失败", finished_at=timezone.now()
    )
    if updated:
        _on_failed(job, message)


def _on_failed(job: Job, message: str) -> None:
    spec = registry.KINDS.get(job.kind)
    if spec is not None and spec.on_failed is not None:
        try:
            spec.on_failed(job, message)
        except Exception:
            logger.exception("job %s: marking what it built as failed", job.pk)


@contextmanager
def _heartbeat(job_id: int, worker: str, *, enabled: bool):
    """A thread that touches the job's heartbeat while it runs (with its own connection)."""
    if not enabled:
        yield
        return
    stop = threading.Event()
    interval = conf.heartbeat_seconds()

    def beat():
        try:
            while not stop.wait(interval):
                try:
                    Job.objects.filter(pk=job_id, claimed_by=worker, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    logger.warning("job %s: heartbeat not recorded", job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


@contextmanager
def _alarm(seconds: float | None):
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise JobTimeLimit()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- Recovering ----------------------------------------------------------------------------------


def recover(*, now=None) -> dict[str, int]:
    """Requeue running jobs whose process is gone (heartbeat older than the stale time, or a dead
    pid on this host), fail those out of attempts or past their hard time limit, and send queued
    jobs the broker seems to have lost again. Safe to run anywhere, any time, concurrently."""
    now = now or timezone.now()
    stale = now - conf.stale_after()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    host = socket.gethostname()
    running = Job.objects.filter(status=Job.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at=None) | Q(claimed_by__startswith=f"{host}:")
    )
    to_send = []
    for job in running.only("pk", "kind", "claimed_by", "heartbeat_at", "attempts", "started_at"):
        if job.heartbeat_at is not None and job.heartbeat_at >= stale and not _dead(job.claimed_by):
            continue
        with transaction.atomic():
            current = (
                Job.objects.select_for_update()
                .filter(pk=job.pk, status=Job.Status.RUNNING, claimed_by=job.claimed_by)
                .first()
            )
            if current is None:
                continue
            hard = conf.time_limits(current.kind)[1]
            if current.started_at and current.started_at + timedelta(seconds=hard) <= now:
                _give_up(current, _time_limit_message(conf.time_limits(current.kind)[0]))
                counts["failed"] += 1
            elif current.attempts >= conf.max_attempts():
                _give_up(current, _interrupted_message(current))
                counts["failed"] += 1
            else:
                Job.objects.filter(pk=current.pk, claimed_by=current.claimed_by).update(
                    status=Job.Status.QUEUED,
                    claimed_by="",
                    step="上次执行中断（后台进程停止），已重新排队",
                    queued_at=now,
                )
                counts["requeued"] += 1
                to_send.append(current.pk)
    if conf.mode() == "celery":
        # Queued longer than the stale time and due: the message may be lost (a broker restart).
        lost = Job.objects.filter(status=Job.Status.QUEUED, queued_at__lt=stale).filter(
            Q(run_after=None) | Q(run_after__lte=now)
        )
        for pk in lost.values_list("pk", flat=True)[:500]:
            if Job.objects.filter(pk=pk, status=Job.Status.QUEUED, queued_at__lt=stale).update(queued_at=now):
                to_send.append(pk)
                counts["resent"] += 1
        for pk in to_send:
            dispatch(pk)
    return counts


# --- The polling worker (no broker) --------------------------------------------------------------


def next_queued() -> int | None:
    now = timezone.now()
    return (
        Job.objects.filter(status=Job.Status.QUEUED)
        .filter(Q(run_after=None) | Q(run_after__lte=now))
        .order_by("created", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def run_queued(limit: int | None = None, *, worker: str | None = None, should_stop=lambda: False) -> int:
    """Run queued jobs one after another (`zhaoshang worker` without a broker); how many ran."""
    done = 0
    while (limit is None or done < limit) and not should_stop():
        pk = next_queued()
        if pk is None:
            break
        soft = conf.time_limits(Job.objects.filter(pk=pk).values_list("kind", flat=True).first() or "")[0]
        if execute(pk, worker=worker, soft_limit=soft) is None:
            break  # another worker took it this instant; the next round goes on
        done += 1
    return done
