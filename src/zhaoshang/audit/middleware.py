"""Exports, downloads and imports through the browser and the API, into the audit trail.

One place instead of one line in every view: any successful response that hands over a file
(Content-Disposition: attachment) is an export (a view whose name says export, or ?export=) or a
download (a stored file, a template, an error workbook, a bulletin); any POST that sends a file
to an import view is an import, with its outcome. Publishing is recorded where it happens
(audit/signals.py); the command line records its own (exchange's export and import commands).
"""

from __future__ import annotations

import re

from . import events

_FILENAME = re.compile(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", re.IGNORECASE)
# The audit export records itself, with its criteria.
SELF_RECORDED = {"audit:export"}


def _filename(header: str) -> str:
    from urllib.parse import unquote

    found = _FILENAME.findall(header or "")
    return unquote(found[-1]) if found else ""


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Fails closed: a file whose handing-over cannot be recorded is not handed over.
        self._record(request, response)
        return response

    def _record(self, request, response):
        match = getattr(request, "resolver_match", None)
        if match is None:
            return
        name = match.view_name
        if name in SELF_RECORDED:
            return
        disposition = response.get("Content-Disposition", "") if hasattr(response, "get") else ""
        if response.status_code == 200 and "attachment" in disposition.lower():
            kind = "export" if ("export" in name or "export" in request.GET) else "download"
            events.record(
                kind,
                object_type=name,
                object_id=str(next(iter(match.kwargs.values()), ""))[:64] if match.kwargs else "",
                object_repr=_filename(disposition)[:200] or request.path[:200],
                detail={"view": name, "path": request.path[:500], "query": request.GET.urlencode()[:500]},
            )
        elif request.method == "POST" and name.endswith("import") and request.FILES:
            files = [f.name for f in request.FILES.values()]
            events.record(
                "import",
                object_type=name,
                object_id=str(next(iter(match.kwargs.values()), ""))[:64] if match.kwargs else "",
                object_repr="、".join(files)[:200],
                detail={
                    "view": name,
                    "files": files,
                    "status": response.status_code,
                    "dry_run": bool(request.POST.get("dry_run")),
                },
            )
