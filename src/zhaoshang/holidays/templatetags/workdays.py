from django import template
from django.utils.html import format_html

from zhaoshang.holidays import calendar

register = template.Library()


@register.filter
def workday_note(value):
    """Beside a computed deadline: a Chinese note when its year is not in the holiday calendar."""
    note = calendar.uncovered_note(value)
    return (
        format_html('<small class="badge warn" title="{}">节假日未录入，按周一至周五推算</small>', note)
        if note
        else ""
    )
