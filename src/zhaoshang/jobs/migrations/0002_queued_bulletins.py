"""Bulletins queued or being built before jobs existed get a job, so a worker builds them."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Bulletin = apps.get_model("bulletins", "Bulletin")
    Job = apps.get_model("jobs", "Job")
    now = timezone.now()
    for b in Bulletin.objects.filter(status__in=["queued", "running"]).select_related("policy"):
        Bulletin.objects.filter(pk=b.pk).update(status="queued", progress=0, message="")
        Job.objects.create(
            kind="bulletin",
            title=f"生成简报：{b.period}",
            arguments={"bulletin": b.pk},
            created_by_id=b.requested_by_id,
            queued_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial"), ("bulletins", "0002_send_claim")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
