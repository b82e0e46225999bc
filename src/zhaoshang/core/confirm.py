"""Confirmation of a destructive or final action (issue 11 point 5): publish and lock, delete, a
project's stage going back or ending, a bulletin sent to several groups.

The page's button opens a dialog saying what will happen (core/_confirm.html, safeguards.js),
and only its 确认 posts `confirm=1`. The view asks `confirmed(request)` before it acts: a POST
without it — a page without JavaScript, a script, a stale form — changes nothing and gets
`ask(...)`, a page that says the same thing and carries everything that was posted, with the
button that confirms. The services behind (and the API, which calls them) keep their own rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.shortcuts import render

FLAG = "confirm"


@dataclass
class Confirmation:
    """What the dialog and the page say: a title, one sentence, what follows, the button."""

    title: str
    message: str
    items: list[str] = field(default_factory=list)
    button: str = "确认"
    danger: bool = True


def confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get(FLAG) == "1"


def ask(
    request,
    confirmation: Confirmation,
    *,
    cancel_url: str,
    status: int = 400,
    action: str | None = None,
    keep: Iterable[str] | None = None,
    files: dict[str, str] | None = None,
):
    """The page that asks, with nothing done: every field posted (or those named in `keep`) is
    posted again with confirm=1. A browser cannot carry a chosen file over to another page: the
    file inputs named in `files` ({name: label}) are offered again on the asking page itself, so
    the file is chosen there and goes with the confirmation; other files sent are named as dropped."""
    names = (
        list(keep)
        if keep is not None
        else [k for k in request.POST if k not in (FLAG, "csrfmiddlewaretoken")]
    )
    hidden = [(name, value) for name in names for value in request.POST.getlist(name)]
    return render(
        request,
        "core/confirm.html",
        {
            "title": confirmation.title,
            "confirmation": confirmation,
            "hidden": hidden,
            "action": action or request.get_full_path(),
            "cancel_url": cancel_url,
            "file_inputs": [(name, label, name in request.FILES) for name, label in (files or {}).items()],
            "files_dropped": any(name not in (files or {}) for name in request.FILES),
        },
        status=status,
    )
