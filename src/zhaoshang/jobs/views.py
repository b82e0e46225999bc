"""A job's page: what it is, how far it has come (polled by HTMX only while it is queued or
running), why it failed, and a link to what it made; and the list of one's own jobs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from zhaoshang.core.permissions import is_system_admin

from .models import Job

PAGE = 50


def visible_jobs(user):
    return Job.objects.visible_to(user, sees_all=is_system_admin(user))


def _job_or_404(request, pk) -> Job:
    return get_object_or_404(visible_jobs(request.user).select_related("created_by"), pk=pk)


@login_required
def job_list(request):
    jobs = visible_jobs(request.user).select_related("created_by")[:PAGE]
    return render(request, "jobs/job_list.html", {"title": "后台任务", "jobs": jobs})


@login_required
def job_detail(request, pk):
    job = _job_or_404(request, pk)
    return render(request, "jobs/job_detail.html", {"title": job.title, "job": job})


@login_required
def job_progress(request, pk):
    return render(request, "jobs/_progress.html", {"job": _job_or_404(request, pk)})
