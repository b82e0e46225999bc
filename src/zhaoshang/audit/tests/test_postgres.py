"""On PostgreSQL: the trigger refuses UPDATE, DELETE and TRUNCATE of the audit tables except on
the retention path, and concurrent writers queue on the chain's end instead of forking it.
Run with DATABASE_URL=postgres://…/zs_audit (skipped on SQLite)."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from zhaoshang.audit import chain, events
from zhaoshang.audit.models import AuditEvent, ChainHead
from zhaoshang.core.changelog import change_context
from zhaoshang.core.models import ObjectChange
from zhaoshang.org.models import Jurisdiction, Unit

needs_pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


@needs_pg
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_objectchange SET object_repr = 'x' WHERE id = (SELECT max(id) FROM core_objectchange)",
        "DELETE FROM core_objectchange WHERE id = (SELECT max(id) FROM core_objectchange)",
        "UPDATE audit_auditevent SET address = '10.0.0.9'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE core_objectchange",
        "TRUNCATE audit_auditevent",
    ],
)
def test_the_trigger_refuses_raw_changes(sql):
    with change_context(source="cli"):
        events.record("export", object_repr="台账")
        Unit.objects.create(jurisdiction=Jurisdiction.objects.first(), name="触发器", kind="town")
    with connection.cursor() as cur:
        cur.execute("SET zhaoshang.audit_truncate = 'off'")  # as in production
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else TRUNCATE stops at the test's pending checks
        try:
            with pytest.raises(DatabaseError, match="审计记录不可修改或删除"), transaction.atomic():
                cur.execute(sql)
        finally:
            cur.execute("SET zhaoshang.audit_truncate = 'on'")
    assert chain.verify()[1] is None


@needs_pg
@pytest.mark.django_db
def test_only_the_retention_path_deletes_and_never_updates():
    with change_context(source="cli"):
        events.record("export", object_repr="台账")
    with connection.cursor() as cur, transaction.atomic():
        cur.execute("SET LOCAL zhaoshang.audit_retention = 'on'")
        with pytest.raises(DatabaseError, match="审计记录不可修改或删除"), transaction.atomic():
            cur.execute("UPDATE audit_auditevent SET object_repr = 'x'")
        with transaction.atomic():
            cur.execute("DELETE FROM audit_auditevent WHERE object_repr = '台账'")
            assert cur.rowcount == 1
            transaction.set_rollback(True)


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    # The chain may already hold the shared world's records; this test reads only what it adds.
    before = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    county = Jurisdiction.objects.create(code="990200", name="并发县", level="county")
    errors = []
    barrier = threading.Barrier(2)

    def writer(n):
        try:
            barrier.wait()
            with change_context(source="cli"):
                for i in range(15):
                    with transaction.atomic():
                        Unit.objects.create(jurisdiction=county, name=f"线程{n}-{i}", kind="town")
                        events.record("export", object_repr=f"线程{n}-{i}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = sorted(
        [
            *ObjectChange.objects.filter(seq__gt=before).values_list("seq", flat=True),
            *AuditEvent.objects.filter(seq__gt=before).values_list("seq", flat=True),
        ]
    )
    assert len(seqs) == len(set(seqs))
    assert seqs == list(range(before + 1, before + 1 + len(seqs)))
    assert len(seqs) == 1 + 30 + 30  # the county, the units, the events
    assert AuditEvent.objects.filter(object_repr__startswith="线程").count() == 30
    count, broken = chain.verify()
    assert broken is None, str(broken)
