"""The change log joins the audit chain (audit/chain.py): each record gets the client's address,
a sequence number and a hash; the records written before are linked in the order they were
written."""

import django.utils.timezone
from django.db import migrations, models


def link_existing(apps, schema_editor):
    from zhaoshang.audit import chain

    ObjectChange = apps.get_model("core", "ObjectChange")
    ChainHead = apps.get_model("audit", "ChainHead")
    head, _ = ChainHead.objects.get_or_create(pk=1)
    link = chain.Link(head.seq, head.hash)
    fields = [f for f in chain.CHANGE_FIELDS if f != "seq"]
    last_id = 0
    while True:
        rows = list(ObjectChange.objects.filter(pk__gt=last_id).order_by("pk").values("pk", *fields)[:2000])
        if not rows:
            break
        batch = []
        for row in rows:
            seq, digest = link.next(chain.CHANGE, dict(row))
            batch.append(ObjectChange(pk=row["pk"], seq=seq, hash=digest))
        ObjectChange.objects.bulk_update(batch, ["seq", "hash"])
        last_id = rows[-1]["pk"]
    ChainHead.objects.filter(pk=1).update(seq=link.seq, hash=link.hash)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="objectchange",
            name="time",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间"),
        ),
        migrations.AddField(
            model_name="objectchange",
            name="address",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="地址"),
        ),
        migrations.AddField(
            model_name="objectchange",
            name="seq",
            field=models.BigIntegerField(null=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="objectchange",
            name="hash",
            field=models.CharField(default="", max_length=64, verbose_name="校验值"),
            preserve_default=False,
        ),
        migrations.RunPython(link_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="objectchange",
            name="seq",
            field=models.BigIntegerField(unique=True, verbose_name="序号"),
        ),
    ]
