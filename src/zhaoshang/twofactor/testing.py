"""Test helpers for the second factor.

`Client.force_login(user)` stands, in the tests, for a login that is finished: both factors. The
root conftest.py installs `force_login_with_second_factor`, which gives a user who must use a
second factor their confirmed TOTP device in the session (as `django_otp.login` does), making
one named 测试设备 first if they have none. Pass
`second_factor=False` for a login that has given its password only.

`next_code(user)` is a code the user's device shows that the server will still accept (django-otp
refuses a time step already used, so a second login in the same 30 seconds takes the next one).
"""

from __future__ import annotations

import contextlib
import functools
import time

from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY

TEST_DEVICE_NAME = "测试设备"


def device_for_login(user):
    """The device a finished login of `user` has used, None when they owe no second factor."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from . import services

    fresh = get_user_model().objects.get(pk=user.pk)  # nothing cached on the test's object
    if not services.must_verify(fresh):
        return None
    device = services.totp_device(fresh)
    if device is None:
        device = TOTPDevice.objects.create(user=fresh, name=TEST_DEVICE_NAME, confirmed=True)
    return device


@contextlib.contextmanager
def force_login_with_second_factor():
    original = ClientMixin.force_login

    @functools.wraps(original)
    def force_login(self, user, backend=None, *, second_factor=True):
        original(self, user, backend)
        device = device_for_login(user) if second_factor else None
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # what django_otp.login writes
            session.save()

    ClientMixin.force_login = force_login
    try:
        yield
    finally:
        ClientMixin.force_login = original


def next_code(user) -> str:
    """A code of the user's TOTP device the server will accept now: the current step's, or the
    next step's when the current one was used already (allowed by django-otp's tolerance of one
    step); waits for the clock when even that one was used."""
    from . import services

    device = services.totp_device(user)
    if device is None:
        raise LookupError(f"{user.get_username()} 没有已绑定的身份验证器")
    while True:
        device.refresh_from_db()
        now = services.current_step(device)
        t = max(now, device.last_t + 1)
        if t <= now + device.tolerance:
            return services.code_at(device, t)
        time.sleep(1)


VERIFY_PATH = "/account/2fa/verify/"


def pass_second_factor(page, username: str) -> None:
    """In a browser test (Playwright), after the password: type the code on the 动态口令 page when
    the login was sent there; nothing for a login that owes no second factor."""
    from django.contrib.auth import get_user_model

    if VERIFY_PATH not in page.url:
        return
    page.fill("input[name=code]", next_code(get_user_model().objects.get(username=username)))
    page.get_by_role("button", name="验证", exact=True).click()
    page.wait_for_url(lambda url: "/account/2fa/" not in url)
