"""Natural keys in the database (issue 12 point 3: no double import): a project is one per
enterprise, name and jurisdiction; an enterprise without a 统一社会信用代码 is one per name and
jurisdiction (with a code, `enterprise_unique_uscc` already holds).

Rows that already break a key are reported and renamed, never merged or deleted — merging
would move investment, stage history and activities between records, which is the office's
decision: the later duplicates get “（重复2）”, “（重复3）”… after their name, so the office finds
them by searching 重复 and merges by hand. The report goes to the migration's output."""

from django.db import migrations, models
from django.db.models import Count


def _rename_duplicates(apps, schema_editor):
    Project = apps.get_model("ledger", "Project")
    Enterprise = apps.get_model("ledger", "Enterprise")
    report = []
    dup_ents = (
        Enterprise.objects.filter(uscc="")
        .values("jurisdiction_id", "name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for key in dup_ents:
        rows = Enterprise.objects.filter(uscc="", jurisdiction_id=key["jurisdiction_id"], name=key["name"])
        for i, e in enumerate(rows.order_by("created", "id")[1:], start=2):
            e.name = f"{e.name}（重复{i}）"[:120]
            e.save(update_fields=["name"])
            report.append(f"企业 #{e.pk} 与同区划同名企业重复（均未填统一社会信用代码），已改名为“{e.name}”")
    dup_projects = (
        Project.objects.values("jurisdiction_id", "enterprise_id", "name").annotate(n=Count("id")).filter(n__gt=1)
    )
    for key in dup_projects:
        rows = Project.objects.filter(**{k: key[k] for k in ("jurisdiction_id", "enterprise_id", "name")})
        for i, p in enumerate(rows.order_by("created", "id")[1:], start=2):
            p.name = f"{p.name}（重复{i}）"[:200]
            p.save(update_fields=["name"])
            report.append(f"项目 #{p.pk} 与同一企业的同名项目重复，已改名为“{p.name}”")
    if report:
        print("\n  自然键重复的记录（请招商办核对并合并）：\n  " + "\n  ".join(report))


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0007_bounded_text"),
    ]

    operations = [
        migrations.RunPython(_rename_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="enterprise",
            constraint=models.UniqueConstraint(
                condition=models.Q(("uscc", "")),
                fields=("jurisdiction", "name"),
                name="enterprise_unique_name_without_uscc",
                violation_error_message="本行政区划内已有同名且未填统一社会信用代码的企业，请填写统一社会信用代码或使用已登记的企业",
            ),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.UniqueConstraint(
                fields=("jurisdiction", "enterprise", "name"),
                name="project_unique_name_per_enterprise",
                violation_error_message="该企业在本行政区划内已有同名项目",
            ),
        ),
    ]
