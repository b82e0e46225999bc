import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动网页服务（waitress，适合内网部署；静态文件随程序提供，不访问外网）"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **opts):
        from waitress import serve

        from zhaoshang.wsgi import application

        self.stdout.write(f"招商引资工作平台已启动：http://{host}:{port}/  （Ctrl+C 停止）")
        serve(application, host=host, port=port, threads=threads, ident="zhaoshang")
