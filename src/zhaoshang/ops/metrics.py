"""Prometheus metrics at /metrics/: requests, jobs and the queue, for the system administrator.

Requests are counted by a middleware in each process; under gunicorn the worker processes write
them to a shared folder (PROMETHEUS_MULTIPROC_DIR, set by `zhaoshang serve`) and a scrape sums
them. Jobs and the queue are read from the database (and the broker) at scrape time, so every
app server reports the same figures. The page is readable by a system administrator's session or,
for the Prometheus server, with `Authorization: Bearer <ZHAOSHANG_METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
import os
import time

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from zhaoshang.core.permissions import is_system_admin

REQUESTS = Counter("zhaoshang_http_requests_total", "HTTP requests answered", ["method", "view", "status"])
LATENCY = Histogram(
    "zhaoshang_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class MetricsMiddleware:
    """Counts every request by its view's URL name (not its path: ids would explode the series)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        REQUESTS.labels(request.method, view, str(response.status_code)).inc()
        LATENCY.labels(view).observe(time.perf_counter() - start)
        return response


class DatabaseCollector:
    """Jobs by kind and status, and the queue's length, read when scraped."""

    def collect(self):
        from . import jobstats

        jobs = GaugeMetricFamily(
            "zhaoshang_jobs", "Background jobs by kind and status", labels=["kind", "status"]
        )
        for (kind, status), n in sorted(jobstats.jobs_by_status().items()):
            jobs.add_metric([kind, status], n)
        yield jobs
        queue = GaugeMetricFamily("zhaoshang_queue_length", "Jobs waiting to run", labels=["queue"])
        for name, n in sorted(jobstats.queue_lengths().items()):
            queue.add_metric([name], n)
        yield queue


def _token_ok(request) -> bool:
    expected = getattr(settings, "ZHAOSHANG_METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    return bool(expected) and hmac.compare_digest(given.encode(), f"Bearer {expected}".encode())


def metrics_view(request):
    if not (_token_ok(request) or is_system_admin(request.user)):
        return HttpResponse(
            "仅系统管理员可读取运行指标", status=403, content_type="text/plain; charset=utf-8"
        )
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(DatabaseCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
