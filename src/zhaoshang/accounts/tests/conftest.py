"""A small world for the account tests: one county, one unit, and clerks made on demand with a
password that meets the policy."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from .support import PASSWORD


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """The rules do not depend on the hasher, and these tests hash passwords hundreds of times:
    new hashes are MD5 here (Django's PBKDF2 costs about a third of a second each on an idle
    core); the demo users' PBKDF2 hashes still verify."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *global_settings.PASSWORD_HASHERS,
    ]


@pytest.fixture
def world(db):
    from zhaoshang.org.models import Jurisdiction, Membership, Unit

    county = Jurisdiction.objects.create(code="960101", name="青山县", level=Jurisdiction.Level.COUNTY)
    unit = Unit.objects.create(jurisdiction=county, name="青山县商务局", kind="department")

    class World:
        def clerk(self, username="qs-clerk", password=PASSWORD):
            user = get_user_model().objects.create_user(username, password=password)
            Membership.objects.create(user=user, role="unit_clerk", jurisdiction=county, unit=unit)
            return user

    w = World()
    w.county, w.unit = county, unit
    return w
