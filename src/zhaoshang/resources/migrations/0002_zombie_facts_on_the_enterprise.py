"""The zombie register's class, 认定日期 and 复工复产日期 are kept once, on the enterprise
(Enterprise.zombie_class, zombie_classified_on, zombie_resumed_on), which the assessment's deadline
rules read. Before the register's own columns go, their values move onto the enterprise:

- an enterprise without a class takes the entry's class and dates (the register was the only
  copy: e.g. the demo's entries outside 夏邑);
- an enterprise with a class keeps its own: the register wrote its values onto the enterprise on
  every save, so where the two differ the enterprise was changed after (its form, its API, the
  企业 sheet) and holds the newer facts.

Like the project's other data migrations, these writes are not in the change log (its rows are
hash-chained, core/migrations/0002_audit_chain.py); the count is printed."""

from django.db import migrations


def facts_to_enterprise(apps, schema_editor):
    Zombie = apps.get_model("resources", "ZombieEnterprise")
    Enterprise = apps.get_model("ledger", "Enterprise")
    moved = 0
    for z in Zombie.objects.all().iterator():
        e = Enterprise.objects.get(pk=z.enterprise_id)
        if e.zombie_class:
            continue
        e.zombie_class = z.zombie_class
        e.zombie_classified_on = z.classified_on
        e.zombie_resumed_on = z.resumed_on
        e.save(update_fields=["zombie_class", "zombie_classified_on", "zombie_resumed_on"])
        moved += 1
    if moved:
        print(f"\n  僵尸企业名录：{moved} 家企业的类别和日期移到企业台账")


def facts_back(apps, schema_editor):
    Zombie = apps.get_model("resources", "ZombieEnterprise")
    for z in Zombie.objects.select_related("enterprise").iterator():
        e = z.enterprise
        z.zombie_class = e.zombie_class or "A"
        z.classified_on = e.zombie_classified_on or z.created.date()
        z.resumed_on = e.zombie_resumed_on
        z.save(update_fields=["zombie_class", "classified_on", "resumed_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0001_initial"),
        ("ledger", "0012_contract_performance"),
    ]

    operations = [
        migrations.RunPython(facts_to_enterprise, facts_back),
        migrations.AlterModelOptions(
            name="zombieenterprise",
            options={
                "ordering": ["enterprise__zombie_class", "enterprise__zombie_classified_on", "id"],
                "verbose_name": "僵尸企业",
                "verbose_name_plural": "僵尸企业",
            },
        ),
        migrations.RemoveField(model_name="zombieenterprise", name="classified_on"),
        migrations.RemoveField(model_name="zombieenterprise", name="resumed_on"),
        migrations.RemoveField(model_name="zombieenterprise", name="zombie_class"),
    ]
