"""Personal data (contact names and phone numbers of investors) shown in full only to the
roles that work with the investor: the office and the clerks who own the record. Leaders,
inspectors and the city see it masked."""

from .roles import RECORD_EDITORS
from .scoping import membership


def may_see_personal_data(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    m = membership(user)
    return m is not None and m.role in RECORD_EDITORS


def mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else name


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:]
