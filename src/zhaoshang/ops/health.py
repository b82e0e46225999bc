"""`/health/`: 200 when everything the platform needs answers, 503 naming what does not.

Built on django-health-check's checks, run one after another in the request's thread. Checked: the database, the cache, the file
storage, the broker and that the workers and the scheduler (Celery beat) have reported recently
(only when a broker is configured; without one, jobs run inline and need neither), and that the
working-day calendar covers the next 90 days. A load balancer asks it anonymously; it names
failing parts but shows no addresses or credentials.
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
import logging

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import HealthCheckException, ServiceUnavailable

logger = logging.getLogger(__name__)


class _Named:
    label = ""

    def __repr__(self):
        return self.label


@dataclasses.dataclass(repr=False)
class DatabaseCheck(_Named, checks.Database):
    label = "数据库"


@dataclasses.dataclass(repr=False)
class CacheCheck(_Named, checks.Cache):
    label = "缓存"


@dataclasses.dataclass(repr=False)
class StorageCheck(_Named, checks.Storage):
    label = "文件存储"


class _Probe(_Named, HealthCheck):
    """A check that asks a part of the platform (ok, reason in Chinese)."""

    def run(self):
        ok, reason = self.probe()
        if not ok:
            raise ServiceUnavailable(reason)

    def probe(self) -> tuple[bool, str]:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclasses.dataclass(repr=False)
class CalendarCheck(_Probe):
    label = "节假日日历"

    def probe(self):
        from zhaoshang.holidays.calendar import calendar_health

        return calendar_health()


@dataclasses.dataclass(repr=False)
class BrokerCheck(_Named, HealthCheck):
    label = "任务队列（Redis）"
    timeout = datetime.timedelta(seconds=3)

    def run(self):
        import redis

        try:
            redis.Redis.from_url(
                settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2
            ).ping()
        except redis.RedisError as e:
            raise ServiceUnavailable("任务队列无法连接") from e


@dataclasses.dataclass(repr=False)
class WorkersCheck(_Probe):
    label = "后台任务进程"

    def probe(self):
        from zhaoshang.jobs.health import workers_ok

        return workers_ok()


@dataclasses.dataclass(repr=False)
class SchedulerCheck(_Probe):
    label = "定时调度（beat）"

    def probe(self):
        from zhaoshang.jobs.health import beat_ok

        return beat_ok()


def health_checks() -> list:
    found: list = [DatabaseCheck, CacheCheck, StorageCheck, CalendarCheck]
    if getattr(settings, "CELERY_BROKER_URL", ""):
        found += [BrokerCheck, WorkersCheck, SchedulerCheck]
    return found


def run_checks() -> list[tuple[str, str | None]]:
    """(label, None when it holds or the failure in Chinese) for each check, in the request's own
    thread: the database checks use the request's connection, and nothing is left open."""
    results = []
    for cls in health_checks():
        check = cls()
        try:
            if inspect.iscoroutinefunction(check.run):
                async_to_sync(check.run)()
            else:
                check.run()
        except HealthCheckException as e:
            results.append((repr(check), str(e.message)))
        except Exception:  # noqa: BLE001 - a check that breaks is a failed check, logged
            logger.exception("健康检查 %s 出错", repr(check))
            results.append((repr(check), "检查出错（详见日志）"))
        else:
            results.append((repr(check), None))
    return results


@never_cache
@transaction.non_atomic_requests
def health_view(request):
    results = run_checks()
    failed = [(label, why) for label, why in results if why]
    status = 503 if failed else 200
    wants_json = request.GET.get("format") == "json" or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        body = {label: (why or "OK") for label, why in results}
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    lines = [f"{label}：{'正常' if not why else '异常 — ' + why}" for label, why in results]
    head = "正常" if not failed else "异常：" + "、".join(label for label, _ in failed)
    return HttpResponse(
        head + "\n" + "\n".join(lines) + "\n", status=status, content_type="text/plain; charset=utf-8"
    )
