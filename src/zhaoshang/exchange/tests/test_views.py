"""Upload in the browser: success redirects with counts; errors list every problem and offer an
error workbook that only the uploader can download."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from zhaoshang.fieldwork.models import Activity
from zhaoshang.ledger.models import Project

from .helpers import PROJECT_HEADERS, activities_xlsx, activity_row, project_row, xlsx


def _upload(content: bytes, name: str = "台账.xlsx"):
    return SimpleUploadedFile(
        name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_upload_success(client, users):
    client.force_login(users["xf-office"])
    url = reverse("exchange:import", args=["projects"])
    page = client.get(url)
    assert (
        page.status_code == 200
        and "上传并导入" in page.content.decode()
        and 'name="viewport"' in page.content.decode()
    )
    content = xlsx([project_row({"项目名称": "网页导入项目", "企业名称": "网页导入有限公司"})])
    response = client.post(url, {"file": _upload(content)})
    assert response.status_code == 302 and response["Location"] == reverse("ledger:project_list")
    assert Project.objects.filter(name="网页导入项目").exists()
    page = client.get(response["Location"])
    assert "新建 1 条" in page.content.decode()


def test_upload_errors_and_the_error_workbook(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["xf-office"])
    rows = [
        project_row({"项目名称": "好行", "企业名称": "好行有限公司"}),
        project_row(
            {"项目名称": "坏行", "企业名称": "坏行有限公司", "总投资（万元）": "十万", "项目阶段": "飞天"}
        ),
    ]
    response = client.post(reverse("exchange:import", args=["projects"]), {"file": _upload(xlsx(rows))})
    assert response.status_code == 400
    html = response.content.decode()
    assert "共发现 <strong>2</strong> 处错误" in html and "应为数字，实为“十万”" in html and "第3行" in html
    assert not Project.objects.filter(name="好行").exists()
    token = response.context["token"]
    url = reverse("exchange:error_workbook", args=[token])
    assert url in html
    download = client.get(url)
    assert download.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    header = [c.value for c in ws[1]]
    assert header == [*PROJECT_HEADERS, "错误"]
    errors_cell = ws.cell(row=3, column=ws.max_column).value
    assert "【总投资（万元）】应为数字" in errors_cell and "【项目阶段】" in errors_cell
    col = header.index("总投资（万元）") + 1
    assert ws.cell(row=3, column=col).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(row=3, column=col).value == "十万"
    assert ws.cell(row=2, column=ws.max_column).value is None
    # Nobody else gets it, not even the same county's office colleagues or a superuser.
    for other in ("xf-leader", "tl-office", "admin"):
        client.force_login(users[other])
        assert client.get(url).status_code == 404
    assert client.get("/exchange/errors/..%2F..%2Fsecret_key/").status_code == 404


def test_upload_of_a_non_workbook_is_a_clear_message(client, users):
    client.force_login(users["xf-office"])
    response = client.post(
        reverse("exchange:import", args=["projects"]), {"file": _upload(b"hello", "x.xlsx")}
    )
    assert response.status_code == 400 and "无法读取该文件" in response.content.decode()
    response = client.post(reverse("exchange:import", args=["projects"]), {})
    assert response.status_code == 400 and "请选择" in response.content.decode()


def test_import_page_permissions(client, users):
    url = reverse("exchange:import", args=["projects"])
    for name, status in (("xf-leader", 403), ("xf-inspector", 403), ("xf-team", 200), ("xf-unit", 200)):
        client.force_login(users[name])
        assert client.get(url).status_code == status, name
    client.force_login(users["xf-leader"])
    assert client.post(url, {"file": _upload(xlsx([project_row()]))}).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    assert client.get(reverse("exchange:export", args=["projects"])).status_code == 302


def test_list_pages_link_to_exchange(client, users):
    client.force_login(users["xf-office"])
    html = client.get(reverse("ledger:project_list") + "?stage=started").content.decode()
    assert reverse("exchange:export", args=["projects"]) + "?stage=started" in html
    assert reverse("exchange:import", args=["projects"]) in html


def test_import_page_tells_a_clerk_their_units(client, users):
    client.force_login(users["xf-team"])
    html = client.get(reverse("exchange:import", args=["projects"])).content.decode()
    assert "您可导入的引进单位" in html and "商务局" in html and "大塘埠镇" in html
    assert "日期，如 2024-03-01" in html


def test_activity_upload(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(users["xf-team"])
    url = reverse("exchange:import", args=["activities"])
    html = client.get(url).content.decode()
    assert "从 Excel 导入招商活动" in html and "您可导入的单位" in html and "大塘埠镇" in html
    assert reverse("exchange:template", args=["activities"]) in html and "信息报送" in html
    rows = [activity_row({"地点": "网页上传地"}), activity_row({"单位": "工信局", "日期": "2024-13-01"})]
    response = client.post(url, {"file": _upload(activities_xlsx(rows), "活动.xlsx")})
    assert response.status_code == 400
    html = response.content.decode()
    assert "共发现 <strong>2</strong> 处错误" in html and "不在您的权限范围内" in html and "第3行" in html
    assert not Activity.objects.filter(place="网页上传地").exists()
    ws = load_workbook(
        io.BytesIO(
            b"".join(
                client.get(
                    reverse("exchange:error_workbook", args=[response.context["token"]])
                ).streaming_content
            )
        )
    ).active
    assert [c.value for c in ws[1]][-1] == "错误" and "【单位】" in ws.cell(row=3, column=ws.max_column).value
    response = client.post(url, {"file": _upload(activities_xlsx(rows[:1]), "活动.xlsx")})
    assert response.status_code == 302 and response["Location"] == reverse("fieldwork:activity_list")
    assert Activity.objects.get(place="网页上传地").team == users["xf-team"].membership.team
    assert "新建 1 条" in client.get(response["Location"]).content.decode()
    client.force_login(users["xf-leader"])
    assert client.get(url).status_code == 403
    assert client.get(reverse("exchange:export", args=["activities"])).status_code == 200
