from datetime import date

from zhaoshang.engine.calendar import deadlines
from zhaoshang.engine.schema import CalendarEntry


def entry(**kw):
    base = {"key": "k", "name": "n", "groups": ["g"], "recipient": "r", "content": "c", "clause": "§1"}
    return CalendarEntry.model_validate({**base, **kw})


def test_every_friday():
    due = deadlines(entry(frequency="weekly", weekday=5), date(2024, 1, 1), date(2024, 1, 31))
    assert [d.due for d in due] == [date(2024, 1, 5), date(2024, 1, 12), date(2024, 1, 19), date(2024, 1, 26)]
    assert due[0].covers_start == date(2024, 1, 1) and due[0].covers_end == date(2024, 1, 7)


def test_by_the_fifth_for_last_month():
    due = deadlines(
        entry(frequency="monthly", days=[5], covers="previous"), date(2024, 1, 1), date(2024, 3, 31)
    )
    assert [(d.covers_start, d.covers_end, d.due) for d in due] == [
        (date(2023, 12, 1), date(2023, 12, 31), date(2024, 1, 5)),
        (date(2024, 1, 1), date(2024, 1, 31), date(2024, 2, 5)),
        (date(2024, 2, 1), date(2024, 2, 29), date(2024, 3, 5)),
    ]


def test_fifteenth_and_thirtieth_clamp_to_month_end():
    due = deadlines(entry(frequency="semi_monthly", days=[15, 30]), date(2023, 2, 1), date(2023, 2, 28))
    assert [(d.covers_start, d.due) for d in due] == [
        (date(2023, 2, 1), date(2023, 2, 15)),
        (date(2023, 2, 16), date(2023, 2, 28)),
    ]


def test_non_working_day_choices():
    # 2024-10-05 is a Saturday.
    span = (date(2024, 10, 1), date(2024, 10, 31))
    keep = deadlines(entry(frequency="monthly", days=[5]), *span)
    nxt = deadlines(entry(frequency="monthly", days=[5], non_working_day="next_working_day"), *span)
    prev = deadlines(entry(frequency="monthly", days=[5], non_working_day="previous_working_day"), *span)
    assert keep[0].due == date(2024, 10, 5)
    assert nxt[0].due == date(2024, 10, 7)
    assert prev[0].due == date(2024, 10, 4)
    holidays = {date(2024, 10, d) for d in range(1, 8)}
    official = deadlines(
        entry(frequency="monthly", days=[5], non_working_day="next_working_day"),
        *span,
        is_working_day=lambda d: d not in holidays,
    )
    assert official[0].due == date(2024, 10, 8)


def test_quarterly_previous_quarter():
    due = deadlines(
        entry(frequency="quarterly", days=[10], covers="previous"), date(2024, 1, 1), date(2024, 12, 31)
    )
    assert [(d.covers_start, d.covers_end, d.due) for d in due] == [
        (date(2023, 10, 1), date(2023, 12, 31), date(2024, 1, 10)),
        (date(2024, 1, 1), date(2024, 3, 31), date(2024, 4, 10)),
        (date(2024, 4, 1), date(2024, 6, 30), date(2024, 7, 10)),
        (date(2024, 7, 1), date(2024, 9, 30), date(2024, 10, 10)),
    ]


def test_anytime_has_no_deadline():
    assert deadlines(entry(frequency="anytime"), date(2024, 1, 1), date(2024, 12, 31)) == []
