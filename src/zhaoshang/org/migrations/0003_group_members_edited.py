from django.db import migrations, models
from django.db.models import F


def declare_units(apps, schema_editor):
    """Units loaded before `declared_as` was kept for units: their name is the file's name."""
    apps.get_model("org", "Unit").objects.filter(declared_as="").update(declared_as=F("name"))


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_sensible_ranges"),
    ]

    operations = [
        migrations.AddField(
            model_name="holdergroup",
            name="members_edited",
            field=models.BooleanField(default=False, editable=False, verbose_name="成员由办公室指定"),
        ),
        migrations.RunPython(declare_units, migrations.RunPython.noop),
    ]
