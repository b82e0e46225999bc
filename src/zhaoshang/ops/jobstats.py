"""What the metrics read about background work: jobs by kind and status, and the queue."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count


def jobs_by_status() -> dict[tuple[str, str], int]:
    from zhaoshang.jobs.models import Job

    rows = Job.objects.values("kind", "status").annotate(n=Count("id")).order_by()
    return {(r["kind"], r["status"]): r["n"] for r in rows}


def queue_lengths() -> dict[str, int]:
    """Messages waiting in the broker's queue (Redis); without a broker, the jobs queued in the
    database for `zhaoshang worker`."""
    from zhaoshang.jobs.models import Job

    broker = getattr(settings, "CELERY_BROKER_URL", "")
    if broker.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(broker, socket_timeout=2, socket_connect_timeout=2)
        queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
        return {queue: int(client.llen(queue))}
    return {"database": Job.objects.filter(status=Job.Status.QUEUED).count()}
