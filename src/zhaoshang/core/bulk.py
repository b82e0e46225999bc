"""Inserting many new rows at once, held as plain values rather than model instances.

A large import spends most of its time in Django, not in the database: building a model
instance per row, then `bulk_create` preparing every value and, on PostgreSQL, dumping the
UNNEST arrays. `insert_rows` writes the same rows from dicts: through COPY on PostgreSQL,
through `bulk_create` elsewhere (SQLite, where it is fast enough).
"""

from __future__ import annotations

import json

from django.db import connection, models
from django.utils import timezone


def insert_rows(model: type[models.Model], rows: list[dict]) -> None:
    """Insert new rows of `model`, each given as {attname: value}, and set each row's primary key.

    The rows written are those of `bulk_create([model(**row), ...])`: a field a row leaves out
    takes its default and `auto_now`/`auto_now_add` fields (created, updated) are now. Each row
    is completed in place with those values and its primary key, so that it can be logged
    (`changelog.record_rows`) as the instance would have been.

    The values must already be of their fields' Python types (str, Decimal, date, a list for a
    JSON field…), as a model instance would hold them: on PostgreSQL they are copied as they are,
    without Django's per-field preparation.
    """
    if not rows:
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = [
        f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    defaults = [(f.attname, f) for f in fields if f.attname not in stamped]
    now = timezone.now()
    for row in rows:
        for name, f in defaults:
            if name not in row:
                row[name] = f.get_default()
        for name in stamped:
            row[name] = now
    if connection.vendor == "postgresql":
        _copy(model, pk, fields, rows)
        return
    objs = [model(**row) for row in rows]
    model.objects.bulk_create(objs, batch_size=1000)
    for row, obj in zip(rows, objs, strict=True):
        row[pk.attname] = obj.pk
        for name in stamped:  # bulk_create stamps each instance itself
            row[name] = getattr(obj, name)


def _copy(model, pk, fields, rows: list[dict]) -> None:
    """COPY the rows, with primary keys taken beforehand from the table's sequence (in the order
    bulk_create would have given them)."""
    table = model._meta.db_table
    qn = connection.ops.quote_name
    names = [f.attname for f in [pk, *fields]]
    # A JSON field's value goes as its JSON text (None stays SQL NULL, as Django saves it); the
    # other values as psycopg dumps them.
    json_columns = [(i, f.encoder) for i, f in enumerate([pk, *fields]) if isinstance(f, models.JSONField)]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(rows)],
        )
        ids = sorted(pk_value for (pk_value,) in cur.fetchall())
        for row, pk_value in zip(rows, ids, strict=True):
            row[pk.attname] = pk_value
        columns = ", ".join(qn(f.column) for f in [pk, *fields])
        # The raw psycopg cursor: its errors wrapped as Django's (an IntegrityError stays one).
        with (
            connection.wrap_database_errors,
            cur.cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                values = [row[name] for name in names]
                for i, encoder in json_columns:
                    if values[i] is not None:
                        values[i] = json.dumps(values[i], cls=encoder)
                copy.write_row(values)
