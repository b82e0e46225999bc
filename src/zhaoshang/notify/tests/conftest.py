"""A local stand-in for the WeCom and DingTalk robots, a guard that no test reaches past
127.0.0.1, and a small world of its own: two units and a team in 信丰县 with clerks, so the
counts here do not depend on the demo data."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
import threading
import time
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

# Far from the demo data's dates, so only this package's reports are due.
TODAY = date(2031, 3, 10)
LOCAL = {"127.0.0.1", "::1", "localhost"}


def _is_local(host) -> bool:
    if host in LOCAL:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_outside_network(monkeypatch):
    """Any connection or name lookup beyond the loopback fails the test."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise AssertionError(f"network call outside 127.0.0.1: {address}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_local(host):
            raise AssertionError(f"name lookup outside 127.0.0.1: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    # A proxy from the environment would take the robot calls elsewhere.
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


class Robot:
    """Answers like a WeCom (/cgi-bin/webhook/send) or DingTalk (/robot/send) robot and records
    every request. `script` holds the answers to give next, as (HTTP status, JSON body)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict | str]] = []
        self.dingtalk_secret = ""
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def wecom_url(self):
        return f"{self.base}/cgi-bin/webhook/send?key=wecom-test-key-1234"

    @property
    def dingtalk_url(self):
        return f"{self.base}/robot/send?access_token=ding-test-token-5678"

    def _answer(self, path: str, query: dict) -> tuple[int, dict | str]:
        if self.script:
            return self.script.pop(0)
        if path == "/robot/send" and self.dingtalk_secret:
            # DingTalk's check: the sign must match and the timestamp be within an hour.
            ts = query.get("timestamp", [""])[0]
            sign = query.get("sign", [""])[0]
            expected = base64.b64encode(
                hmac.new(
                    self.dingtalk_secret.encode(), f"{ts}\n{self.dingtalk_secret}".encode(), hashlib.sha256
                ).digest()
            ).decode()
            if not ts or abs(int(ts) - time.time() * 1000) > 3600_000 or sign != expected:
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _handler(self):
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                query = parse_qs(parts.query)
                robot.requests.append(
                    {
                        "path": parts.path,
                        "query": query,
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(body.decode("utf-8")),
                    }
                )
                status, answer = robot._answer(parts.path, query)
                data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    r = Robot()
    yield r
    r.close()


class World:
    """Two units and a team of 信丰县, each with a clerk; reports made on demand."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        from zhaoshang.org.models import Jurisdiction, Membership, Team, Unit

        User = get_user_model()
        self.county = Jurisdiction.objects.get(code="360722")
        self.unit_a = Unit.objects.create(jurisdiction=self.county, name="提醒测试甲局", kind="department")
        self.unit_b = Unit.objects.create(jurisdiction=self.county, name="提醒测试乙局", kind="department")
        self.team = Team.objects.filter(jurisdiction=self.county).order_by("pk").first()
        self.clerk_a = User.objects.create_user("notify-clerk-a", password="x")
        Membership.objects.create(
            user=self.clerk_a, role="unit_clerk", jurisdiction=self.county, unit=self.unit_a
        )
        self.clerk_b = User.objects.create_user("notify-clerk-b", password="x")
        Membership.objects.create(
            user=self.clerk_b, role="unit_clerk", jurisdiction=self.county, unit=self.unit_b
        )
        self._n = 0

    def report(self, *, due_on: date, unit=None, team=None, submitted: bool = False, name="月度招商工作情况"):
        from django.utils import timezone

        from zhaoshang.fieldwork.models import Report

        self._n += 1
        holder = team or unit or self.unit_a
        return Report.objects.create(
            jurisdiction=holder.jurisdiction,
            calendar_key=f"notify-test-{self._n}",
            name=name,
            unit=None if team else (unit or self.unit_a),
            team=team,
            covers_start=due_on - timedelta(days=30),
            covers_end=due_on - timedelta(days=1),
            due_on=due_on,
            submitted_at=timezone.now() if submitted else None,
        )

    def channel(self, kind="in_app", *, unit=None, team=None, **fields):
        from zhaoshang.notify.models import Channel

        holder = team or unit or self.unit_a
        return Channel.objects.create(
            jurisdiction=holder.jurisdiction,
            kind=kind,
            unit=None if team else (unit or self.unit_a),
            team=team,
            **fields,
        )


@pytest.fixture
def world(db):
    return World()


def at(day: date, hour: int = 9) -> datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))
