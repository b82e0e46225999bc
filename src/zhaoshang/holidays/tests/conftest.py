"""A small world for the calendar: a city whose office keeps the calendar, a county below it with
its own office (which may not), and a unit clerk of the county."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture(autouse=True)
def _forget_calendar():
    # The table is cached per process: a rolled-back test must not answer for the next.
    from zhaoshang.holidays import calendar

    calendar.forget()
    yield
    calendar.forget()


@pytest.fixture
def world(db):
    from zhaoshang.org.models import Jurisdiction, Membership, Unit

    city = Jurisdiction.objects.create(code="970100", name="青川市", level=Jurisdiction.Level.CITY)
    county = Jurisdiction.objects.create(
        code="970101", name="青山县", level=Jurisdiction.Level.COUNTY, parent=city
    )
    unit = Unit.objects.create(jurisdiction=county, name="青山县商务局", kind="department")
    User = get_user_model()

    def member(username, role, jurisdiction, unit=None):
        user = User.objects.create_user(username, password="x")
        Membership.objects.create(user=user, role=role, jurisdiction=jurisdiction, unit=unit)
        return user

    class World:
        pass

    w = World()
    w.city, w.county, w.unit = city, county, unit
    w.city_office = member("qc-office", "office", city)
    w.county_office = member("qs-office", "office", county)
    w.clerk = member("qs-clerk", "unit_clerk", county, unit)
    return w
