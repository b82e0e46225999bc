"""Django REST framework's tokens (rest_framework.authtoken) kept their keys in plain text. Each
one becomes an ApiToken holding only the SHA-256 of its key, so scripts using it keep working,
and expires ZHAOSHANG_TOKEN_DAYS (90) days after this upgrade; then the old table is dropped."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def hash_old_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("api", "ApiToken")
    table = connection.ops.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name('key')}, user_id FROM {table}")
        rows = cursor.fetchall()
    expires = timezone.now() + timedelta(days=int(getattr(settings, "ZHAOSHANG_TOKEN_DAYS", 90) or 90))
    for key, user_id in rows:
        ApiToken.objects.create(
            user_id=user_id,
            name="原接口令牌（升级时转存）",
            digest=hashlib.sha256(key.encode()).hexdigest(),
            expires=expires,
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [("api", "0001_api_tokens")]

    operations = [migrations.RunPython(hash_old_tokens, migrations.RunPython.noop)]
