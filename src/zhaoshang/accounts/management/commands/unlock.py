"""`zhaoshang unlock USERNAME [--ip ADDRESS]` / `zhaoshang unlock --ip ADDRESS`: release a login
lockout before its time (services.unlock), recorded in the change log as from the command line.
`--list` shows the lockouts in force."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhaoshang.core.changelog import change_context

from ... import services


class Command(BaseCommand):
    help = "解除登录锁定：按账号和/或地址清除失败记录（记入变更记录）；--list 列出当前的锁定"

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="被锁定的账号")
        parser.add_argument("--ip", help="被锁定的地址")
        parser.add_argument("--by", help="执行解锁的安全管理员账号（记入变更记录；不填则记为命令行）")
        parser.add_argument("--list", action="store_true", help="列出当前的锁定")

    def handle(self, *args, username=None, ip=None, by=None, list=False, **opts):
        if list:
            found = services.lockouts()
            if not found:
                self.stdout.write("当前没有被锁定的账号或地址。")
            for lock in found:
                until = timezone.localtime(lock.until)
                self.stdout.write(f"{lock.label}：失败 {lock.failures} 次，{until:%Y-%m-%d %H:%M} 解除")
            return
        if not username and not ip:
            raise CommandError("请指定要解锁的账号，或用 --ip 指定地址")
        actor = None
        if by:
            User = get_user_model()
            actor = User.objects.filter(**{User.USERNAME_FIELD: by}).first()
            if actor is None:
                raise CommandError(f"没有用户“{by}”")
        before = services.lockouts(username=username, ip=ip)
        try:
            with change_context(user=actor, source="cli"):
                done = services.unlock(username=username, ip=ip, by=actor)
        except PermissionDenied as e:
            raise CommandError(str(e)) from None
        what = "、".join(lock.label for lock in before) or str(done).removeprefix("解除登录锁定：")
        if before:
            self.stdout.write(f"已解除锁定：{what}（清除失败记录 {done.attempts} 条）。")
        else:
            self.stdout.write(f"{what}当前未被锁定；已清除失败记录 {done.attempts} 条。")
