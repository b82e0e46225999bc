"""What the health page and the metrics read about background work."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count


def jobs_by_status() -> dict[tuple[str, str], int]:
    from zhaoshang.bulletins.models import Bulletin

    rows = Bulletin.objects.values("status").annotate(n=Count("id")).order_by()
    return {("bulletin", r["status"]): r["n"] for r in rows}


def queue_lengths() -> dict[str, int]:
    """Messages waiting in the broker's queues (Redis), or queued jobs in the database inline."""
    from zhaoshang.bulletins.models import Bulletin

    broker = getattr(settings, "CELERY_BROKER_URL", "")
    if broker.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(broker, socket_timeout=2, socket_connect_timeout=2)
        return {q: int(client.llen(q)) for q in _queue_names()}
    return {"database": Bulletin.objects.filter(status=Bulletin.Status.QUEUED).count()}


def _queue_names() -> list[str]:
    return list(getattr(settings, "ZHAOSHANG_QUEUES", None) or ["celery"])
