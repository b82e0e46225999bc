"""Cell readers and the formula-injection escape, without a database."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from zhaoshang.exchange.layouts import (
    CellError,
    escape_text,
    parse_date,
    parse_decimal,
    parse_month,
    parse_stage,
    parse_tags,
    parse_text,
    parse_uscc,
    unescape_text,
)

from .helpers import code


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx", "'quoted", "''", "'=x", "plain", "", "'", "中文=1"],
)
def test_escape_round_trip_is_exact(text):
    escaped = escape_text(text)
    assert unescape_text(escaped) == text
    assert not escaped or escaped[0] not in "=+-@\t\r"


def test_decimal_reader():
    assert parse_decimal(1234.5) == Decimal("1234.50")
    assert parse_decimal("1,234.567") == Decimal("1234.57")
    assert parse_decimal(0.1 + 0.2) == Decimal("0.30")
    assert parse_decimal("") is None
    with pytest.raises(CellError, match="应为数字，实为“十万”"):
        parse_decimal("十万")
    with pytest.raises(CellError, match="不能为负数"):
        parse_decimal(-1)


def test_date_and_month_readers():
    assert parse_date(datetime(2024, 3, 1, 0, 0)) == date(2024, 3, 1)
    assert parse_date("2024/3/5") == date(2024, 3, 5)
    assert parse_date("2024年3月5日") == date(2024, 3, 5)
    assert parse_date(45352) == date(2024, 3, 1)  # Excel serial
    with pytest.raises(CellError, match="不是有效的日期"):
        parse_date("2024-02-30")
    with pytest.raises(CellError, match="应为日期"):
        parse_date("下个月")
    assert parse_month("2024-03") == date(2024, 3, 1)
    assert parse_month("2024年3月") == date(2024, 3, 1)
    assert parse_month(date(2024, 3, 17)) == date(2024, 3, 1)
    with pytest.raises(CellError, match="应为月份"):
        parse_month("2024-13")
    # The years every path accepts (core/validators.py): a typo such as 0024 or 9999 is named.
    with pytest.raises(CellError, match="日期应在 2000-01-01 至 2100-12-31 之间（填写的是 0024-03-05）"):
        parse_date("0024-03-05")
    with pytest.raises(CellError, match="填写的是 9999-12-31"):
        parse_date("9999/12/31")
    with pytest.raises(CellError, match="填写的是 1960-01-01"):
        parse_date(21916)  # an Excel serial of 1960
    with pytest.raises(CellError, match="填写的是 1999-12-01"):
        parse_month("1999-12")
    assert parse_date("2100-12-31") == date(2100, 12, 31) and parse_date("2000-01-01") == date(2000, 1, 1)


def test_stage_tags_uscc_and_text_readers():
    assert parse_stage("正式签约") == ("signed", "formal")
    assert parse_stage("开工仪式") == ("started", "ceremony")
    assert parse_stage("在谈") == ("negotiating", "")
    with pytest.raises(CellError, match="应为：线索"):
        parse_stage("谈判中")
    assert parse_tags("专精特新、上市公司，专精特新") == ["专精特新", "上市公司"]
    with pytest.raises(CellError, match="未知的企业类别“小巨人”"):
        parse_tags("小巨人")
    good = code("T0000001")
    assert parse_uscc(good.lower()) == good
    with pytest.raises(CellError, match="应为18位"):
        parse_uscc(good[:-1])
    assert parse_text("  '=x\u3000") == "=x"
    assert parse_text(12345.0) == "12345"
    with pytest.raises(CellError, match="长度不能超过3个字"):
        parse_text("四个字啊", max_length=3)


def test_stage_table_agrees_with_the_ledger_service():
    from zhaoshang.ledger.models import Project
    from zhaoshang.ledger.services import stage_by_label

    texts = [
        *Project.Stage.labels,
        *Project.Stage.values,
        *Project.SigningKind.labels,
        *Project.StartKind.labels,
    ]
    for text in texts:
        assert parse_stage(text)[0] == stage_by_label(text), text


def test_count_yuan_and_activity_kind_readers():
    from zhaoshang.exchange.layouts import ACTIVITIES, parse_count, parse_yuan

    assert parse_count(3) == parse_count(3.0) == parse_count("3天") == 3 and parse_count("") is None
    for bad, message in ((2.5, "应为整数"), ("三天", "应为整数"), (True, "应为整数"), (0, "应为1到")):
        with pytest.raises(CellError, match=message):
            parse_count(bad, minimum=1)
    assert parse_yuan("3,200元") == Decimal("3200.00") and parse_yuan(99.999) == Decimal("100.00")
    with pytest.raises(CellError, match="应为数字，实为“0.5万”"):
        parse_yuan("0.5万")
    kind = ACTIVITIES.column("类型").parse
    assert (kind("外出招商"), kind("信息报送"), kind("visit"), kind("")) == (
        "outbound_trip",
        "lead",
        "visit",
        "",
    )
    region = ACTIVITIES.column("区域").parse
    assert region("长三角") == "yangtze_delta"
