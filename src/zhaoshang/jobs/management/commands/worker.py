"""`zhaoshang worker`: runs background jobs.

With CELERY_BROKER_URL set it starts a Celery worker (`--concurrency`, default
ZHAOSHANG_WORKER_CONCURRENCY): SIGTERM is a warm shutdown (the jobs under way finish, nothing new
is taken), a job whose process dies is delivered again (acks_late, reject_on_worker_lost), and at
start it requeues jobs left running by a dead process. Without a broker it polls the Job table as
before (ZHAOSHANG_WORKER=1 on the web servers queues jobs for it), finishing the job under way on
SIGTERM. Either way it records a heartbeat every ZHAOSHANG_JOB_HEARTBEAT_SECONDS."""

from __future__ import annotations

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from zhaoshang.jobs import conf, services
from zhaoshang.jobs.health import Heartbeat


class Command(BaseCommand):
    help = "后台任务进程：配置了任务队列（CELERY_BROKER_URL）时启动 Celery worker，否则轮询数据库中排队的任务"

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency", type=int, default=None,
            help="同时执行的任务数（默认 ZHAOSHANG_WORKER_CONCURRENCY，即 2）",
        )  # fmt: skip
        parser.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("--once", action="store_true", help="（无任务队列时）处理完当前排队的任务即退出")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="（无任务队列时）无任务时的轮询间隔（秒）"
        )

    def handle(self, *args, concurrency, pool, loglevel, once, interval, **options):
        if conf.mode() == "celery":
            self.celery(concurrency or settings.ZHAOSHANG_WORKER_CONCURRENCY, pool, loglevel)
        else:
            self.poll(once=once, interval=interval)

    # --- Celery ----------------------------------------------------------------------------------

    def celery(self, concurrency: int, pool: str, loglevel: str) -> None:
        from celery import signals

        from zhaoshang.celery import app

        heartbeat = Heartbeat("worker", services.process_name())

        @signals.worker_ready.connect(weak=False)
        def ready(**kwargs):
            counts = services.recover()
            connection.close()  # not shared with the pool's processes
            if any(counts.values()):
                self.stderr.write(f"启动时恢复中断的任务：{counts}")
            heartbeat.start()

        @signals.worker_shutdown.connect(weak=False)
        def shutdown(**kwargs):
            heartbeat.stop()

        @signals.worker_process_init.connect(weak=False)
        def child(**kwargs):
            connection.close()  # a forked pool process opens its own connection

        app.worker_main(
            [
                "worker",
                f"--concurrency={concurrency}",
                f"--pool={pool}",
                f"--loglevel={loglevel}",
                f"--hostname=zhaoshang-{services.process_name().replace(':', '-')}@%h",
                "--without-gossip",
                "--without-mingle",
            ]
        )

    # --- Polling (no broker) --------------------------------------------------------------------

    def poll(self, *, once: bool, interval: float) -> None:
        self.shutdown = False
        previous = {s: signal.signal(s, self.on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        name = services.process_name()
        # A one-off run (--once, as from cron) is no standing worker: it records no heartbeat.
        heartbeat = None if once else Heartbeat("worker", name).start()
        last_sweep = 0.0
        done = 0
        try:
            while not self.shutdown:
                if time.monotonic() - last_sweep >= 60:
                    services.recover()
                    last_sweep = time.monotonic()
                ran = services.run_queued(worker=name, should_stop=lambda: self.shutdown)
                done += ran
                if ran:
                    self.stderr.write(f"已完成 {done} 项任务")
                if once:
                    break
                close_old_connections()
                deadline = time.monotonic() + interval
                while not self.shutdown and time.monotonic() < deadline:
                    time.sleep(min(0.2, interval))
        finally:
            if heartbeat is not None:
                heartbeat.stop()
            for s, handler in previous.items():
                signal.signal(s, handler)

    def on_signal(self, signum, frame):
        self.stderr.write(f"{signal.strsignal(signum)}：完成当前任务后退出")
        self.shutdown = True
