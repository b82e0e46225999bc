"""`zhaoshang twofactor reset|code|status`: the second factor from the command line.

zhaoshang twofactor reset USERNAME    remove the user's authenticator and recovery codes (lost phone);
                                      they bind a new one at their next login
zhaoshang twofactor code USERNAME     the current code of a device `zhaoshang demo-data` made
                                      (演示设备) — refused for any other device
zhaoshang twofactor status [USERNAME] who has bound an authenticator, and who must
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhaoshang.core.changelog import change_context
from zhaoshang.twofactor import services


class Command(BaseCommand):
    help = "二次验证（动态口令）：reset 重置、code 显示演示设备的当前口令、status 查看绑定情况"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reset = sub.add_parser("reset", help="重置用户的二次验证（删除其身份验证器和恢复码）")
        reset.add_argument("username", help="用户名")
        code = sub.add_parser("code", help="显示演示数据所建身份验证器（演示设备）的当前动态口令")
        code.add_argument("username", help="用户名")
        status = sub.add_parser("status", help="列出用户的二次验证情况")
        status.add_argument("username", nargs="?", help="只看此用户")

    def handle(self, *args, action, **opts):
        getattr(self, f"_{action}")(**opts)

    def _user(self, name):
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: name})
        except User.DoesNotExist:
            raise CommandError(f"没有用户“{name}”") from None

    def _reset(self, *, username, **_):
        user = self._user(username)
        with change_context(source="cli", reason=f"命令行重置 {username} 的二次验证"):
            removed = services.reset(user)
        if removed:
            self.stdout.write(
                f"已重置 {username} 的二次验证（删除身份验证器和恢复码共 {removed} 项）。"
                + ("其下次登录时须重新绑定。" if services.must_use_second_factor(user) else "")
            )
        else:
            self.stdout.write(f"{username} 未绑定身份验证器，无需重置。")

    def _code(self, *, username, **_):
        user = self._user(username)
        if services.totp_device(user) is None:
            raise CommandError(f"{username} 尚未绑定身份验证器")
        device = services.demo_device(user)
        if device is None:
            raise CommandError(
                f"{username} 的身份验证器不是演示数据生成的（演示设备），不能显示其动态口令；"
                "请使用本人手机上的身份验证器应用"
            )
        self.stdout.write(services.code_at(device))

    def _status(self, *, username=None, **_):
        User = get_user_model()
        users = [self._user(username)] if username else User.objects.order_by("username")
        self.stdout.write("用户\t须使用\t身份验证器\t剩余恢复码")
        for user in users:
            device = services.totp_device(user)
            self.stdout.write(
                f"{user.get_username()}\t{'是' if services.must_use_second_factor(user) else '否'}\t"
                f"{device.name if device else '未绑定'}\t{services.recovery_codes_left(user)}"
            )
