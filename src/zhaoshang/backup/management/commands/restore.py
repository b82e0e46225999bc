from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.audit import events
from zhaoshang.core.changelog import change_context

from ...archive import BackupError, restore


class Command(BaseCommand):
    help = "从备份文件恢复数据库和存储的文件：先核对清单和校验值；数据库已有数据时须加 --force"

    def add_arguments(self, parser):
        parser.add_argument("archive", metavar="ARCHIVE")
        parser.add_argument("--force", action="store_true", help="覆盖已有数据的数据库")

    def handle(self, *args, archive, force, **opts):
        def migrate():
            with change_context(source="cli"):
                call_command("migrate", interactive=False, verbosity=0)

        try:
            result = restore(archive, force=force, migrate=migrate)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        m = result.manifest
        # Into the restored database's own trail: what it was restored from, and whether it matched.
        events.record(
            "import",
            source="cli",
            object_type="restore",
            object_repr=str(archive)[:200],
            detail={
                "what": "restore",
                "backup_created": m["created"],
                "platform_version": m["platform_version"],
                "files": result.files,
                "migrated": result.migrated,
                "mismatched_tables": sorted(result.mismatches),
            },
        )
        if result.mismatches:
            for table, (want, got) in sorted(result.mismatches.items()):
                self.stderr.write(f"行数不符：{table} 备份时 {want} 行，恢复后 {got} 行")
            raise CommandError(f"恢复后有 {len(result.mismatches)} 张表的行数与备份清单不符")
        self.stdout.write(
            f"已从 {archive} 恢复（备份于 {m['created']}，平台版本 {m['platform_version']}）："
            f"{len(m['tables'])} 张表的行数与清单一致，恢复文件 {result.files} 个"
            + ("；已按当前版本执行数据库迁移" if result.migrated else "")
        )
