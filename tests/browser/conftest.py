"""Browser tests: Debian's headless Chromium (/usr/bin/chromium, `make browser-deps`; another path
in ZHAOSHANG_CHROMIUM) driven by Playwright against pytest-django's live server. Playwright
downloads no browser of its own here. Without Chromium or Playwright the tests are skipped.

A test that uses `live_server` is a transactional test (`transactional_db`: no transaction around
it, so the server thread sees what is committed); pytest-django runs those after every `db` test
and empties the database when each ends. `xinfeng_world` therefore makes sure the Xinfeng 2024 demo county and its
logins are there (conftest.py builds them once per session; an earlier browser test may have
emptied the database since).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("ZHAOSHANG_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PHONE = {"width": 375, "height": 740}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium against the live server")
    # One request at a time in the live server (see SerialWSGIServer).
    from django.test.testcases import LiveServerThread

    LiveServerThread.server_class = _serial_server_class()


def _serial_server_class():
    """The live server's threads take turns at the application. With the in-memory SQLite
    database of the test run, every request thread shares the test's one connection; two requests
    at once (a page whose htmx search is still under way as the next page loads) used that
    connection together and both hung inside SQLite, stopping the run. Connections stay
    threaded, so a browser's kept-alive connections never wait on each other's idle time."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer

    class SerialWSGIServer(ThreadedWSGIServer):
        turn = threading.Lock()

        def get_app(self):
            app = super().get_app()

            def one_at_a_time(environ, start_response):
                with self.turn:
                    result = app(environ, start_response)
                    try:
                        return [b"".join(result)]  # read whole while it holds the turn
                    finally:
                        close = getattr(result, "close", None)
                        if close is not None:
                            close()

            return one_at_a_time

    return SerialWSGIServer


def missing() -> str | None:
    """Why the browser tests cannot run here, if they cannot."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: install Debian's chromium (make browser-deps)"
    if importlib.util.find_spec("playwright") is None:
        return "the Playwright Python package is missing: pip install -e '.[dev]'"
    return None


def pytest_collection_modifyitems(config, items):
    # Skipped before any fixture runs, so a machine without Chromium does not build a world for nothing.
    reason = missing()
    if reason:
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=reason))


@contextlib.contextmanager
def _launched():
    """A headless Chromium under Playwright, or a skip that says what is missing."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import Error, sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the ORM calls the test makes in
    # between would otherwise be refused as "async unsafe".
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            try:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            except Error as exc:
                pytest.skip(f"{CHROMIUM} does not start under Playwright: {exc}")
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def chromium():
    """A headless Chromium, or a skip that says what is missing."""
    with _launched() as browser:
        violations = _watch_csp(browser)
        yield browser
        # Every page a browser test opens is held to the Content-Security-Policy
        # (docs/hardening.md): a refused inline script or style fails the test.
        assert not violations, "Content-Security-Policy 拒绝了页面上的内容：\n" + "\n".join(violations)


@pytest.fixture(scope="module")
def module_chromium():
    """One headless Chromium for every test of a module (each test opens its own context). The
    module's tests watch the console themselves (test_daily_path.py: any console error fails a
    step, a refusal of the Content-Security-Policy among them)."""
    with _launched() as browser:
        yield browser


def _watch_csp(browser) -> list[str]:
    """Collects, from every page of every context the browser opens, the console's reports of
    content the Content-Security-Policy refused."""
    violations: list[str] = []
    new_context = browser.new_context

    def watched(*args, **kwargs):
        context = new_context(*args, **kwargs)

        def on_console(message):
            if message.type == "error" and "Content Security Policy" in message.text:
                violations.append(f"{message.page.url if message.page else ''}: {message.text}")

        context.on("console", on_console)
        return context

    browser.new_context = watched
    browser.csp_violations = violations  # a test that provokes one on purpose clears it
    return violations


@pytest.fixture
def phone(chromium, live_server):
    """A page in a 375 × 740 window (an iPhone-sized phone), touch and all."""
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def xinfeng_world(live_server, transactional_db):
    """The Xinfeng 2024 demo county with its logins (xf-team, …; password DEMO_PASSWORD, Demo@2024zs)."""
    from django.contrib.auth import get_user_model

    from zhaoshang.core.changelog import change_context
    from zhaoshang.demo.generator import generate_county
    from zhaoshang.engine import find_policy, load_policy
    from zhaoshang.org.models import Policy

    if not (
        Policy.objects.filter(name="xinfeng-2024").exists()
        and get_user_model().objects.filter(username="xf-team").exists()
    ):
        with change_context(source="system"):
            generate_county(
                spec=load_policy(find_policy("xinfeng-2024")),
                seed=7,
                prefix="xf-",
                projects_per_holder=0.2,
                activity_scale=0.05,
                report_months=1,
            )
    return Policy.objects.get(name="xinfeng-2024")
