"""What an app's own Excel import returns (resources, supervision, targets, packages): the errors,
each naming its row and column in Chinese, and the counts. One definition, so every import reports
alike; an import that needs more (the target library's preview) extends `ImportResult`."""

from __future__ import annotations

from dataclasses import dataclass, field

from .reader import ReadError, open_workbook


@dataclass
class RowError:
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        where = "".join([f"第{self.row}行" if self.row else "", f"“{self.column}”列" if self.column else ""])
        return f"{where}：{self.message}" if where else self.message


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return f"新增 {self.created} 条，更新 {self.updated} 条，未变 {self.unchanged} 条"


class Rollback(Exception):
    """Raised inside an import's transaction to undo it (errors found, or a dry run)."""


def problems_of(exc: ReadError) -> list[RowError]:
    """The errors a file that cannot be read at all gives, each with its row and column."""
    return [RowError(r, c, m) for r, c, m in exc.problems] or [RowError(None, None, str(exc))]


def first_sheet(data: bytes, result: ImportResult) -> list[list] | None:
    """Every row of the workbook's first sheet (the header first), or None with the reason in
    `result.errors`: a file that is no workbook, a damaged one, an empty sheet."""
    try:
        rows = open_workbook(data).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except ReadError as exc:
        result.errors += problems_of(exc)
        return None
    except Exception:  # noqa: BLE001 - a damaged file is the user's, not our error
        result.errors.append(RowError(None, None, "无法读取该文件：请上传 Excel 工作簿（.xlsx）"))
        return None
    if not rows:
        result.errors.append(RowError(None, None, "工作表是空的"))
        return None
    return rows
