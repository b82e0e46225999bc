"""Template filters for numbers, amounts, rates, periods and dates as a Chinese office writes them
(core/zhformat.py does the work). `{% load zh_format %}`, then:

    {{ x.amount_wan|wan }}      243,844.45 万元
    {{ total_wan|yi }}          24.38 亿元
    {{ total_wan|money }}       亿元 from 1亿 up, else 万元
    {{ value|amount }}          243,844.45 (the header names the unit)
    {{ rate|percent }}          54.28%
    {{ run.period|period }}     2024年6月 / 2024年第二季度 / 2024年上半年 / 2024年
    {{ run.as_of|cn_date }}     2024年6月5日
    {{ rule.clause|clause }}    第三条（二）

Nothing (None, "") reads as —; text that is not a number reads as it is.
"""

from django import template

from zhaoshang.core import zhformat

register = template.Library()


def _filter(fn):
    def apply(value):
        if value is None or value == "":
            return zhformat.EMPTY
        return fn(value)

    apply.__name__ = fn.__name__
    apply.__doc__ = fn.__doc__
    return register.filter(fn.__name__, apply, is_safe=True)


wan = _filter(zhformat.wan)
yi = _filter(zhformat.yi)
money = _filter(zhformat.money)
amount = _filter(zhformat.amount)
percent = _filter(zhformat.percent)
period = _filter(zhformat.period)
cn_date = _filter(zhformat.cn_date)
clause = _filter(zhformat.clause)
