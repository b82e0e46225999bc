"""Files the platform keeps for users (a stage change's 佐证材料): checked by size, by content and,
for Office files, by their zip's declared contents before anything stores them (docs/hardening.md).
The Excel imports have their own, deeper checks (exchange/reader.py: ZHAOSHANG_IMPORT_MAX_*).

The server never parses these files; the checks keep what it stores to documents and pictures of
a sensible size (a mislabelled web page or program, or a zip bomb for whoever downloads it, is
refused), reading at most the file's first bytes and its zip directory."""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError

# Kinds accepted, by what the file starts with (its "magic"), and the names they may carry.
KINDS = {
    "pdf": (b"%PDF-", {"pdf"}),
    "jpeg": (b"\xff\xd8\xff", {"jpg", "jpeg"}),
    "png": (b"\x89PNG\r\n\x1a\n", {"png"}),
    "office": (b"PK\x03\x04", {"docx", "xlsx", "pptx"}),
    "ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", {"doc", "xls", "ppt"}),
    "ofd": (b"PK\x03\x04", {"ofd"}),  # 版式文件 (GB/T 33190), a zip as well
}
EXTENSIONS = sorted({ext for _, exts in KINDS.values() for ext in exts})
MAX_MEMBERS = 10_000


def evidence_max_bytes() -> int:
    return int(getattr(settings, "ZHAOSHANG_EVIDENCE_MAX_MB", 20)) * 1024 * 1024


def _unzipped_max() -> int:
    return int(getattr(settings, "ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB", 500)) * 1024 * 1024


def validate_evidence(upload) -> None:
    """Refuses, in Chinese, a file over ZHAOSHANG_EVIDENCE_MAX_MB, one that is not a PDF, picture
    or Office/OFD document by its content, one whose name does not match its content, and an
    Office file whose parts would unpack to more than ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB."""
    if not upload:
        return
    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    limit = evidence_max_bytes()
    if size is not None and size > limit:
        raise ValidationError(
            f"佐证材料“{_base(name)}”大小为 {size / 1048576:.1f} MB，超过上限 {limit // 1048576} MB"
            "（ZHAOSHANG_EVIDENCE_MAX_MB），请压缩或拆分后上传",
            code="too_large",
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    head = _head(upload, 16)
    kind = next((k for k, (magic, exts) in KINDS.items() if head.startswith(magic) and ext in exts), None)
    if kind is None:
        raise ValidationError(
            f"佐证材料“{_base(name)}”不是可接受的文件：请上传 PDF、图片（JPG、PNG）或 Office/OFD 文档"
            f"（{'、'.join(EXTENSIONS)}），且文件扩展名与内容一致",
            code="kind",
        )
    if head.startswith(b"PK\x03\x04"):
        _check_zip(upload, name)


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1][:80]


def _head(upload, n: int) -> bytes:
    try:
        upload.seek(0)
        data = upload.read(n)
        upload.seek(0)
    except (OSError, ValueError):
        return b""
    return data or b""


def _check_zip(upload, name: str) -> None:
    """Reads only the zip's central directory: the sizes it declares, never the contents."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise ValidationError(
                    f"佐证材料“{_base(name)}”内含文件过多，内容异常，未保存", code="members"
                )
            total = sum(m.file_size for m in members)
            if total > _unzipped_max():
                raise ValidationError(
                    f"佐证材料“{_base(name)}”解压后超过 {_unzipped_max() // 1048576} MB"
                    "（ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB），内容异常，未保存",
                    code="unzipped",
                )
            for m in members:
                if m.compress_size and m.file_size / m.compress_size > 1000 and m.file_size > 10 << 20:
                    raise ValidationError(
                        f"佐证材料“{_base(name)}”压缩比异常（疑似压缩炸弹），未保存", code="ratio"
                    )
    except zipfile.BadZipFile:
        raise ValidationError(
            f"佐证材料“{_base(name)}”文件已损坏，无法识别，未保存", code="corrupt"
        ) from None
    finally:
        try:
            upload.seek(0)
        except (OSError, ValueError):
            pass
