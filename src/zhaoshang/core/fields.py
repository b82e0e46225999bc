"""Model fields of the platform's own.

`BoundedTextField`: every free text is bounded (等保三级, docs/hardening.md). Django's TextField
takes a max_length only for the form's widget and DRF's serializer; this one also validates it in
the model's `full_clean()`, so the form, the API, the admin and whatever else validates the model
refuse an over-long text alike, naming the field (the Excel import reads the same bound from the
field: exchange/layouts.py `model_text_parser`).
"""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models

# The bounds in use: a reason, note or short answer; a long description (a plan, minutes, a report).
REASON = 2_000
LONG_TEXT = 10_000


class BoundedTextField(models.TextField):
    def __init__(self, *args, max_length: int | None = None, **kwargs):
        if not max_length:
            raise TypeError("BoundedTextField needs a max_length")
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))


# --- Personal data encrypted at rest ---------------------------------------------------------------
# With ZHAOSHANG_FIELD_KEY (a Fernet key; several, comma-separated, to rotate: the first encrypts,
# each decrypts) an EncryptedCharField is written to the database as "fernet:<token>"; without it,
# as typed. Reading takes either, so rows written before the key was set still read, and
# `zhaoshang encrypt_fields` rewrites them under the current key (or, --decrypt, as typed again).

ENCRYPTED_PREFIX = "fernet:"


def _keys() -> list[str]:
    from django.conf import settings

    return [k.strip() for k in (getattr(settings, "ZHAOSHANG_FIELD_KEY", "") or "").split(",") if k.strip()]


def _fernet():
    """A MultiFernet of the configured keys, None without any; an unusable key is a clear error."""
    keys = _keys()
    if not keys:
        return None
    from cryptography.fernet import Fernet, MultiFernet
    from django.core.exceptions import ImproperlyConfigured

    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "ZHAOSHANG_FIELD_KEY 不是有效的 Fernet 密钥（32 字节的 URL 安全 Base64 编码，"
            '可用 python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" 生成）'
        ) from None


def encrypt_value(value: str) -> str:
    if not value or value.startswith(ENCRYPTED_PREFIX):
        return value
    f = _fernet()
    return ENCRYPTED_PREFIX + f.encrypt(value.encode()).decode() if f else value


def decrypt_value(value: str | None) -> str | None:
    if not value or not value.startswith(ENCRYPTED_PREFIX):
        return value
    from cryptography.fernet import InvalidToken
    from django.core.exceptions import ImproperlyConfigured

    f = _fernet()
    if f is None:
        raise ImproperlyConfigured("数据库中的个人信息已加密，但未设置 ZHAOSHANG_FIELD_KEY，无法读取")
    try:
        return f.decrypt(value[len(ENCRYPTED_PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "数据库中的个人信息无法用当前的 ZHAOSHANG_FIELD_KEY 解密：更换密钥时请把旧密钥列在新密钥之后"
            "（以逗号分隔），并运行 zhaoshang encrypt_fields"
        ) from None


def log_digest(value: str) -> str:
    """What the change log keeps of an encrypted field while a key is set: a keyed digest (equal
    values compare equal, the value itself is not kept)."""
    import hashlib
    import hmac

    keys = _keys()
    if not value or not keys:
        return value
    return "hmac:" + hmac.new(keys[0].encode(), value.encode(), hashlib.sha256).hexdigest()[:16]


class EncryptedCharField(models.CharField):
    """A CharField whose value is encrypted in the database when ZHAOSHANG_FIELD_KEY is set. The
    bound (max_length) and validators apply to the value as typed; the column is text, to hold
    the token. Lookups and ordering on it cannot use the value (the token is random), so nothing
    filters or sorts on these fields in SQL."""

    encrypted = True

    def get_internal_type(self):
        return "TextField"

    def from_db_value(self, value, expression, connection):
        return decrypt_value(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt_value(value) if isinstance(value, str) else value
