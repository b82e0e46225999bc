"""Retention: the oldest part of the chain leaves the database for a signed file.

`archive(before)` writes every chained record older than `before` — a prefix of the chain — to
a JSON-lines file signed with HMAC-SHA256 (key: ZHAOSHANG_AUDIT_ARCHIVE_KEY, by default derived
from SECRET_KEY), deletes them through the one path the PostgreSQL trigger lets through (SET
LOCAL zhaoshang.audit_retention = 'on', inside the same transaction), and appends an anchor event
(kind "archive") naming the last archived record's sequence number and hash, so that
`audit verify` starts from the anchor and the rest of the chain still verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import chain

MIN_RETENTION_DAYS = 180  # 6 months (GB/T 22239-2019 8.1.4.3 d: 留存时间不少于六个月)
FORMAT = "zhaoshang-audit-archive/1"


class ArchiveRefused(Exception):
    """Said to the operator in Chinese."""


@dataclass(frozen=True)
class Archived:
    path: Path
    count: int
    from_seq: int
    through_seq: int


def retention_days() -> int:
    return max(
        int(getattr(settings, "ZHAOSHANG_AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)), MIN_RETENTION_DAYS
    )


def _key() -> bytes:
    key = getattr(settings, "ZHAOSHANG_AUDIT_ARCHIVE_KEY", "") or ""
    if key:
        return key.encode()
    return hashlib.sha256(("zhaoshang.audit.archive:" + settings.SECRET_KEY).encode()).digest()


def sign(data: bytes) -> str:
    return hmac.new(_key(), data, hashlib.sha256).hexdigest()


def _cutoff(before: date | datetime) -> datetime:
    if isinstance(before, datetime):
        return before
    return timezone.make_aware(datetime.combine(before, time.min))


def archive(before: date | datetime, directory: Path, *, today: date | None = None) -> Archived | None:
    """Archive the records older than `before` (a date: its midnight); None when there are none."""
    from zhaoshang.core.models import ObjectChange

    from . import events
    from .models import AuditEvent

    today = today or timezone.localdate()
    days = retention_days()
    day = before.date() if isinstance(before, datetime) else before
    if day > today - timedelta(days=days):
        raise ArchiveRefused(
            f"只能归档 {days} 天以前的审计记录（保存期限不少于 {MIN_RETENTION_DAYS} 天），"
            f"--before 最晚为 {today - timedelta(days=days):%Y-%m-%d}"
        )
    cutoff = _cutoff(before)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with transaction.atomic(), chain.appending():  # no one appends while we cut
        count, broken = chain.verify()
        if broken is not None:
            raise ArchiveRefused(f"审计链校验未通过，不能归档：{broken}")
        start_seq, start_hash = chain.anchor()
        # The archived part is a prefix of the chain: up to the first record at or after the cutoff.
        firsts = [
            m.objects.filter(time__gte=cutoff, seq__gt=start_seq)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
            for m in (ObjectChange, AuditEvent)
        ]
        stop = min((s for s in firsts if s is not None), default=None)
        through = (stop - 1) if stop is not None else _head_seq()
        if through <= start_seq:
            return None
        path = directory / f"audit-{start_seq + 1:012d}-{through:012d}-{timezone.now():%Y%m%dT%H%M%S}.jsonl"
        lines = [
            json.dumps(
                {
                    "format": FORMAT,
                    "from_seq": start_seq + 1,
                    "through_seq": through,
                    "previous_hash": start_hash,
                    "before": _cutoff(before).isoformat(),
                    "created": timezone.now().isoformat(),
                },
                ensure_ascii=False,
            )
        ]
        last_hash = start_hash
        n = 0
        for seq, table, row in chain._records(start_seq):
            if seq > through:
                break
            lines.append(chain.canonical(table, row)[:-1] + f',"hash":"{row["hash"]}"}}')
            last_hash = row["hash"]
            n += 1
        body = ("\n".join(lines) + "\n").encode()
        signature = sign(body)
        path.write_bytes(body + json.dumps({"signature": signature}).encode() + b"\n")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL zhaoshang.audit_retention = 'on'")
        for model in (ObjectChange, AuditEvent):
            qs = model.objects.filter(seq__gt=start_seq, seq__lte=through)
            qs._raw_delete(qs.db)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL zhaoshang.audit_retention = 'off'")
        events.record(
            "archive",
            source="cli",
            object_repr=path.name,
            detail={
                "through_seq": through,
                "through_hash": last_hash,
                "from_seq": start_seq + 1,
                "count": n,
                "before": _cutoff(before).isoformat(),
                "file": path.name,
                "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            },
        )
    return Archived(path, n, start_seq + 1, through)


def _head_seq() -> int:
    from .models import ChainHead

    head = ChainHead.objects.filter(pk=1).first()
    return head.seq if head else 0


def check_file(path: Path) -> tuple[bool, str]:
    """Is an archive file as written (signature) and its chain whole? (ok, message in Chinese)."""
    raw = Path(path).read_bytes()
    body, _, tail = raw.rstrip(b"\n").rpartition(b"\n")
    try:
        signature = json.loads(tail)["signature"]
    except (ValueError, KeyError, TypeError):
        return False, "归档文件缺少签名"
    if not hmac.compare_digest(signature, sign(body + b"\n")):
        return False, "归档文件签名不符（文件被改动，或密钥不同）"
    header, *records = [json.loads(line) for line in body.decode().splitlines()]
    previous = header.get("previous_hash", "")
    expected = header.get("from_seq", 1)
    for record in records:
        table = record.pop("table")
        stored = record.pop("hash")
        if record.get("seq") != expected or chain.digest(previous, table, record) != stored:
            return False, f"归档文件中序号 {record.get('seq')} 的记录与校验值不符"
        previous = stored
        expected += 1
    return (
        True,
        f"归档文件完整：序号 {header.get('from_seq')}–{header.get('through_seq')}，共 {len(records)} 条",
    )
