"""The audit chain: change log and events in one sequence; `audit verify` finds a record changed,
removed or added behind the application's back; archive keeps it verifiable."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from zhaoshang.audit import chain, events
from zhaoshang.audit.archive import archive
from zhaoshang.audit.models import AuditEvent, ChainHead
from zhaoshang.core.changelog import change_context, record_many
from zhaoshang.core.models import ObjectChange
from zhaoshang.org.models import Jurisdiction, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return Jurisdiction.objects.create(code="990100", name="测试县", level="county")


def _world(county, n=3):
    with change_context(source="cli"):
        units = [
            Unit.objects.create(jurisdiction=county, name=f"单位{i}", kind="department") for i in range(n)
        ]
        events.record("export", object_repr="项目台账", detail={"rows": 3})
        units[0].name = "单位甲"
        units[0].save()
        # The bulk path of an import.
        bulk = Unit.objects.bulk_create(
            [Unit(jurisdiction=county, name=f"导入{i}", kind="town") for i in range(5)]
        )
        record_many(bulk, "create")
    return units


def _verify():
    try:
        call_command("audit", "verify")
    except CommandError as e:
        return e.returncode, str(e)
    return 0, ""


def test_changes_and_events_form_one_unbroken_sequence(county):
    _world(county)
    seqs = sorted(
        [
            *ObjectChange.objects.values_list("seq", flat=True),
            *AuditEvent.objects.values_list("seq", flat=True),
        ]
    )
    assert seqs == list(range(1, len(seqs) + 1))
    assert ChainHead.objects.get().seq == len(seqs)
    count, broken = chain.verify()
    assert broken is None and count == len(seqs)
    assert _verify() == (0, "")


def test_verify_says_intact(county, capsys):
    _world(county)
    call_command("audit", "verify")
    assert "完整" in capsys.readouterr().out


def _raw(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


@pytest.mark.skipif("connection.vendor == 'postgresql'")
def test_a_change_edited_by_raw_sql_is_found(county):
    _world(county)
    victim = ObjectChange.objects.get(action="update", object_repr="单位甲")
    _raw("UPDATE core_objectchange SET after = %s WHERE id = %s", [json.dumps({"name": "篡改"}), victim.pk])
    code, message = _verify()
    assert code == 1
    assert f"序号 {victim.seq}（变更记录 #{victim.pk}）" in message and "被修改" in message


@pytest.mark.skipif("connection.vendor == 'postgresql'")
def test_an_event_edited_by_raw_sql_is_found(county):
    _world(county)
    event = AuditEvent.objects.get(kind="export")
    _raw("UPDATE audit_auditevent SET address = '10.9.9.9' WHERE id = %s", [event.pk])
    code, message = _verify()
    assert code == 1 and f"序号 {event.seq}（审计事件" in message


@pytest.mark.skipif("connection.vendor == 'postgresql'")
def test_a_removed_record_is_found(county):
    _world(county)
    middle = ObjectChange.objects.filter(object_repr__startswith="单位").order_by("seq")[1]
    _raw("DELETE FROM core_objectchange WHERE id = %s", [middle.pk])
    code, message = _verify()
    assert code == 1 and f"缺少序号 {middle.seq}" in message


@pytest.mark.skipif("connection.vendor == 'postgresql'")
def test_a_removed_last_record_is_found(county):
    _world(county)
    last = ObjectChange.objects.order_by("-seq").first()
    _raw("DELETE FROM core_objectchange WHERE id = %s", [last.pk])
    code, message = _verify()
    assert code == 1 and "链头" in message


def test_the_orm_refuses_to_change_or_delete(county):
    from django.core.exceptions import PermissionDenied

    _world(county)
    event = AuditEvent.objects.first()
    event.object_repr = "x"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.update(object_repr="x")


def test_archive_refuses_records_younger_than_six_months(county, tmp_path, settings):
    settings.ZHAOSHANG_AUDIT_RETENTION_DAYS = 30  # below the floor: 180 still holds
    _world(county)
    with pytest.raises(CommandError, match="180 天以前"):
        call_command(
            "audit",
            "archive",
            "--before",
            str(timezone.localdate() - timedelta(days=100)),
            "--output",
            str(tmp_path),
        )


def test_archive_moves_old_records_to_a_signed_file_and_verify_stays_green(county, tmp_path, capsys):
    _world(county)
    cutoff = timezone.now()
    later = Unit.objects.create(jurisdiction=county, name="较新", kind="town")
    total = ObjectChange.objects.count() + AuditEvent.objects.count()
    old_seqs = [
        *ObjectChange.objects.filter(time__lt=cutoff).values_list("seq", flat=True),
        *AuditEvent.objects.filter(time__lt=cutoff).values_list("seq", flat=True),
    ]
    # Seen from 400 days on, everything before the cutoff is past the retention.
    done = archive(cutoff, tmp_path, today=timezone.localdate() + timedelta(days=400))
    assert done.count == len(old_seqs) and done.through_seq == max(old_seqs)
    assert not ObjectChange.objects.filter(seq__lte=done.through_seq).exists()
    assert ObjectChange.objects.of(later).filter(action="create").exists()
    anchor = AuditEvent.objects.get(kind="archive")
    assert anchor.detail["through_seq"] == done.through_seq
    assert ObjectChange.objects.count() + AuditEvent.objects.count() == total - len(old_seqs) + 1
    assert _verify() == (0, "")
    call_command("audit", "verify", "--file", str(done.path))
    assert "归档文件完整" in capsys.readouterr().out
    # Later writes go on from the anchor.
    Unit.objects.create(jurisdiction=county, name="之后", kind="town")
    assert _verify() == (0, "")
    # A record changed in the file is found by its signature.
    done.path.write_text(done.path.read_text().replace("单位甲", "单位X"))
    with pytest.raises(CommandError, match="签名不符"):
        call_command("audit", "verify", "--file", str(done.path))


def test_archive_with_nothing_old_enough_changes_nothing(county, tmp_path, capsys):
    _world(county)
    before = ObjectChange.objects.count()
    call_command("audit", "archive", "--before", "2000-01-01", "--output", str(tmp_path))
    assert "没有" in capsys.readouterr().out
    assert ObjectChange.objects.count() == before and not list(tmp_path.iterdir())
