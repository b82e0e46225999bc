"""The second factor (动态口令): binding an authenticator app, recovery codes, checking a code at
login, and the security administrator's reset. The pages, `zhaoshang twofactor` and the security
console all call these; every change is written to the change log (never a secret or a code).

A user has at most one confirmed TOTP device (django-otp's `TOTPDevice`, named 动态口令, or
演示设备 for the demo's) and one `StaticDevice` holding their unused recovery codes (恢复码).
"""

from __future__ import annotations

import hashlib
import hmac
import xml.etree.ElementTree as ET
from base64 import b32encode
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhaoshang.core import changelog
from zhaoshang.core.permissions import is_security_admin, must_use_second_factor

TOTP_NAME = "动态口令"
RECOVERY_NAME = "恢复码"
# Devices made by `zhaoshang demo-data`: their secret follows from the user name, so only these
# may have their current code printed (`zhaoshang twofactor code`).
DEMO_NAME = "演示设备"
RECOVERY_COUNT = 10


def must_verify(user) -> bool:
    """Must this user give a second factor at login: their role requires it, or they bound a device."""
    return must_use_second_factor(user) or (
        getattr(user, "is_authenticated", False) and user_has_device(user, confirmed=True)
    )


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- What the change log keeps: the fact and the device, never its key or a code. ---------------


def _snapshot(device) -> dict:
    data = {"user": device.user_id, "name": device.name, "confirmed": device.confirmed}
    if isinstance(device, StaticDevice):
        data["codes"] = device.token_set.count()
    return data


def _log(device, action: str, before: dict | None, after: dict | None) -> None:
    changelog.record(device, action, before, after)


def _delete(queryset) -> int:
    n = 0
    for device in queryset:
        _log(device, "delete", _snapshot(device), None)
        device.delete()
        n += 1
    return n


# --- Binding (enrolment) -----------------------------------------------------------------------------


def start_enrolment(user) -> TOTPDevice:
    """The device being bound: the user's unconfirmed one, or a new one with a fresh random key.
    It does not count (verify, must_verify) until `confirm_enrolment` accepts a code from it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm `device` with a code the app shows: it then replaces any device bound before, and
    the user gets 10 new recovery codes (returned: show them this once). None, and nothing
    changed but the device's failure count, when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if device.confirmed or not device.verify_token(normalise(code)):
        return None
    _delete(TOTPDevice.objects.filter(user=user).exclude(pk=device.pk))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _log(device, "create", None, _snapshot(device))
    return _new_recovery_codes(user)


@transaction.atomic
def regenerate_recovery_codes(user) -> list[str]:
    """10 new recovery codes; the old ones stop working."""
    return _new_recovery_codes(user)


def _new_recovery_codes(user) -> list[str]:
    _delete(StaticDevice.objects.filter(user=user))
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_COUNT:
        code = StaticToken.random_token()  # 8 letters and digits (base32)
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    _log(device, "create", None, _snapshot(device))
    return codes


def secret(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for typing into an authenticator app by hand."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as a QR code in inline SVG, drawn on the server."""
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    svg = image.get_image()
    for attr in ("width", "height"):
        svg.attrib.pop(attr, None)
    svg.set("class", "twofactor-qr")
    svg.set("role", "img")
    svg.set("aria-label", "用身份验证器应用扫描此二维码")
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    return ET.tostring(svg, encoding="unicode")


# --- Checking a code at login ------------------------------------------------------------------------


def normalise(code: str) -> str:
    """What the user typed, without spaces or dashes, lower-case (recovery codes are shown so)."""
    return "".join(ch for ch in (code or "") if ch not in " -\t\r\n").lower()[:32]


@dataclass(frozen=True)
class Outcome:
    device: object | None  # the device that accepted the code
    wait: int = 0  # seconds to wait before the next try (django-otp's back-off), when refused for that


def verify(user, code: str) -> Outcome:
    """Check a 6-digit code from the app, or a recovery code (which is then used up)."""
    code = normalise(code)
    if not code:
        return Outcome(None)
    if code.isdigit():
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    wait = 0
    for device in devices:
        with transaction.atomic():
            device = type(device).objects.select_for_update().get(pk=device.pk)
            allowed, info = device.verify_is_allowed()
            if not allowed:
                until = (info or {}).get("locked_until")
                if until is not None:
                    wait = max(wait, int((until - timezone.now()).total_seconds()) + 1)
                continue
            if device.verify_token(code):
                return Outcome(device)
    return Outcome(None, wait=wait)


# --- The security administrator's reset ---------------------------------------------------------------


def reset(user, *, by=None) -> int:
    """Remove the user's second factor (their phone is lost or replaced): every device and
    recovery code. They bind a new one at their next login if their role requires it. `by` is the
    security administrator (or a superuser) doing it; None from the command line. Returns the
    number of devices removed; each is written to the change log."""
    if by is not None and not (is_security_admin(by) or by.is_superuser):
        raise PermissionDenied("只有安全管理员可以重置用户的二次验证")
    ctx = changelog.current()
    with (
        changelog.change_context(
            user=by if by is not None else ctx.user,
            source=ctx.source if ctx.source != "system" else "cli",
            reason=ctx.reason or f"重置 {user.get_username()} 的二次验证",
        ),
        transaction.atomic(),
    ):
        return _delete(TOTPDevice.objects.filter(user=user)) + _delete(StaticDevice.objects.filter(user=user))


# --- Demo ---------------------------------------------------------------------------------------------


def demo_key(username: str) -> str:
    """The demo's TOTP key for a login, in hex: derived from the user name, so anyone can compute
    it. For demo data only."""
    return hmac.new(b"zhaoshang-demo-2fa", username.encode(), hashlib.sha1).hexdigest()


def ensure_demo_device(user) -> TOTPDevice:
    """A confirmed TOTP device with the demo key (`demo_key`), unless the user already has one."""
    device = totp_device(user)
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=DEMO_NAME, key=demo_key(user.get_username()), confirmed=True
        )
        _log(device, "create", None, _snapshot(device))
    return device


def demo_device(user) -> TOTPDevice | None:
    """The user's device if demo data made it (its name and its key both say so)."""
    device = totp_device(user)
    if device is not None and device.name == DEMO_NAME and device.key == demo_key(user.get_username()):
        return device
    return None


def current_step(device: TOTPDevice) -> int:
    """The time step the device's codes are at now (its clock drift included)."""
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()


def code_at(device: TOTPDevice, t: int | None = None) -> str:
    """The code `device` shows at time step `t` (now when None)."""
    t = current_step(device) if t is None else t
    return f"{hotp(device.bin_key, t, digits=device.digits):0{device.digits}d}"
