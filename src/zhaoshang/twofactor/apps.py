from django.apps import AppConfig
from django.core import checks


class TwofactorConfig(AppConfig):
    name = "zhaoshang.twofactor"
    label = "twofactor"
    verbose_name = "二次验证"

    def ready(self):
        checks.register(check_required_roles)


def check_required_roles(app_configs=None, **kwargs):
    """A role named in ZHAOSHANG_2FA_REQUIRED_ROLES that does not exist is a typo that would
    quietly let that role in without a second factor."""
    from django.conf import settings

    from zhaoshang.core.roles import Role

    known = {r.value for r in Role}
    return [
        checks.Error(
            f"ZHAOSHANG_2FA_REQUIRED_ROLES 中的角色“{name}”不存在",
            hint="可用的角色：" + ", ".join(sorted(known)),
            id="twofactor.E001",
        )
        for name in settings.ZHAOSHANG_2FA_REQUIRED_ROLES
        if name not in known
    ]
