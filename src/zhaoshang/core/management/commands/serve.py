"""`zhaoshang serve`: the web server — gunicorn with a worker process per core (ops/server.py),
waitress where gunicorn cannot run. Static files are served by the program itself (WhiteNoise);
nothing is fetched from outside the intranet."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from zhaoshang.ops import server


class Command(BaseCommand):
    help = "启动网页服务（gunicorn，每个CPU核一个工作进程；收到 SIGTERM 时处理完进行中的请求再退出）"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=server.default_workers(),
            help="工作进程数（默认：环境变量 WEB_CONCURRENCY，或CPU核数）",
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("WEB_THREADS") or 4), help="每个进程的线程数"
        )
        parser.add_argument(
            "--timeout", type=int, default=120, help="单个请求最长处理时间（秒），超时重启该进程"
        )
        parser.add_argument(
            "--graceful-timeout", type=int, default=30, help="停止时等待进行中请求的最长时间（秒）"
        )
        parser.add_argument(
            "--access-log",
            default=os.environ.get("ZHAOSHANG_ACCESS_LOG", "-"),
            help="访问日志文件（默认 - 即标准输出；空字符串关闭）",
        )
        parser.add_argument("--waitress", action="store_true", help="改用 waitress 单进程服务")

    def handle(
        self, *args, host, port, workers, threads, timeout, graceful_timeout, access_log, waitress, **o
    ):
        url = f"http://{host}:{port}/"
        if waitress or not server.gunicorn_available():
            self.stdout.write(
                f"招商引资工作平台已启动（waitress，单进程 {threads} 线程）：{url}  （Ctrl+C 停止）"
            )
            server.run_waitress(host=host, port=port, threads=threads)
            return
        server.prepare_metrics_dir(settings.DATA_DIR, port)
        self.stdout.write(
            f"招商引资工作平台已启动（gunicorn，{workers} 个进程 × {threads} 线程）：{url}  （Ctrl+C 停止）"
        )
        self.stdout.flush()
        server.run_gunicorn(
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            timeout=timeout,
            graceful_timeout=graceful_timeout,
            access_log=access_log,
        )
