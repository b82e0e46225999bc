"""Files other than the Excel imports are checked before they are kept (docs/hardening.md): a
stage change's 佐证材料 by size, by content and, for Office files, by their zip directory
(core/uploads.py). The Excel workbooks' own pre-parse checks (zip bomb, a 1,048,576-row sheet, a
lying <dimension>) are tested in src/zhaoshang/exchange/tests/test_limits.py with the parser
replaced by one that fails the test."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from zhaoshang.core.uploads import validate_evidence

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _docx(member_bytes: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", member_bytes)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [("合同.pdf", PDF), ("现场.png", PNG), ("报告.docx", _docx(b"<w:document/>"))],
)
def test_documents_and_pictures_pass(name, content):
    validate_evidence(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("网页.pdf", b"<html><script>alert(1)</script></html>", "不是可接受的文件"),
        ("程序.exe", b"MZ\x90\x00" + b"\x00" * 60, "不是可接受的文件"),
        ("改名.png", PDF, "扩展名与内容一致"),  # a PDF named as a picture
        ("坏的.docx", b"PK\x03\x04garbage", "文件已损坏"),
    ],
)
def test_other_files_are_refused_by_content(name, content, says):
    with pytest.raises(ValidationError) as refused:
        validate_evidence(SimpleUploadedFile(name, content))
    assert says in refused.value.messages[0] and name in refused.value.messages[0]


@override_settings(ZHAOSHANG_EVIDENCE_MAX_MB=1)
def test_a_file_over_the_size_limit_is_refused_naming_the_setting():
    with pytest.raises(ValidationError) as refused:
        validate_evidence(SimpleUploadedFile("扫描件.pdf", PDF + b"0" * (1024 * 1024)))
    assert "超过上限 1 MB（ZHAOSHANG_EVIDENCE_MAX_MB）" in refused.value.messages[0]


def test_a_zip_bomb_office_file_is_refused_from_its_directory(monkeypatch):
    bomb = _docx(b"\x00" * (11 << 20))  # 11 MB of zeros: about 11 KB packed
    assert len(bomb) < 100_000
    big = _docx(b"x" * (2 << 20))
    # Only the zip's directory is read: never a member's contents.
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a member was unpacked"))
    with pytest.raises(ValidationError) as refused:
        validate_evidence(SimpleUploadedFile("报告.docx", bomb))
    assert "疑似压缩炸弹" in refused.value.messages[0]
    with override_settings(ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB=1), pytest.raises(ValidationError) as refused:
        validate_evidence(SimpleUploadedFile("报告.docx", big))
    assert "解压后超过 1 MB" in refused.value.messages[0]


def _stage_target(project):
    from zhaoshang.ledger.models import STAGE_ORDER, Project

    later = [
        s for s in Project.Stage.values if STAGE_ORDER.get(s, 0) == STAGE_ORDER.get(project.stage, 0) + 1
    ]
    return later[0]


def test_the_stage_page_refuses_a_bad_file_on_its_field_and_stores_nothing(client, users):
    from zhaoshang.ledger.models import Project, StageChange

    user = users["xf-team"]
    project = (
        Project.objects.visible_to(user)
        .exclude(stage__in=[Project.Stage.TERMINATED, Project.Stage.FULL_PRODUCTION])
        .order_by("pk")
        .first()
    )
    before = StageChange.objects.count()
    client.force_login(user)
    response = client.post(
        reverse("ledger:project_stage", args=[project.pk]),
        {
            "stage": _stage_target(project),
            "on": project.registered_on.isoformat(),
            "evidence": SimpleUploadedFile("网页.pdf", b"<html></html>"),
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "佐证材料：佐证材料“网页.pdf”不是可接受的文件" in text
    assert StageChange.objects.count() == before


def test_the_service_refuses_a_bad_file_whichever_channel_calls_it(users):
    from datetime import date

    from zhaoshang.ledger.models import Project
    from zhaoshang.ledger.services import project_advance_stage

    project = Project.objects.visible_to(users["xf-team"]).exclude(stage=Project.Stage.TERMINATED).first()
    with pytest.raises(ValidationError) as refused:
        project_advance_stage(
            project=project,
            stage=_stage_target(project),
            on=date.today(),
            evidence=SimpleUploadedFile("程序.exe", b"MZ\x90\x00"),
        )
    assert "不是可接受的文件" in refused.value.message_dict["evidence"][0]


def test_an_xlsx_bomb_is_refused_from_the_zip_directory_without_unpacking(monkeypatch):
    """The workbook reader refuses what the zip's directory declares before it streams a member
    (a directory that understates is caught while streaming: exchange/tests/test_limits.py)."""
    from zhaoshang.exchange import reader
    from zhaoshang.exchange.layouts import PROJECTS
    from zhaoshang.exchange.tests.test_limits import zip_bomb

    bomb = zip_bomb(3)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a member was unpacked"))
    with pytest.raises(reader.ReadError) as refused:
        reader.read_sheet(bomb, PROJECTS, reader.Limits(max_unzipped_mb=2))
    assert "ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB" in refused.value.problems[0][2]
