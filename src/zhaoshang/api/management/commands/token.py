"""`zhaoshang token create|list|revoke`: API tokens for scripts and other systems.

zhaoshang token create --user NAME [--name 用途] [--days N]   prints the secret once
zhaoshang token list [--user NAME]
zhaoshang token revoke ID [ID ...] | --user NAME              (every token of that user)
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhaoshang.api import tokens
from zhaoshang.api.models import ApiToken
from zhaoshang.core.changelog import change_context


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "—"


class Command(BaseCommand):
    help = "接口令牌：create 新建（令牌只显示这一次）、list 列出、revoke 吊销"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为用户新建接口令牌，令牌只显示这一次")
        create.add_argument("--user", required=True, help="用户名")
        create.add_argument("--name", default="接口令牌", help="用途，如“统计局数据对接”")
        create.add_argument(
            "--days", type=int, help=f"有效天数（默认 {tokens.lifetime_days()} 天，ZHAOSHANG_TOKEN_DAYS）"
        )
        listing = sub.add_parser("list", help="列出接口令牌（不含令牌本身）")
        listing.add_argument("--user", help="只列出此用户的令牌")
        revoke = sub.add_parser("revoke", help="吊销接口令牌")
        revoke.add_argument("ids", nargs="*", type=int, metavar="ID")
        revoke.add_argument("--user", help="吊销此用户的全部令牌")

    def handle(self, *args, action, **opts):
        getattr(self, f"_{action}")(**opts)

    def _user(self, name):
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: name})
        except User.DoesNotExist:
            raise CommandError(f"没有用户“{name}”") from None

    def _create(self, *, user, name, days, **_):
        owner = self._user(user)
        if not owner.is_active:
            raise CommandError(f"用户“{user}”已停用")
        if days is not None and not 1 <= days <= 3660:
            raise CommandError("有效天数应在 1 至 3660 之间")
        with change_context(source="cli"):
            token, secret = tokens.create(owner, name, days=days)
        self.stderr.write(
            f"已为 {owner.get_username()} 新建接口令牌 #{token.pk}（{token.name}），"
            f"有效期至 {_when(token.expires)}。令牌只显示这一次，请妥善保存："
        )
        self.stdout.write(secret)
        self.stderr.write("使用方法：请求头 Authorization: Token 令牌")

    def _list(self, *, user=None, **_):
        qs = ApiToken.objects.select_related("user").order_by("user__username", "-created")
        if user:
            qs = qs.filter(user=self._user(user))
        self.stdout.write("编号\t用户\t用途\t状态\t创建\t到期\t最近使用")
        for t in qs:
            self.stdout.write(
                f"{t.pk}\t{t.user.get_username()}\t{t.name}\t{t.status}\t"
                f"{_when(t.created)}\t{_when(t.expires)}\t{_when(t.last_used)}"
            )

    def _revoke(self, *, ids, user=None, **_):
        if not ids and not user:
            raise CommandError("请给出令牌编号，或用 --user 吊销某用户的全部令牌")
        qs = ApiToken.objects.filter(revoked__isnull=True).select_related("user")
        chosen = list(qs.filter(pk__in=ids)) if ids else list(qs.filter(user=self._user(user)))
        missing = set(ids) - {t.pk for t in chosen}
        if missing:
            raise CommandError(f"没有未吊销的令牌：{'、'.join(map(str, sorted(missing)))}")
        with change_context(source="cli"):
            for t in chosen:
                tokens.revoke(t)
        self.stdout.write(f"已吊销 {len(chosen)} 个令牌")
