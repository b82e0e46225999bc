"""Background jobs: one durable `Job` row per piece of long work, run inline in the calling
process, by Celery workers on Redis (CELERY_BROKER_URL), or by `zhaoshang worker` polling the
table (ZHAOSHANG_WORKER=1 without a broker). See docs/jobs.md."""


def submit(kind: str, /, *, user=None, inline: bool | None = None, **arguments):
    """Record a job of `kind` and run it now or queue it (services.submit)."""
    from .services import submit as _submit

    return _submit(kind, user=user, inline=inline, **arguments)
