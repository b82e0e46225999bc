"""The holiday calendar: one source for every working-day computation (holidays/calendar.py)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.test import override_settings

from zhaoshang.core.changelog import change_context
from zhaoshang.core.models import ObjectChange
from zhaoshang.fieldwork.services import is_working_day
from zhaoshang.holidays import calendar, services
from zhaoshang.holidays.models import CalendarDay, CalendarYear
from zhaoshang.holidays.statutory import statutory_holidays

pytestmark = pytest.mark.django_db


def test_seeded_years_answer_as_chinesecalendar_did_for_every_day_2004_2026():
    d, differ = date(2004, 1, 1), []
    while d <= date(2026, 12, 31):
        if calendar.is_workday(d) != chinese_calendar.is_workday(d):
            differ.append(d)
        d += timedelta(days=1)
    assert differ == []
    assert set(CalendarYear.objects.filter(year__lte=2026).values_list("year", flat=True)) == set(
        range(2004, 2027)
    )
    assert CalendarDay.objects.get(date=date(2026, 2, 14)).get_kind_display() == "调休上班"
    assert CalendarDay.objects.get(date=date(2026, 10, 7)).name == "国庆节"


def test_2027_ships_its_statutory_holidays_only_marked_so():
    y = CalendarYear.objects.get(year=2027)
    assert y.status == CalendarYear.Status.STATUTORY and "未含调休" in y.get_status_display()
    shipped = list(CalendarDay.objects.filter(year=y).order_by("date").values_list("date", "name"))
    assert shipped == statutory_holidays(2027)
    assert shipped[:5] == [
        (date(2027, 1, 1), "元旦"),
        (date(2027, 2, 5), "春节"),  # 除夕
        (date(2027, 2, 6), "春节"),  # 正月初一
        (date(2027, 2, 7), "春节"),
        (date(2027, 2, 8), "春节"),
    ]
    assert (date(2027, 4, 5), "清明节") in shipped
    assert (date(2027, 6, 9), "端午节") in shipped and (date(2027, 9, 15), "中秋节") in shipped
    assert not CalendarDay.objects.filter(year=y, kind=CalendarDay.Kind.WORKDAY).exists()  # no 调休 invented
    assert not calendar.is_workday(date(2027, 2, 8)) and calendar.is_workday(date(2027, 2, 9))


def test_statutory_holidays_of_a_year_where_mid_autumn_falls_in_national_day():
    days = dict(statutory_holidays(2028))
    assert days[date(2028, 10, 3)] == "中秋节、国庆节"
    assert len(days) == 12
    # The rule agrees with the notices for the years since the 2024 amendment.
    for year in (2025, 2026):
        assert all(d in chinese_calendar.holidays for d, _ in statutory_holidays(year))


def test_an_uncovered_year_is_monday_to_friday_but_flagged():
    assert not calendar.is_covered(date(2029, 1, 1))
    assert calendar.is_workday(date(2029, 1, 1))  # a Monday; 元旦 unknown to the table
    assert not calendar.is_workday(date(2029, 1, 6))  # a Saturday
    assert "2029年节假日未录入" in calendar.uncovered_note(date(2029, 1, 1))
    assert calendar.uncovered_note(date(2027, 1, 4)) == ""
    assert is_working_day(date(2029, 1, 1))  # fieldwork's deadlines ask the same service


def test_add_workdays_and_covered_until():
    assert calendar.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_workdays(date(2026, 10, 9), 1) == date(2026, 10, 10)  # a Saturday worked
    assert calendar.add_workdays(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert calendar.add_workdays(date(2026, 10, 3), 0) == date(2026, 10, 8)
    assert calendar.covered_until(date(2026, 12, 3)) == date(2027, 12, 31)
    assert calendar.covered_until(date(2030, 1, 1)) is None


def test_calendar_health_says_whether_the_next_90_days_are_covered():
    ok, reason = calendar.calendar_health(date(2027, 11, 1))
    assert not ok and "2028年" in reason
    ok, reason = calendar.calendar_health(date(2026, 12, 3))
    assert ok and "2027年仅含法定节假日" in reason
    with change_context(source="system"):
        services.fill_statutory(2028)
    assert calendar.calendar_health(date(2027, 11, 1))[0]


def test_warnings_from_the_warn_month():
    assert calendar.warnings(date(2026, 11, 30)) == []
    [w] = calendar.warnings(date(2026, 12, 1))
    assert "2027年仅录入了法定节假日" in w
    with override_settings(ZHAOSHANG_CALENDAR_WARN_MONTH=11):
        assert calendar.warnings(date(2026, 11, 30))
    this, nxt = calendar.warnings(date(2027, 12, 1))
    assert "2027年仅录入了法定节假日" in this and "2028年的节假日尚未录入" in nxt
    [w] = calendar.warnings(date(2030, 3, 1))
    assert "2030年的节假日尚未录入" in w


def test_a_write_is_logged_and_read_at_once():
    assert date(2027, 2, 20).weekday() == 5
    assert not calendar.is_workday(date(2027, 2, 20))
    with change_context(source="cli"):
        day = services.day_save(on=date(2027, 2, 20), kind="workday", name="春节")
    assert calendar.is_workday(date(2027, 2, 20))
    entry = ObjectChange.objects.get(content_type__model="calendarday", object_id=str(day.pk))
    assert entry.action == "create" and entry.source == "cli" and entry.after["kind"] == "workday"
    pk = day.pk
    with change_context(source="cli"):
        services.day_delete(day)
    assert not calendar.is_workday(date(2027, 2, 20))
    assert ObjectChange.objects.filter(
        content_type__model="calendarday", object_id=str(pk), action="delete"
    ).exists()


def test_the_model_refuses_a_weekday_as_an_adjusted_working_day():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.day_save(on=date(2027, 3, 3), kind="workday", name="春节")
    assert "星期三，本来就上班" in str(exc.value.message_dict["kind"])
    with pytest.raises(ValidationError) as exc:
        services.day_save(on=date(2027, 2, 5), kind="holiday", name="春节")
    assert "已录入为春节" in exc.value.message_dict["date"][0]
    assert not CalendarDay.objects.filter(date=date(2027, 3, 3)).exists()
