"""The jobs' settings, each with the default settings.py documents (read at call time, so a test
may change them)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

# Soft time limit per kind of job, in seconds; the hard limit (the process is killed) is a minute
# later. ZHAOSHANG_JOB_TIME_LIMITS="import=3600,bulletin=600" overrides some of them.
DEFAULT_TIME_LIMITS = {
    "bulletin": 600,
    "import": 3600,
    "assessment": 1800,
    "remind": 540,
    "schedule_reports": 1800,
    "escalate_problems": 1800,
    "rolling_evaluations": 1800,
    "clearsessions": 1800,
}
DEFAULT_TIME_LIMIT = 1800
HARD_MARGIN = 60


def mode() -> str:
    """celery (a broker is set), worker (`zhaoshang worker` polls the table) or inline."""
    if getattr(settings, "CELERY_BROKER_URL", ""):
        return "celery"
    if getattr(settings, "ZHAOSHANG_WORKER", False):
        return "worker"
    return "inline"


def stale_after() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "ZHAOSHANG_JOB_STALE_MINUTES", 10)))


def heartbeat_seconds() -> float:
    return float(getattr(settings, "ZHAOSHANG_JOB_HEARTBEAT_SECONDS", 30))


def max_attempts() -> int:
    return int(getattr(settings, "ZHAOSHANG_JOB_MAX_ATTEMPTS", 3))


def retry_seconds(attempt: int) -> float:
    """Backoff before the next try after `attempt` tries: base, 4×base, 9×base… at most 10 minutes."""
    base = float(getattr(settings, "ZHAOSHANG_JOB_RETRY_SECONDS", 30))
    return min(base * attempt * attempt, 600.0)


def time_limits(kind: str) -> tuple[float, float]:
    """(soft, hard) seconds for a kind of job."""
    limits = {**DEFAULT_TIME_LIMITS, **(getattr(settings, "ZHAOSHANG_JOB_TIME_LIMITS", None) or {})}
    soft = float(limits.get(kind, DEFAULT_TIME_LIMIT))
    return soft, soft + HARD_MARGIN


def parse_time_limits(text: str) -> dict[str, int]:
    """ "import=3600,bulletin=600" → {"import": 3600, "bulletin": 600} (settings.py reads the
    environment with this)."""
    out = {}
    for part in (text or "").split(","):
        if "=" in part:
            key, _, value = part.partition("=")
            out[key.strip()] = int(value.strip())
    return out
