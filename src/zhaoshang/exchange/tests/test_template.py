from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from .helpers import ACTIVITY_EXTRA, ACTIVITY_HEADERS, INVESTMENT_HEADERS, PROJECT_HEADERS


def test_template_command_writes_the_exact_headers(tmp_path, db):
    for kind, sheet, headers in (
        ("projects", "项目", PROJECT_HEADERS),
        ("investments", "实际进资", INVESTMENT_HEADERS),
        ("activities", "招商活动", ACTIVITY_HEADERS),
    ):
        out = tmp_path / f"{kind}.xlsx"
        call_command("template", kind, "--out", str(out))
        wb = load_workbook(out)
        ws = wb.worksheets[0]
        assert ws.title == sheet
        assert [c.value for c in ws[1]] == headers
        assert not any(c.value is not None for r in ws.iter_rows(min_row=2) for c in r)  # nothing to import
        assert "填写说明" in wb.sheetnames


def test_template_download_needs_a_role(client, users):
    client.force_login(users["xf-unit"])
    response = client.get(reverse("exchange:template", args=["projects"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert client.get(reverse("exchange:template", args=["nonsense"])).status_code == 404
    client.logout()
    assert client.get(reverse("exchange:template", args=["projects"])).status_code == 302


def test_activity_template_explains_the_extra_columns_and_the_key(tmp_path, db):
    out = tmp_path / "activities.xlsx"
    call_command("template", "activities", "--out", str(out))
    wb = load_workbook(out)
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in wb.worksheets[0].data_validations.dataValidation
    }
    assert "信息报送" in lists["A2"] and lists["E2"] == '"是,否"'
    notes = [r[0].value for r in wb["填写说明"].iter_rows()]
    assert notes[1 : 1 + len(ACTIVITY_HEADERS) + len(ACTIVITY_EXTRA)] == ACTIVITY_HEADERS + ACTIVITY_EXTRA
    assert any("类型 + 单位 + 日期 + 地点 + 企业名称 + 带队领导" in (n or "") for n in notes)
