"""The audit administrator's search over the whole trail: the change log and the audit events
together, newest first, by user, action, time range, address and object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from zhaoshang.core.models import ObjectChange

from .models import AuditEvent

ACTIONS = [
    *[(f"change:{v}", f"变更·{label}") for v, label in ObjectChange.Action.choices],
    *[(f"event:{v}", label) for v, label in AuditEvent.Kind.choices],
]


@dataclass
class Criteria:
    user: str = ""
    action: str = ""
    start: date | None = None
    end: date | None = None
    address: str = ""
    object: str = ""


@dataclass
class Row:
    seq: int
    time: datetime
    user_name: str
    source: str
    action: str
    object_type: str
    object_repr: str
    object_id: str
    address: str
    detail: object
    hash: str
    table: str
    pk: int


def _bounds(c: Criteria):
    tz = timezone.get_current_timezone()
    lo = timezone.make_aware(datetime.combine(c.start, time.min), tz) if c.start else None
    hi = timezone.make_aware(datetime.combine(c.end + timedelta(days=1), time.min), tz) if c.end else None
    return lo, hi


def _common(qs, c: Criteria):
    lo, hi = _bounds(c)
    if c.user:
        qs = qs.filter(user_name__icontains=c.user)
    if lo:
        qs = qs.filter(time__gte=lo)
    if hi:
        qs = qs.filter(time__lt=hi)
    if c.address:
        qs = qs.filter(address=c.address) if _is_ip(c.address) else qs.none()
    return qs


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def changes(c: Criteria):
    table, _, value = c.action.partition(":")
    if c.action and table != "change":
        return ObjectChange.objects.none()
    qs = _common(ObjectChange.objects.select_related("content_type"), c)
    if value:
        qs = qs.filter(action=value)
    if c.object:
        qs = qs.filter(Q(object_repr__icontains=c.object) | Q(object_id=c.object))
    return qs.order_by("-seq")


def events(c: Criteria):
    table, _, value = c.action.partition(":")
    if c.action and table != "event":
        return AuditEvent.objects.none()
    qs = _common(AuditEvent.objects.all(), c)
    if value:
        qs = qs.filter(kind=value)
    if c.object:
        qs = qs.filter(Q(object_repr__icontains=c.object) | Q(object_id=c.object))
    return qs.order_by("-seq")


def _change_row(ch, user=None) -> Row:
    from zhaoshang.core.changelog import shown_values

    before, after = shown_values(ch, user) if user is not None else (ch.before, ch.after)
    detail = {k: v for k, v in (("修改前", before), ("修改后", after), ("原因", ch.reason)) if v}
    return Row(
        seq=ch.seq,
        time=ch.time,
        user_name=ch.user_name,
        source=ch.get_source_display(),
        action=f"变更·{ch.get_action_display()}",
        object_type=ch.content_type.name if ch.content_type_id else "",
        object_repr=ch.object_repr,
        object_id=ch.object_id,
        address=ch.address or "",
        detail=detail or None,
        hash=ch.hash,
        table="change",
        pk=ch.pk,
    )


SOURCES = dict(ObjectChange.Source.choices)


def _event_row(ev) -> Row:
    return Row(
        seq=ev.seq,
        time=ev.time,
        user_name=ev.user_name,
        source=SOURCES.get(ev.source, ev.source),
        action=ev.get_kind_display(),
        object_type=ev.object_type,
        object_repr=ev.object_repr,
        object_id=ev.object_id,
        address=ev.address or "",
        detail=ev.detail,
        hash=ev.hash,
        table="event",
        pk=ev.pk,
    )


def rows(c: Criteria, *, offset: int = 0, limit: int = 50, user=None) -> tuple[list[Row], bool]:
    """One page of the merged trail, newest first, and whether there is more (personal data in
    the change log masked as `user` may see it, core/privacy.py)."""
    want = offset + limit + 1
    merged = [
        *(_change_row(x, user) for x in changes(c)[:want]),
        *(_event_row(x) for x in events(c)[:want]),
    ]
    merged.sort(key=lambda r: r.seq, reverse=True)
    page = merged[offset : offset + limit + 1]
    return page[:limit], len(page) > limit


def all_rows(c: Criteria, *, cap: int, user=None):
    """Every matching row (at most `cap`), newest first, read in chunks (the Excel export)."""
    import heapq

    def stream(qs, convert):
        last = None
        while True:
            chunk = list((qs.filter(seq__lt=last) if last is not None else qs)[:2000])
            if not chunk:
                return
            yield from (convert(x) for x in chunk)
            last = chunk[-1].seq

    merged = heapq.merge(
        stream(changes(c), lambda x: _change_row(x, user)),
        stream(events(c), _event_row),
        key=lambda r: -r.seq,
    )
    for n, row in enumerate(merged):
        if n >= cap:
            return
        yield row
