from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhaoshang.core.changelog import change_context


class Command(BaseCommand):
    help = "发送信息报送提醒（截止前提醒、逾期提醒）并重试失败的发送；可反复运行，同一提醒只发送一次"

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", dest="on", metavar="YYYY-MM-DD", help="按此日期计算截止与逾期（默认今天）"
        )

    def handle(self, *args, on: str | None = None, **opts):
        from zhaoshang.notify.services import send_reminders

        today = _parse(on) if on else timezone.localdate()
        from zhaoshang.supervision.duties_remind import send_duty_reminders

        with change_context(source="cli", reason="发送报送提醒"):
            result = send_reminders(today)
            duties = send_duty_reminders(today)
        self.stdout.write(result.summary(today))
        self.stdout.write(duties.summary(today))


def _parse(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期“{text}”格式不正确，应为 YYYY-MM-DD") from None
