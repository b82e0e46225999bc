"""The password policy (等保三级 身份鉴别): Django password validators, named in
AUTH_PASSWORD_VALIDATORS, so that every channel that sets a password through Django's forms or
commands asks the same rules — the change-password page, the admin, `changepassword`,
`createsuperuser`. Every message names the rule in Chinese.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

# The longest password accepted: hashing is deliberately slow, and nobody types more.
MAX_LENGTH = 128


def _min_length() -> int:
    return settings.ZHAOSHANG_PASSWORD_MIN_LENGTH


class LengthValidator:
    """At least ZHAOSHANG_PASSWORD_MIN_LENGTH characters (8), at most 128."""

    def __init__(self, min_length: int | None = None):
        self.min_length = min_length

    def _min(self) -> int:
        return self.min_length or _min_length()

    def validate(self, password, user=None):
        n = self._min()
        if len(password) < n:
            raise ValidationError(
                f"密码太短：至少需要 {n} 个字符，现在只有 {len(password)} 个。",
                code="password_too_short",
            )
        if len(password) > MAX_LENGTH:
            raise ValidationError(f"密码太长：最多 {MAX_LENGTH} 个字符。", code="password_too_long")

    def get_help_text(self):
        return f"密码至少 {self._min()} 个字符。"


CLASSES = ("大写字母", "小写字母", "数字", "符号")


def character_classes(password: str) -> list[str]:
    """The kinds of character a password mixes, in the order of CLASSES. A symbol is anything
    that is not an ASCII letter or digit (punctuation, a space, a Chinese character)."""
    found = set()
    for c in password:
        if "A" <= c <= "Z":
            found.add("大写字母")
        elif "a" <= c <= "z":
            found.add("小写字母")
        elif "0" <= c <= "9":
            found.add("数字")
        else:
            found.add("符号")
    return [name for name in CLASSES if name in found]


class CharacterClassValidator:
    """At least three of upper case, lower case, digits and symbols."""

    def __init__(self, required: int = 3):
        self.required = required

    def validate(self, password, user=None):
        found = character_classes(password)
        if len(found) < self.required:
            has = "、".join(found) or "无"
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.required} 类，现在只有 {len(found)} 类（{has}）。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return f"须包含大写字母、小写字母、数字、符号中的至少 {self.required} 类。"


class UsernameValidator:
    """The password does not contain the user name (in any case)."""

    def validate(self, password, user=None):
        username = user.get_username() if user is not None else ""
        if username and username.lower() in password.lower():
            raise ValidationError(f"密码不能包含用户名“{username}”。", code="password_contains_username")

    def get_help_text(self):
        return "不能包含用户名。"


def _history_size() -> int:
    return settings.ZHAOSHANG_PASSWORD_HISTORY


class HistoryValidator:
    """Not one of the account's last ZHAOSHANG_PASSWORD_HISTORY passwords (5), the current one
    included. Compares against the stored hashes (models.PasswordHistory); 0 turns it off."""

    def validate(self, password, user=None):
        n = _history_size()
        if not n or user is None or user.pk is None:
            return
        from .models import PasswordHistory

        hashes = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:n])
        # The password held now, should it predate the history (an account from before it).
        User = get_user_model()
        stored = User._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
        if stored and stored not in hashes:
            hashes.insert(0, stored)
        if any(check_password(password, h) for h in hashes[:n] if h):
            raise ValidationError(
                f"新密码不能与最近 {n} 次用过的密码相同，请换一个。", code="password_reused"
            )

    def get_help_text(self):
        n = _history_size()
        return f"不能与最近 {n} 次用过的密码相同。" if n else ""
