"""Menus per role (issue 11 point 3): every demo login follows every entry of its menus and every
link of its home page, and none answers 403, 404 or 5xx. The menus are built from the checks the
pages ask (core/menu.py), so a role never meets a page its menu offered and then refused."""

from __future__ import annotations

import re
from html import unescape

import pytest

from zhaoshang.core.menu import MENUS, menus_for

HREF = re.compile(r'href="([^"#]+)"')


def _links(html: str, start: str, end: str) -> set[str]:
    """The site's own links between two markers of the page."""
    i = html.find(start)
    j = html.find(end, i)
    assert i >= 0 and j > i, f"{start} … {end} not found"
    return {
        unescape(h) for h in HREF.findall(html[i:j]) if h.startswith("/") and not h.startswith("/static/")
    }


def _refused(client, url: str) -> int | None:
    r = client.get(url)
    return r.status_code if r.status_code in (403, 404) or r.status_code >= 500 else None


def _walk(client, user) -> tuple[dict[str, int], set[str], set[str]]:
    client.raise_request_exception = False  # an error is a 500 to report with the others
    client.force_login(user)
    home = client.get("/", follow=True)
    assert home.status_code == 200, f"{user.username}: 首页 {home.status_code}"
    html = home.content.decode()
    menu = _links(html, '<header class="site', "</header>")
    page = _links(html, '<main class="container">', "</main>")
    bad = {url: code for url in sorted(menu | page) if (code := _refused(client, url))}
    client.logout()
    return bad, menu, page


def test_every_role_follows_its_menus_and_home_links_without_refusal(client, personas):
    walked, failures = 0, []
    for name, user in sorted(personas.items()):
        bad, menu, page = _walk(client, user)
        failures.extend(f"{name} {url} {code}" for url, code in bad.items())
        walked += len(menu) + len(page)
    assert not failures, "\n".join(failures)
    assert walked > 200  # the walk did follow the menus


def test_menus_differ_by_role_and_hide_what_the_page_would_refuse(client, users):
    def labels(user):
        return {e.label for _title, entries in menus_for(user) for e in entries}

    office, leader = labels(users["tl-office"]), labels(users["tl-leader"])
    clerk, admin = labels(users["tl-team"]), labels(users["sysadmin"])
    assert "登记活动" in office and "登记活动" in clerk and "登记活动" not in leader
    assert "战报简报" in office and "战报简报" in leader and "战报简报" not in clerk
    assert admin == {"账号管理", "系统设置", "后台任务"}
    assert labels(users["auditadmin"]) == {"审计记录", "审计链校验"}
    assert "项目" not in admin
    # What the menu hides, the page refuses: the menu asks the page's own question.
    client.force_login(users["tl-leader"])
    assert client.get("/fieldwork/activity/add/").status_code == 403
    client.force_login(users["tl-team"])
    page = client.get("/").content.decode()
    assert "/bulletins/" not in page and "/fieldwork/activity/add/" in page


def test_every_entry_is_offered_to_some_role(users):
    offered = {e.route for u in users.values() for _t, entries in menus_for(u) for e in entries}
    declared = {e.route for _t, entries in MENUS for e in entries}
    assert declared == offered


@pytest.mark.parametrize("name", ["tl-leader", "xf-leader"])
def test_a_leader_lands_on_the_dashboard(client, users, name):
    client.force_login(users[name])
    r = client.get("/", follow=True)
    assert r.status_code == 200
    assert r.redirect_chain and r.redirect_chain[-1][0] == "/dashboards/"
