"""Heartbeats of the worker and beat processes, and what the health page reads from them.

Each `zhaoshang worker` and `zhaoshang beat` process touches its `ProcessHeartbeat` row every
ZHAOSHANG_JOB_HEARTBEAT_SECONDS (30). `workers_ok()` and `beat_ok()` answer (ok, reason in Chinese):
a process counts as alive while its row is younger than three heartbeats."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.db import DatabaseError, connection
from django.utils import timezone

from . import conf
from .models import ProcessHeartbeat

logger = logging.getLogger(__name__)


def beat_now(kind: str, name: str) -> None:
    now = timezone.now()
    updated = ProcessHeartbeat.objects.filter(name=name).update(kind=kind, seen_at=now, stopped_at=None)
    if not updated:
        ProcessHeartbeat.objects.update_or_create(
            name=name, defaults={"kind": kind, "started_at": now, "seen_at": now, "stopped_at": None}
        )


def stopped(name: str) -> None:
    ProcessHeartbeat.objects.filter(name=name).update(stopped_at=timezone.now())


class Heartbeat:
    """A daemon thread recording a process's heartbeat until `stop()`."""

    def __init__(self, kind: str, name: str, interval: float | None = None):
        self.kind, self.name = kind, name
        self.interval = interval or conf.heartbeat_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{kind}-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while True:
                try:
                    beat_now(self.kind, self.name)
                except DatabaseError:
                    logger.warning("%s heartbeat not recorded", self.kind)
                if self._stop.wait(self.interval):
                    break
            try:
                stopped(self.name)
            except DatabaseError:
                pass
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _alive_after():
    return timezone.now() - timedelta(seconds=3 * conf.heartbeat_seconds())


def _ago(when) -> str:
    seconds = int((timezone.now() - when).total_seconds())
    if seconds < 120:
        return f"{seconds} 秒"
    if seconds < 7200:
        return f"{seconds // 60} 分钟"
    return f"{seconds // 3600} 小时"


def workers_ok() -> tuple[bool, str]:
    mode = conf.mode()
    if mode == "inline":
        return True, "未配置后台任务进程：任务在提交的请求中直接执行"
    alive = ProcessHeartbeat.objects.filter(
        kind=ProcessHeartbeat.Kind.WORKER, stopped_at=None, seen_at__gte=_alive_after()
    ).count()
    if alive:
        return True, f"{alive} 个后台任务进程在运行"
    last = ProcessHeartbeat.objects.filter(kind=ProcessHeartbeat.Kind.WORKER).order_by("-seen_at").first()
    if last is None:
        return False, "后台任务进程（zhaoshang worker）从未启动，排队的任务不会执行"
    return False, f"后台任务进程（zhaoshang worker）已 {_ago(last.seen_at)}没有心跳，排队的任务不会执行"


def beat_ok() -> tuple[bool, str]:
    if conf.mode() != "celery":
        return True, "未配置任务队列：提醒、报送日历和会话清理由 cron 运行对应命令"
    alive = ProcessHeartbeat.objects.filter(
        kind=ProcessHeartbeat.Kind.BEAT, stopped_at=None, seen_at__gte=_alive_after()
    ).order_by("-seen_at")
    count = alive.count()
    if count == 1:
        return True, "定时调度进程在运行"
    if count > 1:
        return False, f"有 {count} 个定时调度进程（zhaoshang beat）在运行，应只有一个，定时任务会重复发出"
    last = ProcessHeartbeat.objects.filter(kind=ProcessHeartbeat.Kind.BEAT).order_by("-seen_at").first()
    if last is None:
        return False, "定时调度进程（zhaoshang beat）从未启动，提醒和报送日历不会按时运行"
    return False, f"定时调度进程（zhaoshang beat）已 {_ago(last.seen_at)}没有心跳，提醒和报送日历不会按时运行"
