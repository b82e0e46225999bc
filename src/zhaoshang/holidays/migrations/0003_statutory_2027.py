"""2027: the statutory public holidays only (法定节假日，未含调休).

The State Council General Office's notice on 2027's holiday arrangements (国务院办公厅关于2027年
部分节假日安排的通知) was not available when this was written, so no 调休 is invented here: these
are the days 全国年节及纪念日放假办法 (2024年修订) fixes — 元旦 1 day, 春节 4 days (除夕、正月初一至初三),
清明 1 day, 劳动节 2 days, 端午 1 day, 中秋 1 day, 国庆 3 days — with the lunar dates and the 清明
solar term converted by `holidays/statutory.py` (borax), frozen here. The year is marked
`statutory`; the office enters the notice's 放假调休 days on /org/calendar/2027/ (or imports them)
and marks the year official. tests check these dates against `statutory_holidays(2027)`.
"""

from django.db import migrations

SOURCE = '全国年节及纪念日放假办法（2024年修订）第二条：法定节假日（未含调休）'

DAYS_2027 = [
    ('2027-01-01', '元旦'),
    ('2027-02-05', '春节'),
    ('2027-02-06', '春节'),
    ('2027-02-07', '春节'),
    ('2027-02-08', '春节'),
    ('2027-04-05', '清明节'),
    ('2027-05-01', '劳动节'),
    ('2027-05-02', '劳动节'),
    ('2027-06-09', '端午节'),
    ('2027-09-15', '中秋节'),
    ('2027-10-01', '国庆节'),
    ('2027-10-02', '国庆节'),
    ('2027-10-03', '国庆节'),
]


def seed(apps, schema_editor):
    CalendarYear = apps.get_model("holidays", "CalendarYear")
    CalendarDay = apps.get_model("holidays", "CalendarDay")
    year, created = CalendarYear.objects.get_or_create(
        year=2027, defaults={"status": "statutory", "source": SOURCE}
    )
    if not created:
        return  # the office got there first: keep what it entered
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, year=year, kind="holiday", name=n, source=SOURCE) for d, n in DAYS_2027],
        ignore_conflicts=True,
    )


def unseed(apps, schema_editor):
    apps.get_model("holidays", "CalendarYear").objects.filter(year=2027, status="statutory").delete()


class Migration(migrations.Migration):
    dependencies = [("holidays", "0002_seed_2004_2026")]

    operations = [migrations.RunPython(seed, unseed)]
