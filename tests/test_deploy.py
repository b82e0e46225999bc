"""docs/deploy.md, followed on this machine's loopback (issue 12, point 7).

The unit files pass `systemd-analyze verify`, the nginx sample passes `nginx -t`, and the guide's
set-up runs from scratch: a PostgreSQL role and database made with the guide's psql commands,
`migrate`, `collectstatic`, `check --deploy` under ZHAOSHANG_PRODUCTION=1, two app servers
(`zhaoshang serve`), a worker and beat on Celery with Redis, and the nginx sample in front with
TLS. Through nginx the office logs in (password and 动态口令); a bulletin requested through nginx is
built by the worker and downloaded from the second app server directly; /health/ answers 200 once
the worker and beat have reported; `zhaoshang backup` and `zhaoshang restore` bring the database
back into a new one.

The full set-up runs in the PostgreSQL run of `make test` (it needs PostgreSQL and Redis, and
starts real processes: about a minute on a quiet machine).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
ZS = str(Path(sys.executable).with_name("zhaoshang"))
DOC = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the files ------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze 不在本机")
def test_the_systemd_units_verify(tmp_path):
    units = sorted((DEPLOY / "systemd").iterdir())
    assert {u.name for u in units} >= {
        "zhaoshang-web.service",
        "zhaoshang-worker.service",
        "zhaoshang-beat.service",
        "zhaoshang-backup.service",
        "zhaoshang-backup.timer",
    }
    for unit in units:
        assert unit.name in DOC or unit.name.removesuffix(".service") in DOC
        text = unit.read_text(encoding="utf-8")
        text = text.replace("/opt/zhaoshang/venv/bin/zhaoshang", ZS)
        text = text.replace("/etc/zhaoshang/zhaoshang.env", str(DEPLOY / "zhaoshang.env.example"))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[str(tmp_path / u.name) for u in units]],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
    # Every ExecStart is a command of the platform that exists.
    for unit in units:
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart=/opt/zhaoshang/venv/bin/zhaoshang "):
                command = line.split()[1]
                help_ = subprocess.run([ZS, command, "--help"], capture_output=True, text=True)
                assert help_.returncode == 0, (command, help_.stderr[-500:])


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _nginx_config(
    folder: Path, *, app_ports: list[int], http_port: int, https_port: int, static: Path
) -> Path:
    """The sample with this machine's ports, certificate and folders, inside a minimal main file."""
    cert, key = _certificate(folder)
    site = (DEPLOY / "nginx" / "zhaoshang.conf").read_text(encoding="utf-8")
    upstream = "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in app_ports)
    site = re.sub(r"    server 127\.0\.0\.1:8000[^\n]*\n", upstream, site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = site.replace("/etc/zhaoshang/tls/fullchain.pem", str(cert)).replace(
        "/etc/zhaoshang/tls/privkey.pem", str(key)
    )
    site = site.replace("/var/lib/zhaoshang/static/", f"{static}/")
    site = site.replace("zhaoshang.example.gov.cn", "127.0.0.1")
    live = "\n".join(line for line in site.splitlines() if not line.lstrip().startswith("#"))
    assert "8000" not in live and "/etc/" not in live
    (folder / "site.conf").write_text(site, encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(
        f"""daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
""",
        encoding="utf-8",
    )
    return main


@pytest.mark.skipif(NGINX is None, reason="nginx 不在本机（make deploy-deps 安装 Debian 的 nginx-light）")
def test_the_nginx_sample_passes_nginx_t(tmp_path):
    config = _nginx_config(tmp_path, app_ports=[_free_port(), _free_port()], http_port=_free_port(),
                           https_port=_free_port(), static=tmp_path)  # fmt: skip
    result = subprocess.run(
        [NGINX, "-t", "-c", str(config), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "client_max_body_size 55m" in (DEPLOY / "nginx" / "zhaoshang.conf").read_text()


def test_the_guide_names_every_setting_the_env_sample_sets():
    sample = (DEPLOY / "zhaoshang.env.example").read_text(encoding="utf-8")
    names = re.findall(r"^([A-Z_]+)=", sample, re.M)
    settings_doc = (REPO / "src" / "zhaoshang" / "settings.py").read_text(encoding="utf-8")
    for name in names:
        assert name in DOC or name in settings_doc, name


# --- the set-up, from scratch ---------------------------------------------------------------------


def _postgres() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
        return True
    except OSError:
        return False


class Client:
    """Keeps cookies; speaks HTTPS to nginx (self-signed) or HTTP to an app server."""

    def __init__(self, port: int, *, tls: bool, cookies: dict | None = None, proxied_https: bool = False):
        self.port, self.tls, self.proxied_https = port, tls, proxied_https
        self.cookies = dict(cookies or {})

    def _conn(self):
        if self.tls:
            return http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=60, context=ssl._create_unverified_context()
            )
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        scheme = "https" if self.tls or self.proxied_https else "http"
        if self.proxied_https:
            headers["X-Forwarded-Proto"] = "https"
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"{scheme}://127.0.0.1:{self.port}{path}"
        conn = self._conn()
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        content = response.read()
        conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content, response.headers

    def get(self, path):
        return self.request("GET", path)

    @staticmethod
    def csrf(html: bytes) -> str:
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()


def _start(args, env, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"端口 {port} 未启动：{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _psql(admin_url: str, sql: str) -> None:
    subprocess.run(["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, capture_output=True)


@pytest.mark.skipif(
    _postgres() is None, reason="部署演练在 PostgreSQL 上运行（make test 的 PostgreSQL 一轮）"
)
@pytest.mark.skipif(not _redis_answers(), reason="Redis 未在 127.0.0.1:6379 响应")
@pytest.mark.skipif(NGINX is None, reason="nginx 不在本机（make deploy-deps）")
def test_a_fresh_set_up_following_the_guide(tmp_path):
    assert (
        "CREATE ROLE zhaoshang LOGIN PASSWORD" in DOC and "CREATE DATABASE zhaoshang OWNER zhaoshang" in DOC
    )
    base = urlsplit(_postgres())
    admin_url = f"postgres://{base.username or 'postgres'}@{base.hostname}:{base.port or 5432}/postgres"
    tag = uuid.uuid4().hex[:8]
    role, db, restored = f"zs_deploy_{tag}", f"zs_deploy_{tag}", f"zs_deploy_{tag}_restored"
    # The guide's two statements, with this run's names.
    _psql(admin_url, f"CREATE ROLE {role} LOGIN PASSWORD 'change-me'")
    _psql(admin_url, f"CREATE DATABASE {db} OWNER {role} ENCODING 'UTF8' TEMPLATE template0")
    app_ports, http_port, https_port = [_free_port(), _free_port()], _free_port(), _free_port()
    data = tmp_path / "data"
    data.mkdir()
    env = {
        **os.environ,
        "ZHAOSHANG_PRODUCTION": "1",
        "SECRET_KEY": "deploy-test-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{https_port}",
        "SITE_URL": f"https://127.0.0.1:{https_port}",
        "ZHAOSHANG_TRUSTED_PROXIES": "127.0.0.1",
        "ZHAOSHANG_DATA": str(data),
        "DATABASE_URL": f"postgres://{role}:change-me@{base.hostname}:{base.port or 5432}/{db}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/12",
        "ZHAOSHANG_REDIS_URL": "redis://127.0.0.1:6379/11",
        "ZHAOSHANG_FILE_STORAGE": "database",
        "ZHAOSHANG_JOB_HEARTBEAT_SECONDS": "2",
        "DEBUG": "",
    }
    import redis

    for n in (11, 12):
        redis.Redis(db=n).flushdb()
    procs: list[subprocess.Popen] = []
    try:

        def zs(*args, check=True):
            return subprocess.run([ZS, *args], env=env, capture_output=True, text=True, check=check)

        zs("migrate", "--noinput")
        zs("collectstatic", "--noinput")
        deploy_check = zs("check", "--deploy", "--fail-level", "WARNING", check=False)
        assert deploy_check.returncode == 0, deploy_check.stdout + deploy_check.stderr
        assert "no issues" in deploy_check.stdout
        # First start: a policy, the three administrators (initial password asked on the terminal;
        # here on standard input, as getpass falls back to without one).
        zs("policy", "load", "xinfeng-2024")
        for username, admin_role in (("sysadmin", "system_admin"), ("secadmin", "security_admin"),
                                     ("auditadmin", "audit_admin")):  # fmt: skip
            assert f"zhaoshang admins grant {username} {admin_role} --create" in DOC
            granted = subprocess.run([ZS, "admins", "grant", username, admin_role, "--create"], env=env, text=True,
                                     input="Deploy#Test2026\n", capture_output=True, start_new_session=True)  # fmt: skip
            assert granted.returncode == 0, granted.stdout + granted.stderr
        listed = zs("admins", "list").stdout
        assert all(name in listed for name in ("sysadmin", "secadmin", "auditadmin"))
        # The demo county, for an office to log in to.
        zs("demo-data", "--policy", "xinfeng-2023-100days")

        for i, port in enumerate(app_ports):
            log = tmp_path / f"web{i}.log"
            procs.append(_start([ZS, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                                 "--threads", "2", "--access-log", str(tmp_path / f"access{i}.log")], env, log))  # fmt: skip
            _wait_port(port, procs[-1], log)
        procs.append(_start([ZS, "worker", "--concurrency", "1"], env, tmp_path / "worker.log"))
        procs.append(_start([ZS, "beat"], env, tmp_path / "beat.log"))
        (tmp_path / "nginx").mkdir()
        config = _nginx_config(tmp_path / "nginx", app_ports=app_ports, http_port=http_port,
                               https_port=https_port, static=data / "static")  # fmt: skip
        log = tmp_path / "nginx.log"
        procs.append(_start([NGINX, "-c", str(config), "-p", str(config.parent)], env, log))
        _wait_port(https_port, procs[-1], log)

        # Plain HTTP is sent to HTTPS; /health/ answers on it for the load balancer.
        status, _, headers = Client(http_port, tls=False).get("/login/")
        assert status == 301 and headers["Location"].startswith("https://")

        # The office logs in through nginx: password, then the demo device's code.
        office = "xinfeng-2023-100days-office"
        c = Client(https_port, tls=True)
        status, page, headers = c.get("/login/")
        assert status == 200 and "Strict-Transport-Security" in headers
        from zhaoshang.demo.generator import DEMO_PASSWORD

        status, _, headers = c.request("POST", "/login/", {"username": office, "password": DEMO_PASSWORD,
                                                            "csrfmiddlewaretoken": c.csrf(page)})  # fmt: skip
        assert status == 302, status
        status, _, headers = c.get(urlsplit(headers["Location"]).path)
        assert (
            status == 302 and "/account/2fa/verify/" in headers["Location"]
        )  # an office gives its second factor
        status, page, _ = c.get("/account/2fa/verify/")
        code = zs("twofactor", "code", office).stdout.strip()
        status, _, headers = c.request(
            "POST", "/account/2fa/verify/", {"code": code, "csrfmiddlewaretoken": c.csrf(page)}
        )
        assert status == 302, status
        status, _, _ = c.get("/dashboards/")
        assert status == 200

        # A bulletin requested through nginx is built by the worker (Celery) ...
        status, page, _ = c.get("/bulletins/new/")
        status, _, headers = c.request("POST", "/bulletins/new/", {"csrfmiddlewaretoken": c.csrf(page),
                                       "policy": "xinfeng-2023-100days", "kind": "monthly", "period": "2023-07"})  # fmt: skip
        assert status == 302, status
        pk = int(re.search(r"/bulletins/(\d+)/", headers["Location"]).group(1))
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            status, body, _ = c.get(f"/bulletins/{pk}/")
            if "已生成" in body.decode() or "生成失败" in body.decode():
                break
            time.sleep(1)
        assert "已生成" in body.decode(), (tmp_path / "worker.log").read_text()[-3000:]
        # ... and downloaded from the second app server directly, on the same session.
        b = Client(app_ports[1], tls=False, cookies=c.cookies, proxied_https=True)
        status, content, _ = b.get(f"/bulletins/{pk}/download/docx/")
        assert status == 200 and content[:2] == b"PK"

        # /health/ is 200 once the worker and beat have reported.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, body, _ = Client(http_port, tls=False).request("GET", "/health/")
            if status == 200:
                break
            time.sleep(2)
        assert status == 200, body.decode()
        # The guide's own checks, as typed there (the app server's port for 8000).
        assert "curl -fsS -H 'Accept: application/json' http://127.0.0.1:8000/health/" in DOC
        curl = subprocess.run(["curl", "-fsS", "-H", "Accept: application/json",
                               f"http://127.0.0.1:{app_ports[0]}/health/"], capture_output=True, text=True)  # fmt: skip
        assert curl.returncode == 0 and '"数据库": "OK"' in curl.stdout, curl.stdout + curl.stderr
        assert "redis-cli -h redis主机 ping" in DOC
        ping = subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, text=True)
        assert ping.stdout.strip() == "PONG"
        access = (tmp_path / "access0.log").read_text() + (tmp_path / "access1.log").read_text()
        assert "GET /dashboards/ HTTP/1.0" in access or "GET /dashboards/ HTTP/1.1" in access

        # Backup, and restore into a new database.
        zs("backup", "--output", str(tmp_path / "backups"))
        archive = next((tmp_path / "backups").iterdir())
        _psql(admin_url, f"CREATE DATABASE {restored} OWNER {role} ENCODING 'UTF8' TEMPLATE template0")
        env_restored = {**env, "DATABASE_URL": env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{restored}"}
        result = subprocess.run(
            [ZS, "restore", str(archive)], env=env_restored, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        for proc in reversed(procs):
            _stop(proc)
        for name in (restored, db):
            subprocess.run(["psql", admin_url, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                           capture_output=True)  # fmt: skip
        subprocess.run(["psql", admin_url, "-qc", f"DROP ROLE IF EXISTS {role}"], capture_output=True)
