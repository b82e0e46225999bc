"""Helpers of the account tests: a password that meets the policy, logging in from an address,
and a clock that django-axes and the accounts code both read (time is moved, never slept)."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from unittest import mock

from django.urls import reverse

PASSWORD = "Qingshan#2026"


@contextlib.contextmanager
def clock(at: datetime):
    """Every clock the accounts code and django-axes read says `at`; `advance(minutes=…)` moves it."""
    now = {"value": at}

    def fake():
        return now["value"]

    def advance(**delta):
        now["value"] = now["value"] + timedelta(**delta)

    with (
        mock.patch("django.utils.timezone.now", fake),
        mock.patch("axes.handlers.proxy.now", fake),
        mock.patch("axes.attempts.now", fake),
    ):
        yield advance


def login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)
