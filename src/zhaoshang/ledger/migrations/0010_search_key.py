"""The pinyin search key (issue 11 point 1): `search_initials` (initials only) becomes
`search_key` (each name's full pinyin and initials, core/search.py), filled for every row that
exists; on PostgreSQL a trigram index serves the `contains` the search asks of it."""

from django.db import migrations, models

BATCH = 2000


def fill(apps, schema_editor):
    from zhaoshang.core.search import search_key

    for name, names in (
        ("Enterprise", lambda e: (e.name, e.short_name, list(e.former_names or ()))),
        ("Project", lambda p: (p.name,)),
    ):
        model = apps.get_model("ledger", name)
        fields = ["id", "name", "short_name", "former_names"] if name == "Enterprise" else ["id", "name"]
        batch = []
        for obj in model.objects.only(*fields).order_by("pk").iterator(chunk_size=BATCH):
            obj.search_key = search_key(*names(obj))
            batch.append(obj)
            if len(batch) >= BATCH:
                model.objects.bulk_update(batch, ["search_key"])
                batch = []
        if batch:
            model.objects.bulk_update(batch, ["search_key"])


TABLES = ("ledger_enterprise", "ledger_project")


def trigram_indexes(apps, schema_editor):
    """pg_trgm ships with PostgreSQL; creating the extension may need rights the application's
    role lacks — then the search works as before, by scanning."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.db import transaction

    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 - no rights: no index
        return
    for table in TABLES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_search_key_trgm" ON "{table}" '
            "USING gin (search_key gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_search_key_trgm"')


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0009_encrypted_phone"),
    ]

    operations = [
        migrations.RenameField("enterprise", "search_initials", "search_key"),
        migrations.RenameField("project", "search_initials", "search_key"),
        migrations.AlterField(
            model_name="enterprise",
            name="search_key",
            field=models.TextField(blank=True, editable=False, verbose_name="拼音检索键"),
        ),
        migrations.AlterField(
            model_name="project",
            name="search_key",
            field=models.TextField(blank=True, editable=False, verbose_name="拼音检索键"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
