"""/org/calendar/: the office's screen, the Excel import and export, the command, and the notes
where deadlines show."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from zhaoshang.core.models import ObjectChange
from zhaoshang.core.permissions import may_edit_calendar
from zhaoshang.holidays import calendar, services
from zhaoshang.holidays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def _xlsx(rows, headers=("日期", "类型", "名称")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(data: bytes, name="2027.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_who_may_edit_the_national_calendar(world):
    assert may_edit_calendar(world.city_office)  # no office above the city's
    assert not may_edit_calendar(world.county_office)  # the city's office oversees the county
    assert not may_edit_calendar(world.clerk)


def test_everyone_with_a_role_reads_the_year_only_the_top_office_edits(client, world):
    url = reverse("holidays:year", args=[2027])
    client.force_login(world.clerk)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "法定节假日（未含调休）" in text and "2月" in text and "增加日期" not in text
    assert client.post(reverse("holidays:day_add", args=[2027]), {}).status_code == 403
    client.force_login(world.county_office)
    assert client.get(reverse("holidays:day_add", args=[2027])).status_code == 403
    client.force_login(world.city_office)
    text = client.get(url).content.decode()
    assert "增加日期" in text and "导入Excel" in text and "?date=2027-02-20" in text


def test_the_office_adds_a_working_saturday_logged_under_its_name(client, world):
    client.force_login(world.city_office)
    data = {"date": "2027-02-20", "kind": "workday", "name": "春节", "source": "国办发明电〔2026〕号"}
    answer = client.post(reverse("holidays:day_add", args=[2027]), data)
    assert answer.status_code == 302
    day = CalendarDay.objects.get(date=date(2027, 2, 20))
    assert day.entered_by == world.city_office and day.year.year == 2027
    assert calendar.is_workday(date(2027, 2, 20))
    entry = ObjectChange.objects.get(content_type__model="calendarday", object_id=str(day.pk))
    assert entry.user == world.city_office and entry.source == "ui"
    # A weekday is no 调休上班; the form comes back naming the field, nothing saved.
    bad = client.post(reverse("holidays:day_add", args=[2027]), {**data, "date": "2027-03-03"})
    assert bad.status_code == 400
    assert "类型：2027-03-03是星期三，本来就上班" in bad.content.decode()
    assert not CalendarDay.objects.filter(date=date(2027, 3, 3)).exists()
    # Removing it.
    assert client.post(reverse("holidays:day_delete", args=[day.pk]), {"confirm": "1"}).status_code == 302
    assert not calendar.is_workday(date(2027, 2, 20))


def test_the_office_marks_the_year_official(client, world):
    client.force_login(world.city_office)
    url = reverse("holidays:year_update", args=[2027])
    assert (
        client.post(
            url, {"status": "official", "source": "国务院办公厅关于2027年部分节假日安排的通知"}
        ).status_code
        == 302
    )
    assert CalendarYear.objects.get(year=2027).status == "official"
    assert calendar.warnings(date(2026, 12, 5)) == []


def test_an_uncovered_year_is_started_with_its_statutory_holidays(client, world):
    client.force_login(world.city_office)
    page = client.get(reverse("holidays:year", args=[2029])).content.decode()
    assert "2029年的节假日尚未录入" in page and "生成2029年法定节假日" in page
    assert client.post(reverse("holidays:year_statutory", args=[2029])).status_code == 302
    assert CalendarYear.objects.get(year=2029).status == "statutory"
    assert CalendarDay.objects.filter(date__year=2029).count() == 13
    assert not calendar.is_workday(date(2029, 1, 1))


def test_import_refuses_the_whole_file_naming_rows_and_columns(client, world):
    client.force_login(world.city_office)
    before = CalendarDay.objects.filter(date__year=2027).count()
    data = _xlsx(
        [
            (date(2027, 2, 5), "放假", "春节"),
            ("2027-02-31", "放假", "春节"),
            (date(2027, 2, 20), "加班", "春节"),
            (date(2027, 3, 3), "调休上班", "春节"),
            (date(2027, 2, 5), "放假", "春节"),
            (date(2027, 2, 6), "放假", ""),
        ]
    )
    answer = client.post(reverse("holidays:import", args=[2027]), {"file": _upload(data)})
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "第3行【日期】“2027-02-31”不是日期" in text
    assert "第4行【类型】“加班”无法识别" in text
    assert "第5行【类型】2027-03-03是星期三" in text
    assert "第6行【日期】2027-02-05与第2行重复" in text
    assert "第7行【名称】请填写名称" in text
    assert CalendarDay.objects.filter(date__year=2027).count() == before


def test_import_replaces_the_year_and_export_reads_back_unchanged(client, world):
    client.force_login(world.city_office)
    notice = [
        (d, "放假", n) for d, n in CalendarDay.objects.filter(date__year=2027).values_list("date", "name")
    ]
    notice = [r for r in notice if r[0] != date(2027, 4, 5)] + [
        ("2027/2/20", "调休上班", "春节"),
        ("2027年2月9日", "放假", "春节"),
    ]
    answer = client.post(
        reverse("holidays:import", args=[2027]),
        {
            "file": _upload(_xlsx(notice)),
            "official": "on",
            "source": "国务院办公厅关于2027年部分节假日安排的通知",
        },
    )
    assert answer.status_code == 302
    assert not CalendarDay.objects.filter(date=date(2027, 4, 5)).exists()
    assert calendar.is_workday(date(2027, 2, 20)) and not calendar.is_workday(date(2027, 2, 9))
    year = CalendarYear.objects.get(year=2027)
    assert year.status == "official" and year.source.startswith("国务院办公厅")
    assert ObjectChange.objects.filter(content_type__model="calendarday", action="delete").count() == 1
    exported = client.get(reverse("holidays:export", args=[2027]))
    assert exported.status_code == 200
    again = services.import_workbook(exported.content)
    assert (again.created, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 14)


def test_a_file_that_is_no_workbook_is_refused_in_chinese(client, world):
    client.force_login(world.city_office)
    answer = client.post(reverse("holidays:import", args=[2027]), {"file": _upload(b"not a workbook")})
    assert answer.status_code == 400 and "无法读取该文件" in answer.content.decode()
    headless = _xlsx([(date(2027, 2, 5), "放假", "春节")], headers=("日子", "类别", "名字"))
    answer = client.post(reverse("holidays:import", args=[2027]), {"file": _upload(headless)})
    assert "找不到表头" in answer.content.decode()


def test_the_command_shows_imports_and_refuses(tmp_path, world, capsys):
    call_command("calendar", "show", "2027")
    out = capsys.readouterr().out
    assert "2027年：法定节假日（未含调休）" in out and "2027-02-05\t星期五\t放假\t春节" in out
    with pytest.raises(CommandError, match="2031年的节假日尚未录入"):
        call_command("calendar", "show", "2031")
    path = tmp_path / "2031.xlsx"
    path.write_bytes(_xlsx([(date(2031, 1, 1), "放假", "元旦"), (date(2031, 1, 4), "加班", "元旦")]))
    with pytest.raises(CommandError, match="1处错误"):
        call_command("calendar", "import", str(path))
    assert "第3行【类型】“加班”无法识别" in capsys.readouterr().err
    assert not CalendarYear.objects.filter(year=2031).exists()
    path.write_bytes(_xlsx([(date(2031, 1, 1), "放假", "元旦")]))
    call_command("calendar", "import", str(path), "--official")
    assert CalendarYear.objects.get(year=2031).status == "official"
    entry = ObjectChange.objects.get(content_type__model="calendarday", action="create")
    assert entry.source == "cli"


def test_the_office_home_page_warns_and_a_deadline_in_an_uncovered_year_says_so(client, world, monkeypatch):
    from zhaoshang.fieldwork.models import Report

    monkeypatch.setattr(calendar, "date", _FixedDate)  # "today" is 2026-12-03
    report = Report.objects.create(
        jurisdiction=world.county,
        calendar_key="monthly",
        name="月度报送",
        unit=world.unit,
        covers_start=date(2028, 12, 1),
        covers_end=date(2028, 12, 31),
        due_on=date(2029, 1, 5),
    )
    client.force_login(world.county_office)
    text = client.get(reverse("home")).content.decode()
    assert "2027年仅录入了法定节假日（未含调休）" in text
    # The home page lists this week's and overdue reports only (core/worklist.py); the 2029
    # deadline carries its note wherever it is shown.
    assert "月度报送" not in text
    note = "2029-01-05（2029年节假日未录入，按周一至周五推算）"
    assert note in client.get(reverse("fieldwork:report_list")).content.decode()
    assert note in client.get(reverse("fieldwork:report_detail", args=[report.pk])).content.decode()
    client.force_login(world.clerk)
    text = client.get(reverse("home")).content.decode()
    assert "2027年仅录入了法定节假日" not in text  # the warning is the office's
    assert note in client.get(reverse("fieldwork:report_detail", args=[report.pk])).content.decode()


class _FixedDate(date):
    @classmethod
    def today(cls):
        return date(2026, 12, 3)


def test_a_year_out_of_range_is_a_404_not_a_500(client, world):
    client.force_login(world.city_office)
    for name in ("year", "export", "import", "day_add"):
        assert client.get(reverse(f"holidays:{name}", args=[99999999999])).status_code == 404
    assert client.post(reverse("holidays:year_statutory", args=[1999])).status_code == 404
    assert client.get(reverse("holidays:day_add", args=[2027]) + "?date=2027-13-45").status_code == 200
