"""A county's morning on the production server: the mix of pages against a bare page, at 1, 10 and
50 concurrent users, and two app servers with two workers sharing PostgreSQL and Redis.

    BENCH=serving make bench                         # or: .venv/bin/python -m benchmarks.serving
    BENCH_SECONDS=20 BENCH_USERS=1,10,50 BENCH_WORKERS=2 BENCH=serving make bench
    BENCH_REUSE=1 BENCH=serving make bench          # keep the database the last run built

Builds a scratch database (PostgreSQL when one answers) with the xinfeng-2024 demo county, starts
`zhaoshang serve` (gunicorn, BENCH_WORKERS processes, default the CPU cores) on a loopback port,
logs in over HTTP as the county's office (password, then the demo device's 动态口令), and for each
number of users runs, for BENCH_SECONDS each and in turn:

- the morning mix — dashboard, the ledger filtered by stage and searched, a project page, the
  rankings, the run page, the API's filtered project list — each user taking the pages in turn;
- a bare authenticated page (the account's own password page: the base template, the menus and
  the session, nothing of the ledger) served by the same server.

It prints requests/s, p50/p95/p99 latency, errors, and the server's CPU per request (user+system
time of the gunicorn master and workers, from /proc, over the requests answered), and the ratio of
the mix's CPU per request to the bare page's. Goal (issue 12, point 8): the mix within 2x; the row
prints PASS or FAIL.

Then the cluster: two app servers (one worker process each) and two `zhaoshang worker` processes
on Celery with Redis (db 14, flushed), one `zhaoshang beat`: a session opened on server A is used
on server B; a bulletin requested on A is built by a worker and downloaded from B; and the mix's
throughput on A with one gunicorn worker against two app servers together (requests spread over
both), as a ratio (scaling with workers).

The load comes from threads of this process on the same machine: on a machine with few cores the
load generator competes with the servers, so the absolute figures are the machine's; the ratios are
what to compare between runs.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.util import database_url, fresh_database

ZS = str(Path(sys.executable).with_name("zhaoshang"))
SECRET = "bench-serving-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(db_url: str, data: Path, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "ZHAOSHANG_DATA": str(data),
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ZHAOSHANG_PRODUCTION": "",
        "DEBUG": "",
        "ZHAOSHANG_ACCESS_LOG": "",
        # The benchmark's own user logs in many times; keep the rate limits out of the measurement.
        "ZHAOSHANG_LOGIN_RATE": "100000/m",
        "ZHAOSHANG_API_RATE": "1000000/m",
        **extra,
    }


def _run(env, *args, quiet=True):
    subprocess.run([ZS, *args], env=env, check=True, stdout=subprocess.DEVNULL if quiet else None)


def _wait_port(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on {port} exited: {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on {port} did not start")


def start_server(env, *, workers: int, threads: int = 4) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [ZS, "serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads)],
        env={**env, "PROMETHEUS_MULTIPROC_DIR": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait_port(port, proc)
    return proc, port


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` and every process below it, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                kids = (task / "children").read_text().split()
                todo += [int(k) for k in kids]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total


# --- an HTTP client that keeps its session --------------------------------------------------------


class Browser:
    def __init__(self, port: int, cookies: dict | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, url: str, body: dict | None = None) -> tuple[int, bytes, dict]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{url}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, url, data, headers)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content, dict(response.headers)

    def get(self, url):
        return self.request("GET", url)

    def csrf(self, html: bytes) -> str:
        m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return m.group(1).decode() if m else self.cookies.get("csrftoken", "")

    def follow(self, status, headers, limit=5):
        while status in (301, 302, 303) and limit:
            location = urlsplit(headers["Location"])
            status, content, headers = self.get(
                location.path + (f"?{location.query}" if location.query else "")
            )
            limit -= 1
        return status, headers


def office_login() -> str:
    """The demo county's office login (the name demo-data gave it)."""
    from zhaoshang.org.models import Membership

    return (
        Membership.objects.filter(role="office", jurisdiction__code="360722")
        .values_list("user__username", flat=True)
        .first()
    )


def login(port: int, env: dict, username: str | None = None, password: str | None = None) -> dict:
    from zhaoshang.demo.generator import DEMO_PASSWORD

    username = username or office_login()

    b = Browser(port)
    status, page, _ = b.get("/login/")
    status, _, headers = b.request(
        "POST",
        "/login/",
        {"username": username, "password": password or DEMO_PASSWORD, "csrfmiddlewaretoken": b.csrf(page)},
    )
    if status != 302:
        raise SystemExit(f"login as {username} answered {status}")
    # The page it lands on sends a login that owes its second factor to the verification page.
    status, _, headers = b.get(urlsplit(headers["Location"]).path)
    if status == 302 and "/account/2fa/" in headers.get("Location", ""):
        status, page, _ = b.get("/account/2fa/verify/")
        code = subprocess.run(
            [ZS, "twofactor", "code", username], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        form = {"code": code, "csrfmiddlewaretoken": b.csrf(page)}
        status, _, headers = b.request("POST", "/account/2fa/verify/", form)
        if status != 302:
            raise SystemExit(f"second factor for {username} answered {status}")
    return b.cookies


# --- load -----------------------------------------------------------------------------------------


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu: float = 0.0

    @property
    def n(self) -> int:
        return len(self.latencies)

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        s = sorted(self.latencies)
        return s[min(len(s) - 1, int(q * len(s)))]

    @property
    def rps(self) -> float:
        return self.n / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.n if self.n else float("nan")


def load(
    ports: list[int], cookies: dict, urls: list[str], users: int, seconds: float, server_pids: list[int]
) -> Result:
    result, lock = Result(), threading.Lock()
    stop_at = [0.0]
    start = threading.Barrier(users + 1)

    def user(i: int) -> None:
        b = Browser(ports[i % len(ports)], cookies)
        k = i
        start.wait()
        while time.monotonic() < stop_at[0]:
            url = urls[k % len(urls)]
            k += 1
            t = time.perf_counter()
            try:
                status, _, _ = b.get(url)
            except Exception:  # noqa: BLE001 - a refused connection is an error of the run
                status = 599
            elapsed = time.perf_counter() - t
            with lock:
                result.latencies.append(elapsed)
                result.errors += status >= 400

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for t in threads:
        t.start()
    cpu0 = sum(cpu_seconds(p) for p in server_pids)
    t0 = time.monotonic()
    stop_at[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - t0
    result.cpu = sum(cpu_seconds(p) for p in server_pids) - cpu0
    return result


def morning_urls(env: dict) -> tuple[list[str], str]:
    """The mix's pages, with real ids from the demo county, and the bare page."""
    import django

    os.environ.update({k: env[k] for k in ("DATABASE_URL", "ZHAOSHANG_DATA", "SECRET_KEY")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhaoshang.settings")
    django.setup()
    from django.urls import reverse

    from zhaoshang.assessment.models import AssessmentRun
    from zhaoshang.ledger.models import Project

    project = Project.objects.filter(jurisdiction__code="360722").order_by("pk")[10]
    run = AssessmentRun.objects.filter(policy__name="xinfeng-2024").order_by("-pk").first()
    urls = [
        reverse("dashboards:dashboard"),
        reverse("ledger:project_list") + "?stage=signed",
        reverse("ledger:project_list") + "?" + urlencode({"q": project.name[:2]}),
        reverse("ledger:project_detail", args=[project.pk]),
        reverse("dashboards:rankings"),
        "/api/projects/?stage=started&limit=50",
    ]
    if run is not None:
        urls.append(reverse("assessment:assessmentrun_detail", args=[run.pk]))
    return urls, reverse("accounts:password_change")


def _line(label: str, r: Result) -> str:
    return (
        f"  {label:<28} {r.rps:8.1f} req/s  p50 {1000 * r.pct(0.5):7.1f} ms  p95 {1000 * r.pct(0.95):7.1f} ms  "
        f"p99 {1000 * r.pct(0.99):7.1f} ms  errors {r.errors:4d}/{r.n:<6d} CPU {r.cpu_ms:6.1f} ms/req"
    )


def single_server(env, seconds: float, users_list: list[int], workers: int) -> bool:
    urls, bare = morning_urls(env)
    proc, port = start_server(env, workers=workers)
    ok = True
    try:
        cookies = login(port, env)
        b = Browser(port, cookies)
        for url in [*urls, bare]:  # each page answers, and warms each worker's caches
            status, _, _ = b.get(url)
            if status != 200:
                raise SystemExit(f"{url} answered {status}")
        load([port], cookies, urls + [bare], workers * 2, 3, [proc.pid])
        print(f"\nOne app server: gunicorn {workers} process(es) × 4 threads, {seconds:g} s per row")
        print(" each page alone, one user, in turn:")
        for url in [*urls, bare]:
            r = load([port], cookies, [url], 1, max(2.0, seconds / 4), [proc.pid])
            print(_line(url[:28], r))
        for users in users_list:
            mix = load([port], cookies, urls, users, seconds, [proc.pid])
            base = load([port], cookies, [bare], users, seconds, [proc.pid])
            ratio = mix.cpu_ms / base.cpu_ms
            passed = ratio <= 2.0 and mix.errors == 0 and base.errors == 0
            ok &= passed
            print(f" {users} concurrent user(s):")
            print(_line("morning mix", mix))
            print(_line("bare page", base))
            print(f"  ratio mix/bare CPU per request {ratio:.2f}, p50 {mix.pct(0.5) / base.pct(0.5):.2f}  "
                  f"{'PASS' if passed else 'FAIL'} (goal ≤ 2×, no errors)")  # fmt: skip
    finally:
        stop(proc)
    return ok


def cluster(env, seconds: float) -> bool:
    """Two app servers and two workers on Celery with Redis db 14, one beat."""
    import redis

    broker = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(broker).flushdb()
    except redis.RedisError:
        print("\nCluster: skipped, Redis does not answer at 127.0.0.1:6379")
        return True
    env = {**env, "CELERY_BROKER_URL": broker, "ZHAOSHANG_REDIS_URL": "redis://127.0.0.1:6379/13"}
    urls, _bare = morning_urls(env)
    procs = []
    ok = True
    try:
        a, port_a = start_server(env, workers=1)
        b, port_b = start_server(env, workers=1)
        procs += [a, b]
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [ZS, "worker", "--concurrency", "1"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )  # fmt: skip
            )
        procs.append(
            subprocess.Popen(
                [ZS, "beat"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        )
        cookies = login(port_a, env)
        on_b = Browser(port_b, cookies)
        status, _, _ = on_b.get(urls[0])
        print("\nCluster: 2 app servers, 2 workers (Celery, Redis), 1 beat, one PostgreSQL")
        print(f"  session opened on A, dashboard on B: {status} {'PASS' if status == 200 else 'FAIL'}")
        ok &= status == 200
        ok &= _bulletin_across(env, port_a, port_b, cookies)
        time.sleep(35)  # the workers' and beat's first heartbeats
        status, body, _ = Browser(port_b).get("/health/?format=json")
        print(f"  /health/ on B: {status} {body.decode()[:200]}")
        ok &= status == 200
        one = load([port_a], cookies, urls, 10, seconds, [a.pid])
        two = load([port_a, port_b], cookies, urls, 10, seconds, [a.pid, b.pid])
        print(_line("mix, 10 users, server A", one))
        print(_line("mix, 10 users, A and B", two))
        print(f"  throughput two servers / one: {two.rps / one.rps:.2f} (CPU cores: {os.cpu_count()})")
        ok &= two.errors == 0 and one.errors == 0
    finally:
        for p in procs:
            stop(p)
    return ok


def _bulletin_across(env, port_a: int, port_b: int, cookies: dict) -> bool:
    """Request a bulletin on A (queued to Celery), wait for a worker, download it from B."""
    from django.urls import reverse

    from zhaoshang.bulletins.models import Bulletin

    before = set(Bulletin.objects.values_list("pk", flat=True))
    a = Browser(port_a, cookies)
    status, page, _ = a.get(reverse("bulletins:bulletin_new"))
    form = {
        "csrfmiddlewaretoken": a.csrf(page),
        "kind": "monthly",
        "policy": "xinfeng-2024",
        "period": "2024-06",
    }
    status, _, headers = a.request("POST", reverse("bulletins:bulletin_new"), form)
    deadline = time.monotonic() + 120
    bulletin = None
    while time.monotonic() < deadline:
        bulletin = Bulletin.objects.exclude(pk__in=before).order_by("-pk").first()
        if bulletin is not None and bulletin.status in ("done", "failed"):
            break
        time.sleep(1)
    if bulletin is None or bulletin.status != "done":
        print(
            f"  bulletin requested on A ({status}): {'not built' if bulletin is None else bulletin.status} FAIL"
        )
        return False
    status, content, _ = Browser(port_b, cookies).get(
        reverse("bulletins:bulletin_download", args=[bulletin.pk, "docx"])
    )
    passed = status == 200 and content[:2] == b"PK"
    print(f"  bulletin queued on A, built by a worker, downloaded from B: {status}, {len(content)} bytes "
          f"{'PASS' if passed else 'FAIL'}")  # fmt: skip
    return passed


def main() -> int:
    seconds = float(os.environ.get("BENCH_SECONDS") or 15)
    users_list = [int(u) for u in (os.environ.get("BENCH_USERS") or "1,10,50").split(",")]
    workers = int(os.environ.get("BENCH_WORKERS") or os.cpu_count() or 1)
    url = database_url("bench_serving")
    data = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    env = _env(url, data)
    if os.environ.get("BENCH_REUSE") == "1" and url.startswith("postgres"):
        print(f"database {url.rsplit('@', 1)[-1]}: reused (BENCH_REUSE=1)")
    else:
        fresh_database(url)
        t = time.monotonic()
        _run(env, "migrate", "--noinput", "-v0")
        _run(env, "demo-data", "--policy", "xinfeng-2024")
        print(
            f"database {url.rsplit('@', 1)[-1]}: demo county built in {time.monotonic() - t:.0f} s",
            flush=True,
        )
    ok = single_server(env, seconds, users_list, workers)
    if os.environ.get("BENCH_CLUSTER", "1") != "0":
        ok &= cluster(env, seconds)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
