"""Recording what is not a write: `record(kind, …)` appends one `AuditEvent` to the chain with
who, when, from which address and through which channel. The change context (core/changelog.py)
gives the user, channel, request and address when the caller does not."""

from __future__ import annotations

from django.utils import timezone

from zhaoshang.core import changelog

from . import chain


def _who(user):
    ctx = changelog.current()
    if user is None:
        user = ctx.user
    user = user._user() if hasattr(user, "_user") else user
    if user is not None and not getattr(user, "pk", None):
        user = None
    return user, ctx


def record(
    kind: str,
    *,
    user=None,
    user_name: str | None = None,
    obj=None,
    object_type: str = "",
    object_id="",
    object_repr: str = "",
    detail: dict | None = None,
    address: str | None = None,
    source: str | None = None,
):
    """Append an event of `kind` (AuditEvent.Kind). `obj` (a model instance) fills the object's
    type, id and text; `detail` is any JSON-able dict (what was exported, how many rows…)."""
    from .models import AuditEvent

    user, ctx = _who(user)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    values = {
        "time": timezone.now(),
        "user_id": user.pk if user else None,
        "user_name": (user_name if user_name is not None else (user.get_username() if user else ""))[:150],
        "source": source or ctx.source,
        "request_id": ctx.request_id,
        "kind": str(kind),
        "object_type": str(object_type)[:100],
        "object_id": str(object_id if object_id is not None else "")[:64],
        "object_repr": str(object_repr)[:200],
        "detail": changelog._jsonable(detail or {}),
        "address": chain.normalise_address(address if address is not None else ctx.address),
    }
    return AuditEvent.objects.create(**values)  # linked into the chain by AuditEvent.save
