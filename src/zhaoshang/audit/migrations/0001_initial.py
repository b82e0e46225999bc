import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def create_head(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField(default=0, verbose_name="序号")),
                ("hash", models.CharField(default="", max_length=64, verbose_name="校验值")),
            ],
            options={"verbose_name": "审计链头", "verbose_name_plural": "审计链头"},
        ),
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(unique=True, verbose_name="序号")),
                ("hash", models.CharField(max_length=64, verbose_name="校验值")),
                ("time", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间")),
                ("user_name", models.CharField(blank=True, max_length=150, verbose_name="操作人账号")),
                ("source", models.CharField(max_length=10, verbose_name="来源")),
                ("request_id", models.UUIDField(blank=True, null=True, verbose_name="请求编号")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("login", "登录"),
                            ("logout", "退出"),
                            ("login_failed", "登录失败"),
                            ("role_change", "权限变更"),
                            ("account", "账号管理"),
                            ("security", "安全管理"),
                            ("export", "导出"),
                            ("download", "下载"),
                            ("import", "导入"),
                            ("publish", "发布"),
                            ("audit_export", "导出审计记录"),
                            ("archive", "审计记录归档"),
                        ],
                        db_index=True,
                        max_length=20,
                        verbose_name="事件",
                    ),
                ),
                ("object_type", models.CharField(blank=True, max_length=100, verbose_name="对象类型")),
                ("object_id", models.CharField(blank=True, max_length=64, verbose_name="对象编号")),
                ("object_repr", models.CharField(blank=True, max_length=200, verbose_name="对象")),
                ("detail", models.JSONField(blank=True, default=dict, verbose_name="详情")),
                ("address", models.GenericIPAddressField(blank=True, null=True, verbose_name="地址")),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
            ],
            options={"verbose_name": "审计事件", "verbose_name_plural": "审计事件", "ordering": ["-seq"]},
        ),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
