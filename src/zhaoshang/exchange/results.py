"""What an app's own Excel import returns (resources, supervision, targets, packages): the errors,
each naming its row and column in Chinese, and the counts. One definition, so every import reports
alike; an import that needs more (the target library's preview) extends `ImportResult`."""

from __future__ import annotations

from dataclasses import dataclass, field


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
