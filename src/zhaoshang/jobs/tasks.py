"""The Celery tasks. One task runs any job by its id (acks_late and reject_on_worker_lost: a job
whose worker died is delivered again); the others are what beat sends."""

from __future__ import annotations

import logging

from zhaoshang.celery import app

from . import services

logger = logging.getLogger(__name__)


@app.task(
    name="zhaoshang.jobs.run", bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def run_job(self, job_id: int):
    # Eager (a test's CELERY_TASK_ALWAYS_EAGER) runs in the caller's thread and database transaction.
    _hard, soft = self.request.timelimit or (None, None)
    return services.execute(job_id, inline=bool(self.request.is_eager), limit_given=soft)


@app.task(name="zhaoshang.jobs.periodic", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def periodic(kind: str):
    """A scheduled job (reminders, the reporting calendar, sessions): recorded as a Job and run here."""
    job = services.record(kind)
    if job.status == job.Status.QUEUED:
        return services.execute(job.pk)
    return None  # the previous one is still running


@app.task(name="zhaoshang.jobs.recover", ignore_result=True)
def recover():
    counts = services.recover()
    if any(counts.values()):
        logger.warning("recovered jobs: %s", counts)
    return counts
