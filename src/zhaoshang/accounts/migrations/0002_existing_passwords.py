"""Accounts made before the password policy: their password counts as set now, so that nobody is
sent to change it the moment the platform is upgraded (they have ZHAOSHANG_PASSWORD_MAX_AGE_DAYS
from the upgrade), and its hash starts their history."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Account = apps.get_model("accounts", "Account")
    PasswordHistory = apps.get_model("accounts", "PasswordHistory")
    now = timezone.now()
    users = list(User.objects.exclude(pk__in=Account.objects.values("pk")).values_list("pk", "password"))
    Account.objects.bulk_create([Account(user_id=pk, password_changed=now) for pk, _ in users], batch_size=1000)
    PasswordHistory.objects.bulk_create(
        [PasswordHistory(user_id=pk, password=password, changed=now) for pk, password in users if password],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
