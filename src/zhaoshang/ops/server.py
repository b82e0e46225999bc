"""The production web server behind `zhaoshang serve`: gunicorn, as many worker processes as cores.

gunicorn forks workers that each serve several threads (gthread), restarts a worker that hangs
past its timeout, and on SIGTERM stops accepting and lets requests in flight finish (up to the
graceful timeout) before exiting — what a systemd `stop` or an upgrade sends. Where gunicorn
cannot run (Windows has no fork), waitress serves in one process instead.

Prometheus metrics of several worker processes are collected in a shared folder
(prometheus_client's multiprocess mode, ops/metrics.py); the folder is emptied at start and a
dead worker's files are marked when it exits.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ACCESS_LOG_FORMAT = '%(h)s %({x-forwarded-for}i)s %(u)s [%(t)s] "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


def default_workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)


def prepare_metrics_dir(data_dir: Path, port: int) -> Path:
    """A fresh folder for the workers' metric files (one per server on a machine); must be set
    before prometheus_client loads."""
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or data_dir / f"metrics-{port}")
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def gunicorn_available() -> bool:
    if sys.platform.startswith("win"):
        return False
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def run_gunicorn(
    *, host: str, port: int, workers: int, threads: int, timeout: int, graceful_timeout: int, access_log: str
) -> None:
    from gunicorn.app.base import BaseApplication

    def child_exit(server, worker):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        "graceful_timeout": graceful_timeout,
        # The proxy (docs/deploy.md) keeps connections alive to the app servers.
        "keepalive": 5,
        "accesslog": access_log or None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "proc_name": "zhaoshang",
        "child_exit": child_exit,
        # Requests with bodies larger than the upload limits are refused by Django (and nginx);
        # these only bound the request line and headers.
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        # The X-Forwarded-* headers are trusted from the proxies ZHAOSHANG_TRUSTED_PROXIES names.
        "forwarded_allow_ips": os.environ.get("ZHAOSHANG_TRUSTED_PROXIES") or None,
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self):
            from zhaoshang.wsgi import application

            return application

    Server().run()


def run_waitress(*, host: str, port: int, threads: int) -> None:
    from waitress import serve

    from zhaoshang.wsgi import application

    serve(application, host=host, port=port, threads=threads, ident="zhaoshang")
