"""zhaoshang encrypt_fields [--decrypt] [--batch N]

Rewrites every encrypted field (core/fields.py: EncryptedCharField; today contacts' 联系电话) under
the current ZHAOSHANG_FIELD_KEY: rows stored as typed (before the key was set) or under an older
key (listed after the new one) are encrypted with the first key. With --decrypt, they are stored as
typed again (before the key is removed). The values do not change, so nothing is written to the
change log. Safe to run again: a row already under the first key is rewritten all the same."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from zhaoshang.core import fields


class Command(BaseCommand):
    help = "用当前的 ZHAOSHANG_FIELD_KEY 重新加密（或 --decrypt 解密）数据库中的个人信息字段"

    def add_arguments(self, parser):
        parser.add_argument("--decrypt", action="store_true", help="以明文保存（去掉密钥之前运行）")
        parser.add_argument("--batch", type=int, default=1000, help="每批行数（默认 1000）")

    def handle(self, *args, decrypt=False, batch=1000, **options):
        if not fields._keys():
            raise CommandError("未设置 ZHAOSHANG_FIELD_KEY：没有可用于加密或解密的密钥")
        total = 0
        for model in apps.get_models():
            names = [f.name for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
            if not names:
                continue
            done = self._rewrite(model, names, decrypt=decrypt, batch=batch)
            total += done
            self.stdout.write(f"{model._meta.verbose_name}：{done} 行（{'、'.join(names)}）")
        self.stdout.write(self.style.SUCCESS(f"已{'解密' if decrypt else '加密'} {total} 行"))

    def _rewrite(self, model, names, *, decrypt, batch):
        manager = model._base_manager
        pks = list(manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch):
            chunk = pks[start : start + batch]
            with transaction.atomic():
                # Read through the field (decrypting whatever is stored), write raw values.
                rows = manager.filter(pk__in=chunk).values_list("pk", *names)
                for pk, *values in rows:
                    stored = {
                        n: (v if decrypt else fields.encrypt_value(v)) if isinstance(v, str) else v
                        for n, v in zip(names, values, strict=True)
                    }
                    _raw_update(model, pk, stored)
        return len(pks)


def _raw_update(model, pk, stored: dict) -> None:
    """An UPDATE with the values exactly as given (the field would encrypt a plain value again)."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(model._meta.get_field(n).column)} = %s" for n in stored)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s",
            [*stored.values(), pk],
        )
