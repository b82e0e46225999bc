"""Set-up and shell: the command line, settings from the environment, migrations, the API
schema, offline static assets, demo data."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from zhaoshang.demo.generator import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[1]


def test_migrations_are_complete(db):
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_policy_check_command_passes_on_all_five(capsys):
    call_command("policy", "check")
    out = capsys.readouterr().out
    for name in ("xinfeng-2024", "xinfeng-2023-100days", "jinxi-2021", "xiayi-2023-2025", "sanming-2021"):
        assert f"通过 {name}" in out


def test_policy_check_command_fails_on_a_broken_file(tmp_path, capsys):
    text = (
        (ROOT / "policies" / "xinfeng-2024.yaml")
        .read_text(encoding="utf-8")
        .replace("lead_unit: 商务局", "lead_unit: 商务厅", 1)
    )
    bad = tmp_path / "xinfeng-2024.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="未通过校验"):
        call_command("policy", "check", str(bad))
    err = capsys.readouterr().err
    assert re.search(r"xinfeng-2024\.yaml:\d+ \[teams\[0\]\.lead_unit\] 未声明的单位“商务厅”", err)


def test_policy_load_is_idempotent(db, capsys):
    call_command("policy", "load", "xinfeng-2024")
    assert "新建：无；更新：无" in capsys.readouterr().out


def test_policy_load_keeps_the_offices_rename_of_a_placeholder(db):
    from zhaoshang.org.models import Team

    team = Team.objects.get(policy__name="testland-2024", key="group-2")
    team.name = "招商二组（办公室命名）"
    team.save()
    call_command("policy", "load", str(ROOT / "tests" / "fixtures" / "testland-2024.yaml"))
    team.refresh_from_db()
    assert team.name == "招商二组（办公室命名）"


def test_console_script_honours_database_url(tmp_path):
    """`zhaoshang` runs Django against DATABASE_URL, as every command must."""
    db = tmp_path / "x.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "ZHAOSHANG_DATA": str(tmp_path)}
    code = "from zhaoshang.cli import main; main(['zhaoshang', 'migrate', '--noinput', '-v0'])"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    assert db.exists() and db.stat().st_size > 0
    out = subprocess.run(
        [sys.executable, "-c", "from zhaoshang.cli import main; main(['zhaoshang', 'policy', 'list'])"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "xinfeng-2024" in out


def test_openapi_schema_covers_every_endpoint(client, users):
    client.force_login(users["xf-office"])
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for prefix in (
        "jurisdictions",
        "policies",
        "units",
        "people",
        "teams",
        "groups",
        "targets",
        "enterprises",
        "projects",
        "investments",
        "activities",
        "reports",
        "changes",
    ):
        assert f"/api/{prefix}/" in paths and f"/api/{prefix}/{{id}}/" in paths


def test_pages_fetch_nothing_from_outside(client, users):
    client.force_login(users["xf-office"])
    for url in ("/", reverse("org:team_list"), reverse("login")):
        html = client.get(url).content.decode()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), url
    css = (ROOT / "src/zhaoshang/core/static/zhaoshang/vendor/pico-2.1.1.red.min.css").read_text()
    assert not re.search(r"@import|url\((?!\"?data:)", css)


def test_static_files_are_served(client):
    response = client.get("/static/zhaoshang/vendor/htmx-2.0.8.min.js")
    assert response.status_code == 200


def test_login_page_and_phone_viewport(client, users):
    html = client.get(reverse("login")).content.decode()
    assert 'name="viewport" content="width=device-width' in html and "登录" in html
    response = client.post(reverse("login"), {"username": "xf-office", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post(reverse("login"), {"username": "xf-office", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_home_shows_the_users_place(client, users):
    client.force_login(users["xf-team"])
    html = client.get("/").content.decode()
    assert "团队联络员" in html and "第一产业招商兵团" in html


def test_policy_page_lists_every_rule_with_its_clause(client, users):
    from zhaoshang.org.models import Policy

    policy = Policy.objects.get(name="xinfeng-2024")
    client.force_login(users["xf-leader"])
    html = client.get(reverse("org:policy_detail", args=[policy.pk])).content.decode()
    spec = policy.spec()
    for rule in spec.rules:
        assert f'id="rule-{rule.id}"' in html
    assert html.count('class="clause"') >= len(spec.rules)
    assert "诫勉谈话" in html and "2.5‰" in html or "0.0025" in html


def test_team_page_shows_attachment_1_row(client, users):
    from zhaoshang.org.models import Team

    team = Team.objects.get(policy__name="xinfeng-2024", key="corps-03")
    client.force_login(users["xf-office"])
    html = client.get(reverse("org:team_detail", args=[team.pk])).content.decode()
    for text in (
        "第三产业招商兵团",
        "农特产品精深加工",
        "钟小春",
        "卢华文",
        "农业农村局",
        "水利局",
        "正平镇",
        "得利斯",
        "40000万元",
    ):
        assert text in html, text


def test_404_and_403_pages_are_chinese(client, users):
    client.force_login(users["xf-leader"])
    assert "页面或记录不存在" in client.get("/org/unit/999999/").content.decode()


def test_demo_data_is_reproducible(db):
    from zhaoshang.demo.generator import _county_records, _Maker
    from zhaoshang.engine import find_policy, load_policy
    from zhaoshang.ledger import uscc
    from zhaoshang.org.models import Policy

    spec = load_policy(find_policy("xinfeng-2024"))
    policy = Policy.objects.get(name="xinfeng-2024")

    def names(seed):
        ents, projects, *_ = _county_records(
            _Maker(seed), policy, spec, projects_per_holder=0.5, activity_scale=0.05, report_months=1
        )
        return [(e.name, e.uscc) for e in ents], [p.stage for p in projects]

    a, b, c = names("1:x"), names("1:x"), names("2:x")
    assert a == b and a != c
    assert all(uscc.is_valid(code) for _, code in a[0])
    assert {s for s in a[1]} >= {"lead", "negotiating", "signed", "started", "production"}


def test_demo_logins_cover_every_role(db):
    from zhaoshang.org.models import Membership

    roles = set(Membership.objects.values_list("role", flat=True))
    business = {"office", "team_clerk", "unit_clerk", "support_unit", "leader", "inspector", "city"}
    # and one of each of the three administrators (三员分立), who hold no business role
    assert roles == business | {"system_admin", "security_admin", "audit_admin"}


def test_500_page_renders_without_the_database(rf):
    from zhaoshang.core.views import error_500

    response = error_500(rf.get("/"))
    assert response.status_code == 500 and "系统错误" in response.content.decode()


def test_demo_data_at_province_scale(db):
    """`demo-data --scale province`: counties under 示范省, each with its own policy, ledger and
    valid USCC codes, and an office login for the province that sees them all."""
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from zhaoshang.ledger import uscc
    from zhaoshang.ledger.models import Enterprise, Project
    from zhaoshang.org.models import Jurisdiction, Policy

    out = io.StringIO()
    args = [
        "--policy",
        "xinfeng-2024",
        "--scale",
        "province",
        "--counties",
        "3",
        "--projects-per-holder",
        "0.2",
    ]
    call_command("demo_data", *args, stdout=out)
    counties = Jurisdiction.objects.filter(
        path__startswith=Jurisdiction.objects.get(code="990000").path, level="county"
    )
    assert counties.count() == 3
    for county in counties:
        assert Policy.objects.filter(jurisdiction=county).count() == 1
        assert Project.objects.filter(jurisdiction=county).exists()
    codes = Enterprise.objects.filter(jurisdiction__in=counties).values_list("uscc", flat=True)
    assert codes and all(uscc.is_valid(c) for c in codes)
    office = get_user_model().objects.get(username="province-office")
    assert (
        Project.objects.visible_to(office).count()
        == Project.objects.filter(jurisdiction__in=counties).count()
    )
    before = Project.objects.count()
    call_command("demo_data", *args, stdout=io.StringIO())  # existing counties are kept as they are
    assert Project.objects.count() == before


def test_demo_data_runs_again_without_harm_where_two_policies_share_a_county(db):
    """Xinfeng's two policies share the county and its ledger: generating the second one, then
    generating it again, neither collides with the first nor doubles anything."""
    from zhaoshang.demo.generator import generate_county
    from zhaoshang.engine import find_policy, load_policy
    from zhaoshang.ledger.models import Enterprise

    spec = load_policy(find_policy("xinfeng-2023-100days"))
    kw = {"spec": spec, "seed": 3, "prefix": "hd-", "projects_per_holder": 0.2, "activity_scale": 0.02,
          "report_months": 1, "reminders": False}  # fmt: skip
    first = generate_county(**kw)
    assert first.counts.get("企业（客商）", 0) > 0
    count = Enterprise.objects.count()
    again = generate_county(**kw)
    assert not again.counts and Enterprise.objects.count() == count
    assert {login.username for login in again.logins} >= {"hd-office"}


def test_demo_data_command_publishes_the_main_period(db):
    import io

    from django.core.management import call_command

    from zhaoshang.assessment.models import AssessmentRun

    out = io.StringIO()
    call_command("demo_data", "--policy", "xinfeng-2024", "--prefix", "xf-", stdout=out)
    assert "已存在，未重复生成" in out.getvalue() and "已计算并发布考核结果：2024" in out.getvalue()
    run = AssessmentRun.objects.get(policy__name="xinfeng-2024", period="2024", status="published")
    out = io.StringIO()
    call_command("demo_data", "--policy", "xinfeng-2024", "--prefix", "xf-", stdout=out)
    assert "已计算并发布" not in out.getvalue()  # a published period is left alone
    assert AssessmentRun.objects.filter(policy__name="xinfeng-2024", period="2024").get() == run


def test_openapi_schema_has_no_warnings(tmp_path):
    """Every endpoint is described (no guessed serializers, no two components of one name)."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").stat().st_size > 10000
