"""`zhaoshang admins grant USERNAME system_admin|security_admin|audit_admin [--create]` and
`zhaoshang admins list`: the three administrators (三员) are named on the server only."""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from zhaoshang.core.changelog import change_context
from zhaoshang.core.roles import ADMIN_ROLES, Role


class Command(BaseCommand):
    help = "三员账号：grant 授予系统管理员、安全管理员或审计管理员角色；list 列出三员账号"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        grant = sub.add_parser("grant", help="授予三员角色（账号不得担任业务角色）")
        grant.add_argument("username")
        grant.add_argument("role", choices=sorted(r.value for r in ADMIN_ROLES))
        grant.add_argument("--create", action="store_true", help="账号不存在时新建（随后输入初始密码）")
        sub.add_parser("list", help="列出三员账号")

    def handle(self, *args, action, **options):
        if action == "list":
            from zhaoshang.org.models import Membership

            rows = Membership.objects.filter(role__in=[r.value for r in ADMIN_ROLES]).select_related("user")
            for m in rows.order_by("role", "user__username"):
                state = "" if m.user.is_active else "（已停用）"
                self.stdout.write(f"{m.user.username}\t{m.get_role_display()}{state}")
            return
        self._grant(options["username"], options["role"], options["create"])

    def _grant(self, username, role, create):
        from zhaoshang.admins.services import grant_admin
        from zhaoshang.org.models import Jurisdiction

        User = get_user_model()
        top = Jurisdiction.objects.filter(parent__isnull=True).order_by("path").first()
        if top is None:
            raise CommandError("尚未载入任何行政区划，请先载入政策文件（zhaoshang policy load）")
        try:
            with transaction.atomic(), change_context(source="cli", reason=f"授予{Role(role).label}"):
                user = User.objects.filter(username=username).first()
                if user is None:
                    if not create:
                        raise CommandError(f"未找到账号“{username}”；新建请加 --create")
                    password = getpass.getpass("初始密码：")
                    user = User(username=username)
                    validate_password(password, user)
                    user.set_password(password)
                    user.save()
                grant_admin(user, role, jurisdiction=top)
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from None
        self.stdout.write(f"已授予账号“{username}”{Role(role).label}角色")
