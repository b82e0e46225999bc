"""`zhaoshang worker [--once]`: builds queued bulletins (set ZHAOSHANG_WORKER=1 for the web
server to queue them instead of building them in the request)."""

import time

from django.core.management.base import BaseCommand

from zhaoshang.bulletins import services
from zhaoshang.core.changelog import change_context


class Command(BaseCommand):
    help = "后台任务进程：生成排队中的战报简报"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="处理完当前排队的任务即退出")
        parser.add_argument("--interval", type=float, default=2.0, help="无任务时的轮询间隔（秒）")

    def handle(self, *args, once, interval, **options):
        with change_context(source="system"):
            while True:
                done = services.run_queued()
                if done:
                    self.stderr.write(f"已生成 {done} 份")
                if once:
                    return
                time.sleep(interval)
