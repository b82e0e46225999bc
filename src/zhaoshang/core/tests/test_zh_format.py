"""Numbers, amounts, rates, periods, dates and clauses as a Chinese office writes them (issue 11
point 4): the functions of core/zhformat.py, the filters of templatetags/zh_format.py, and the
period picker (core/period_widget.py) that posts the token the models store."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template

from zhaoshang.core import zhformat as zh
from zhaoshang.core.period_widget import PeriodWidget


def render(text: str, **ctx) -> str:
    return Template("{% load zh_format %}" + text).render(Context(ctx))


# --- Money --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("243844.45"), "243,844.45 万元"),
        ("243844.45", "243,844.45 万元"),
        (Decimal("300"), "300 万元"),
        (Decimal("300.00"), "300 万元"),
        (Decimal("1.5"), "1.50 万元"),
        (Decimal("0.005"), "0.01 万元"),  # 四舍五入, not banker's rounding
        (Decimal("0.004"), "0 万元"),
        (0, "0 万元"),
        (Decimal("-1234.5"), "-1,234.50 万元"),
        (1e8, "100,000,000 万元"),
    ],
)
def test_wan(value, shown):
    assert zh.wan(value) == shown
    assert render("{{ v|wan }}", v=value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("243844.45"), "24.38 亿元"),
        (1e8, "10,000.00 亿元"),  # 1e8 万元 is ten thousand 亿元
        (Decimal("10000"), "1.00 亿元"),
        (Decimal("50"), "0.01 亿元"),  # 0.005 亿元, rounded half up
        (0, "0.00 亿元"),
        (Decimal("-25000"), "-2.50 亿元"),
    ],
)
def test_yi(value, shown):
    assert zh.yi(value) == shown
    assert render("{{ v|yi }}", v=value) == shown


def test_money_changes_to_yi_from_one_yi_up():
    assert zh.money(Decimal("9999.99")) == "9,999.99 万元"
    assert zh.money(Decimal("10000")) == "1 亿元"
    assert zh.money(1e8) == "10,000 亿元"
    assert zh.money(Decimal("-243844.45")) == "-24.38 亿元"
    assert render("{{ v|money }}", v=Decimal("243844.45")) == "24.38 亿元"


def test_amount_for_a_column_that_names_its_unit():
    assert zh.amount(Decimal("243844.45")) == "243,844.45"
    assert zh.amount(12) == "12"
    assert zh.amount(Decimal("0.005")) == "0.01"
    assert render("{{ v|amount }}", v=Decimal("1234567")) == "1,234,567"


@pytest.mark.parametrize("f", ["wan", "yi", "money", "amount", "percent", "period", "cn_date", "clause"])
def test_nothing_reads_as_a_dash_and_text_as_it_is(f):
    assert render(f"{{{{ v|{f} }}}}", v=None) == "—"
    assert render(f"{{{{ v|{f} }}}}", v="") == "—"
    assert render(f"{{{{ v|{f} }}}}", v="未填") == "未填"
    # Text is still escaped: a filter never lets markup through.
    assert render(f"{{{{ v|{f} }}}}", v="<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


def test_not_a_number_is_not_made_one():
    for bad in (True, "abc", float("nan"), Decimal("Infinity")):
        assert zh.dec(bad) is None
    assert zh.wan("abc") == "abc"


# --- Rates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0.5428"), "54.28%"),
        ("0.5428", "54.28%"),
        (1, "100%"),
        (0, "0%"),
        (Decimal("0.005"), "0.5%"),
        (Decimal("0.00005"), "0.01%"),  # half up
        (Decimal("-0.1"), "-10%"),
        (Decimal("15.58564"), "1,558.56%"),
    ],
)
def test_percent(value, shown):
    assert zh.percent(value) == shown
    assert render("{{ v|percent }}", v=value) == shown


# --- Periods, dates, clauses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "shown"),
    [
        ("2024", "2024年"),
        ("2024-06", "2024年6月"),
        ("2024-Q2", "2024年第二季度"),
        ("2024-H1", "2024年上半年"),
        ("2024-H2", "2024年下半年"),
        ("2023-W27", "2023年第27周"),
        ("2023-2025", "2023—2025年"),
        ("2024-01-01..2024-06-30", "2024年1月1日至2024年6月30日"),
        ("2023-100days", "2023-100days"),  # a key it does not know stays (the policy names it)
    ],
)
def test_period(token, shown):
    assert zh.period(token) == shown
    assert render("{{ v|period }}", v=token) == shown


def test_dates_as_a_document_writes_them():
    assert zh.cn_date(date(2024, 6, 5)) == "2024年6月5日"
    assert zh.cn_date("2024-12-31") == "2024年12月31日"
    # An aware time reads in local time (Asia/Shanghai): 2024-06-04 17:00 UTC is 6月5日 there.
    assert zh.cn_date(datetime(2024, 6, 4, 17, 0, tzinfo=UTC)) == "2024年6月5日"
    assert render("{{ v|cn_date }}", v=date(2024, 1, 9)) == "2024年1月9日"


@pytest.mark.parametrize(
    ("ref", "shown"),
    [
        ("§三(二)", "第三条（二）"),
        ("§三(三)", "第三条（三）"),
        ("附件3 §五", "附件3 第五条"),
        ("§二(三)5", "第二条（三）5"),
        ("§五(一)3(2)", "第五条（一）3（2）"),
        ("§二；§四(一)", "第二条；第四条（一）"),
        ("附件1", "附件1"),
    ],
)
def test_clause(ref, shown):
    assert zh.clause(ref) == shown


def test_sums_in_a_sentence_get_separators_and_nothing_else_changes():
    text = "2024年实际进资完成34334.03万元，任务40000万元，完成率85.84%；奖励1000000元，共56名"
    assert zh.amounts_in_text(text) == (
        "2024年实际进资完成34,334.03万元，任务40,000万元，完成率85.84%；奖励1,000,000元，共56名"
    )
    assert zh.amounts_in_text(None) == ""


# --- The period picker --------------------------------------------------------------------------


class PeriodForm(forms.Form):
    period = forms.CharField(widget=PeriodWidget(years=[2025, 2024, 2023]))


class NamedPeriodForm(forms.Form):
    period = forms.CharField(
        widget=PeriodWidget(years=[2023], named=[("某政策", [("2023-100days", "百日攻坚（2023年6-8月）")])])
    )


@pytest.mark.parametrize(
    ("year", "part", "token"),
    [
        ("2024", "", "2024"),
        ("2024", "H1", "2024-H1"),
        ("2024", "Q2", "2024-Q2"),
        ("2024", "06", "2024-06"),
        ("2023", "12", "2023-12"),
    ],
)
def test_the_picker_posts_the_token_and_shows_it_again(year, part, token):
    form = PeriodForm({"period_0": year, "period_1": part})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["period"] == token
    # Shown again (an edit page, a form sent back with an error): the same year and part chosen.
    html = str(PeriodForm(initial={"period": token})["period"])
    assert f'<option value="{year}" selected>{year}年</option>' in html
    part_label = dict([("", "全年"), ("H1", "上半年"), ("Q2", "第二季度"), ("06", "6月"), ("12", "12月")])[
        part
    ]
    assert f'<option value="{part}" selected>{part_label}</option>' in html


def test_the_picker_reads_a_period_posted_whole_as_before():
    form = PeriodForm({"period": "2024-06"})
    assert form.is_valid() and form.cleaned_data["period"] == "2024-06"


def test_no_year_is_no_period():
    form = PeriodForm({"period_0": "", "period_1": "06"})
    assert not form.is_valid() and "period" in form.errors


def test_a_year_outside_the_list_is_still_shown_and_a_week_kept():
    html = str(PeriodForm(initial={"period": "2019-Q3"})["period"])
    assert '<option value="2019" selected>2019年</option>' in html
    html = str(PeriodForm(initial={"period": "2023-W27"})["period"])
    assert '<option value="2023-W27" selected>2023年第27周</option>' in html
    form = PeriodForm({"period_0": "", "period_1": "", "period_2": "2023-W27"})
    assert form.is_valid() and form.cleaned_data["period"] == "2023-W27"


def test_a_policy_period_by_name_wins_over_year_and_part():
    form = NamedPeriodForm({"period_0": "2023", "period_1": "06", "period_2": "2023-100days"})
    assert form.is_valid() and form.cleaned_data["period"] == "2023-100days"
    html = str(NamedPeriodForm(initial={"period": "2023-100days"})["period"])
    assert '<option value="2023-100days" selected>百日攻坚（2023年6-8月）</option>' in html
    assert 'aria-label="年度"' in html and 'class="period-picker"' in html
