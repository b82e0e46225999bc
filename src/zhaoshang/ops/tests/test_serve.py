"""`zhaoshang serve` is gunicorn with several worker processes, and a SIGTERM lets the request in
flight finish (issue 12, point 2). Each test starts a real server on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="gunicorn needs fork")

ZS = Path(sys.executable).with_name("zhaoshang")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path, *args):
    port = _free_port()
    env = {
        **os.environ,
        "ZHAOSHANG_DATA": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ZHAOSHANG_PRODUCTION": "",
    }
    proc = subprocess.Popen(
        [str(ZS), "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"服务未启动：{proc.stdout.read()}")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def test_serve_runs_gunicorn_with_the_workers_asked_for(tmp_path):
    proc, port = _start(tmp_path, "--workers", "3", "--threads", "2")
    try:
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_children(proc.pid)) == 3
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            head = s.recv(200)
        assert head.startswith(b"HTTP/1.1 200")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert "gunicorn，3 个进程 × 2 线程" in out
    assert '"GET /login/ HTTP/1.1" 200' in out  # the access log


def test_sigterm_lets_the_request_in_flight_finish(tmp_path):
    proc, port = _start(tmp_path, "--workers", "1", "--threads", "2")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            body = b"username=x&password=y"
            s.sendall(
                b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
            )
            time.sleep(1.0)  # the worker has the request and waits for its body
            proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            s.sendall(body)
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
        # Answered (CSRF refuses the form, in Chinese) rather than cut off.
        assert answer.startswith(b"HTTP/1.1 403"), answer[:200]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
