"""The generic list page (core/object_list.html, ObjectListView): the filter form every list
loads on demand, the chips of what is applied, the links that keep the query, and the cells a
phone shows as cards."""

from __future__ import annotations

import re

import pytest
from django.urls import URLResolver, get_resolver, reverse

from zhaoshang.core.views import ObjectListView


def _list_routes(patterns=None, namespace=""):
    """(route name, view class) of every page built on ObjectListView."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _list_routes(p.url_patterns, ns)
            continue
        view = getattr(p.callback, "view_class", None)
        if view is not None and issubclass(view, ObjectListView) and p.name:
            yield f"{namespace}{p.name}", view


LISTS = sorted(set(_list_routes()), key=lambda r: r[0])
FILTERED = [(name, view) for name, view in LISTS if view.filterset_class is not None]


def test_the_routes_are_found():
    names = {name for name, _ in FILTERED}
    assert {"ledger:project_list", "ledger:enterprise_list", "fieldwork:activity_list"} <= names
    assert len(FILTERED) > 20


@pytest.mark.parametrize("route", [name for name, _ in FILTERED])
def test_every_list_answers_its_filter_form(client, users, route):
    for login in ("xf-office", "xf-team"):
        client.force_login(users[login])
        page = client.get(reverse(route))
        if login != "xf-office" and page.status_code == 403:
            continue  # a list this role may not open at all
        assert page.status_code == 200, (login, route)
        html = page.content.decode()
        # The loader sits in the form but swaps itself, not the results (htmx inheritance).
        loader = re.search(r'<div class="muted filter-loader"([^>]*)>', html)
        assert loader, (login, route)
        attrs = loader.group(1)
        for attr in ('hx-target="this"', 'hx-select="unset"', 'hx-swap="outerHTML"', 'hx-push-url="false"'):
            assert attr in attrs, (login, route, attr)
        assert "_filters=1" in attrs
        assert 'hx-disinherit="*"' in html
        response = client.get(reverse(route), {"_filters": "1"})
        assert response.status_code == 200, (login, route)
        partial = response.content.decode()
        assert "<html" not in partial and '<div class="filters">' in partial, (login, route)
        fields = re.findall(r'<(?:select|input)[^>]* name="([^"]+)"', partial)
        assert fields and "q" not in fields, (login, route, fields)
        assert '<button type="submit"' in partial


def test_chips_name_each_filter_and_clear_all_keeps_the_sort(client, users):
    client.force_login(users["xf-office"])
    url = reverse("ledger:project_list")
    html = client.get(
        url,
        {"q": "项目", "stage": "signed", "min_investment": "1000", "sort": "-name", "page": "2", "unit": ""},
    ).content.decode()
    chips = dict(re.findall(r'<a class="chip" href="\?([^"]*)"[^>]*>([^<]*)</a>', html))
    by_label = {label.split("：")[0]: href for href, label in chips.items()}
    # Each chip drops its own parameter, the page and empty ones; keeps the rest.
    assert by_label["项目阶段"] == "q=%E9%A1%B9%E7%9B%AE&amp;min_investment=1000&amp;sort=-name"
    assert by_label["总投资不低于（万元）"] == "q=%E9%A1%B9%E7%9B%AE&amp;stage=signed&amp;sort=-name"
    assert by_label["搜索"] == "stage=signed&amp;min_investment=1000&amp;sort=-name"
    assert '筛选条件<span id="filter-count">（已选 2 项）</span>' in html
    clear = re.search(r'<a class="chip chip-clear" href="\?([^"]*)"[^>]*>清除全部</a>', html)
    assert clear and clear.group(1) == "sort=-name"
    # The form keeps the sort for its next change; sort and page links keep the search and filters.
    assert '<input type="hidden" name="sort" value="-name">' in html
    sort_link = re.search(r'<th class="sortable"><a href="\?([^"]*sort=-?name)"', html).group(1)
    assert sort_link == "q=%E9%A1%B9%E7%9B%AE&amp;stage=signed&amp;min_investment=1000&amp;sort=name"
    assert "unit=" not in html.split('<div id="results">')[1].split("</table>")[0]


def test_no_chip_and_no_clear_all_without_filters(client, users):
    client.force_login(users["xf-office"])
    html = client.get(reverse("ledger:project_list")).content.decode()
    assert 'class="chip' not in html and "清除全部" not in html and "（已选" not in html


def test_a_page_link_keeps_search_filters_and_sort(client, users):
    client.force_login(users["xf-office"])
    html = client.get(reverse("ledger:project_list"), {"sort": "name", "q": "项目"}).content.decode()
    next_link = re.search(r'<a href="\?([^"]*)" rel="next">下一页</a>', html)
    assert next_link, "the test county should fill more than one page of 项目"
    assert next_link.group(1) == "q=%E9%A1%B9%E7%9B%AE&amp;sort=name&amp;page=2"


def test_each_cell_carries_its_header_and_the_link_is_the_cards_title(client, users):
    from zhaoshang.ledger.views import ContactPersonListView, ProjectListView

    client.force_login(users["xf-office"])
    html = client.get(reverse("ledger:project_list")).content.decode()
    row = re.search(r"<tbody>\s*(<tr>.*?</tr>)", html, re.S).group(1)
    cells = re.findall(r"<td([^>]*)>", row)
    assert len(cells) == len(ProjectListView.columns)
    assert cells[0] == ' class="card-title" data-label="项目名称"'
    assert [re.search(r'data-label="([^"]*)"', c).group(1) for c in cells] == [
        c.header for c in ProjectListView.columns
    ]
    assert re.search(r'<td class="card-title" data-label="项目名称"><a href="/ledger/project/\d+/">', row)
    # The title is the linked column, wherever it stands (联系人 is the second).
    html = client.get(reverse("ledger:contactperson_list")).content.decode()
    row = re.search(r"<tbody>\s*(<tr>.*?</tr>)", html, re.S).group(1)
    title = ContactPersonListView.columns[1].header
    assert f'<td class="card-title" data-label="{title}"><a href=' in row
    assert row.count("card-title") == 1


def test_a_header_is_escaped_in_its_label(client, users, monkeypatch):
    from zhaoshang.core.views import Col
    from zhaoshang.ledger.views import ProjectListView

    columns = [Col('名称"<b>', "name", link=True), *ProjectListView.columns[1:]]
    monkeypatch.setattr(ProjectListView, "columns", columns)
    client.force_login(users["xf-office"])
    html = client.get(reverse("ledger:project_list")).content.decode()
    assert 'data-label="名称&quot;&lt;b&gt;"' in html and 'data-label="名称"<b>' not in html


def test_a_yes_no_filter_offers_all_yes_and_no(client, users):
    client.force_login(users["xf-team"])
    html = client.get(reverse("fieldwork:report_list") + "?_filters=1").content.decode()
    select = re.search(r'<select name="submitted"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == ["全部", "是", "否"]
    # 全部 narrows nothing; 否 keeps only what is not submitted.
    every = client.get(reverse("fieldwork:report_list")).content.decode()
    count = re.search(r"共 (\d+) 条", every).group(1)
    assert (
        f"共 {count} 条"
        in client.get(reverse("fieldwork:report_list") + "?submitted=unknown").content.decode()
    )
