"""One tamper-evident sequence over the change log (`core.ObjectChange`) and the audit events
(`audit.AuditEvent`).

Every record carries a sequence number `seq`, unique across both tables, and
`hash = sha256(previous hash + canonical JSON of its fields)`. Appending locks the single
`ChainHead` row (SELECT … FOR UPDATE) inside the writing transaction: two writers on PostgreSQL
queue on it, so the chain cannot fork, and a rolled-back write takes its links with it. A bulk
write (an import's change log) takes the lock once and links its rows in a loop.

`verify()` walks the chain in order and reports the first record whose hash, sequence or
predecessor does not fit. An archive (`archive()`) removes the oldest records into a signed file
and leaves an anchor event that names the last archived record's hash, so what stays verifies.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction

CHANGE = "change"
EVENT = "event"

CHANGE_FIELDS = (
    "seq", "time", "user_id", "user_name", "source", "request_id", "action", "content_type_id", "object_id",
    "object_repr", "jurisdiction_path", "before", "after", "reason", "address",
)  # fmt: skip
EVENT_FIELDS = (
    "seq", "time", "user_id", "user_name", "source", "request_id", "kind", "object_type", "object_id",
    "object_repr", "detail", "address",
)  # fmt: skip
FIELDS = {CHANGE: CHANGE_FIELDS, EVENT: EVENT_FIELDS}


_AS_IS = frozenset({str, int, bool, type(None)})


def _plain(value):
    """A value as the database gives it back, in one spelling: times in UTC to the microsecond,
    UUIDs as text, whole floats as integers (PostgreSQL's jsonb reads 1e20 back as an integer)."""
    kind = type(value)
    if kind in _AS_IS:
        return value  # nearly every value: nothing to do
    if kind is dict:
        return {
            k if type(k) is str else str(k): v if type(v) in _AS_IS else _plain(v) for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [v if type(v) in _AS_IS else _plain(v) for v in value]
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_CANON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(table: str, values: dict) -> str:
    out = {"table": table}
    for name in FIELDS[table]:
        value = values.get(name)
        out[name] = value if type(value) in _AS_IS else _plain(value)
    return _CANON.encode(out)


def digest(previous: str, table: str, values: dict) -> str:
    return hashlib.sha256((previous + canonical(table, values)).encode()).hexdigest()


class Link:
    """The chain's end while a writer holds the lock: `next()` numbers and hashes one record."""

    def __init__(self, seq: int, hash: str):
        self.seq = seq
        self.hash = hash

    def next(self, table: str, values: dict) -> tuple[int, str]:
        self.seq += 1
        values["seq"] = self.seq
        self.hash = digest(self.hash, table, values)
        return self.seq, self.hash


def _head():
    from .models import ChainHead

    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.bulk_create([ChainHead(pk=1)], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


@contextlib.contextmanager
def appending():
    """Hold the chain's end for the rest of the current transaction; yields a `Link`."""
    from .models import ChainHead

    with transaction.atomic():
        head = _head()
        link = Link(head.seq, head.hash)
        yield link
        if link.seq != head.seq:
            ChainHead.objects.filter(pk=1).update(seq=link.seq, hash=link.hash)


def save_linked(instance, table: str, save) -> None:
    """Number and hash a new record (ObjectChange or AuditEvent) built by hand, then `save()` it,
    all under the chain's lock."""
    instance.address = normalise_address(instance.address)
    values = {name: getattr(instance, name) for name in FIELDS[table] if name != "seq"}
    with appending() as link:
        instance.seq, instance.hash = link.next(table, values)
        save()


def normalise_address(address) -> str | None:
    """An IP address as the database stores it (GenericIPAddressField), None when it is not one."""
    import ipaddress

    from django.utils.ipv6 import clean_ipv6_address

    if not address:
        return None
    try:
        ipaddress.ip_address(str(address))
    except ValueError:
        return None
    address = str(address)
    return clean_ipv6_address(address) if ":" in address else address


# --- verifying ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    seq: int | None
    table: str
    pk: int | None
    reason: str

    def __str__(self):
        where = {"change": "变更记录", "event": "审计事件"}.get(self.table, self.table)
        ident = f"序号 {self.seq}" if self.seq is not None else "链头"
        return f"{ident}（{where}{f' #{self.pk}' if self.pk is not None else ''}）：{self.reason}"


def _records(after_seq: int = 0, chunk: int = 2000):
    """Every chained record in sequence order: (table, pk, values), both tables merged."""
    import heapq

    from zhaoshang.core.models import ObjectChange

    from .models import AuditEvent

    def stream(model, table, fields):
        last = after_seq
        while True:
            rows = list(
                model.objects.filter(seq__gt=last).order_by("seq").values("pk", "hash", *fields)[:chunk]
            )
            if not rows:
                return
            for row in rows:
                yield row["seq"], table, row
            last = rows[-1]["seq"]

    yield from heapq.merge(
        stream(ObjectChange, CHANGE, CHANGE_FIELDS),
        stream(AuditEvent, EVENT, EVENT_FIELDS),
        key=lambda item: item[0],
    )


def anchor() -> tuple[int, str]:
    """Where the stored chain starts: (last archived seq, its hash), (0, "") before any archive."""
    from .models import AuditEvent

    anchors = AuditEvent.objects.filter(kind="archive").order_by("-seq").values_list("detail", flat=True)
    for detail in anchors:
        if isinstance(detail, dict) and "through_seq" in detail:
            return int(detail["through_seq"]), str(detail["through_hash"])
    return 0, ""


def verify() -> tuple[int, Break | None]:
    """Walk the chain: (records checked, the first break or None)."""
    from .models import ChainHead

    start_seq, previous = anchor()
    expected = start_seq + 1
    count = 0
    for seq, table, row in _records(start_seq):
        if seq != expected:
            if seq < expected:
                return count, Break(seq, table, row["pk"], "序号重复（记录被复制或改动）")
            return count, Break(expected, table, row["pk"], f"缺少序号 {expected}（记录被删除）")
        if digest(previous, table, row) != row["hash"]:
            return count, Break(seq, table, row["pk"], "内容与校验值不符（记录被修改）")
        previous = row["hash"]
        expected += 1
        count += 1
    head = ChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    if head_seq != expected - 1 or (count and head_hash != previous):
        return count, Break(
            None,
            "head",
            None,
            f"链头记录到序号 {head_seq}，实际最后一条为 {expected - 1}（末尾记录被删除或链头被改动）",
        )
    return count, None
