"""Large uploads as background jobs: a workbook of more data rows than
ZHAOSHANG_IMPORT_BACKGROUND_ROWS, where jobs run in the background (a broker or a worker is
configured), is kept in the file storage and imported by an "import" job (zhaoshang.jobs.kinds),
still all or nothing and under its county's ImportClaim; the page shows the job's progress."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .layouts import layout_for
from .reader import ReadError, read_sheet

UPLOAD_DIR = "jobs/imports"


def queue_large_import(*, kind: str, upload, user, policy=None, dry_run: bool = False, list_url: str = ""):
    """The queued job, or None when the sheet is imported in the request (small, unreadable —
    the import then says why — or no background worker)."""
    from zhaoshang import jobs
    from zhaoshang.jobs import conf

    if conf.mode() == "inline":
        return None
    layout = layout_for(kind)
    try:
        rows = len(read_sheet(upload, layout).rows)
    except ReadError:
        return None
    if rows <= int(getattr(settings, "ZHAOSHANG_IMPORT_BACKGROUND_ROWS", 5000)):
        return None
    upload.seek(0)
    name = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.xlsx", ContentFile(upload.read()))
    verb = "校验" if dry_run else "导入"
    return jobs.submit(
        "import",
        user=user,
        title=f"{verb}{layout.title}表：{upload.name}（{rows:,} 行）",
        kind=kind,
        file=name,
        filename=upload.name,
        by=user.pk,
        list_url=list_url,
        dry_run=dry_run,
        policy=policy.pk if policy is not None else None,
    )
