"""`zhaoshang backup` and `zhaoshang restore`: one archive with the database, the stored files and
a manifest.

The archive (`zhaoshang-backup-<time>.tar.gz`) holds:

- `database.dump` — PostgreSQL: `pg_dump --format=custom` of the configured database, run with
  DATABASE_URL's host, port, user, password and name; or `database.sqlite3` — SQLite: a
  consistent copy made with SQLite's online backup API while the server runs;
- `files/…` — everything under MEDIA_ROOT (files kept on disk; with the default database storage,
  `ops.StoredFile`, the files are rows of the database part);
- `manifest.json` — when, the platform and Django versions, the database vendor, the migrations
  applied, the row count of every table and the sha256 and size of every part.

`restore` checks the manifest and every hash first, refuses a non-empty database without
`force`, restores (`pg_restore --clean --if-exists`, or replaces the SQLite file), puts the files
back, runs `migrate` when the archive's migrations are older than the code's, and compares every
table's row count with the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import django
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

import zhaoshang

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """A refusal or failure, said in Chinese."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _vendor() -> str:
    return connection.vendor  # "postgresql" or "sqlite"


def _pg_env_args(sd: dict) -> tuple[dict, list[str]]:
    env = dict(os.environ)
    if sd.get("PASSWORD"):
        env["PGPASSWORD"] = str(sd["PASSWORD"])
    args = []
    if sd.get("HOST"):
        args += ["--host", str(sd["HOST"])]
    if sd.get("PORT"):
        args += ["--port", str(sd["PORT"])]
    if sd.get("USER"):
        args += ["--username", str(sd["USER"])]
    return env, args


def _run(cmd: list[str], env: dict, what: str) -> None:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"找不到 {cmd[0]}：请安装与数据库服务器同版本的 PostgreSQL 客户端") from None
    if done.returncode != 0:
        raise BackupError(f"{what}失败（{cmd[0]} 退出码 {done.returncode}）：{done.stderr.strip()[-500:]}")


def table_counts() -> dict[str, int]:
    """Rows in every table of the platform's models (and Django's own), by table name."""
    names = sorted(connection.introspection.table_names(include_views=False))
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cur:
        for name in names:
            cur.execute(f"SELECT COUNT(*) FROM {qn(name)}")  # noqa: S608 - names from introspection
            counts[name] = cur.fetchone()[0]
    return counts


def applied_migrations() -> dict[str, list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    out: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        out.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(out.items())}


def code_migrations() -> dict[str, list[str]]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    out: dict[str, list[str]] = {}
    for app, name in loader.disk_migrations:
        out.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(out.items())}


def _sqlite_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in sorted(names)}  # noqa: S608
    finally:
        conn.close()


def _dump_database(dest_dir: Path) -> tuple[Path, dict[str, int], dict[str, list[str]]]:
    """The database part, with the row counts and migrations of the very state it holds: on
    PostgreSQL pg_dump reads the snapshot this connection exported, in which they are counted;
    on SQLite they are counted in the copy."""
    sd = connection.settings_dict
    if _vendor() == "postgresql":
        out = dest_dir / "database.dump"
        env, args = _pg_env_args(sd)
        connection.ensure_connection()
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cur.execute("SELECT pg_export_snapshot()")
                snapshot = cur.fetchone()[0]
            counts, migrations = table_counts(), applied_migrations()
            cmd = ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", *args]
            _run([*cmd, "--file", str(out), sd["NAME"]], env, "导出数据库")
        return out, counts, migrations
    if _vendor() == "sqlite":
        out = dest_dir / "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(out)
        try:
            connection.connection.backup(target)  # SQLite's online backup: a consistent copy
        finally:
            target.close()
        migrations: dict[str, list[str]] = {}
        conn = sqlite3.connect(out)
        try:
            for app, name in conn.execute("SELECT app, name FROM django_migrations"):
                migrations.setdefault(app, []).append(name)
        finally:
            conn.close()
        return out, _sqlite_counts(out), {a: sorted(n) for a, n in sorted(migrations.items())}
    raise BackupError(f"不支持的数据库：{_vendor()}")


@dataclass
class BackupResult:
    path: Path
    manifest: dict


def backup(output_dir: Path | None = None, *, now: datetime | None = None) -> BackupResult:
    """Write one archive into output_dir (ZHAOSHANG_BACKUP_DIR by default) and return it."""
    output_dir = Path(output_dir or settings.ZHAOSHANG_BACKUP_DIR)
    output_dir.mkdir(parents=True, exist_ok=True)
    now = now or timezone.now()
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix="zs-backup-") as tmp:
        tmp = Path(tmp)
        db_part, counts, migrations = _dump_database(tmp)
        parts = {db_part.name: {"sha256": _sha256(db_part), "size": db_part.stat().st_size}}
        media = Path(settings.MEDIA_ROOT)
        files = []
        if media.is_dir():
            for p in sorted(media.rglob("*")):
                if p.is_file():
                    rel = p.relative_to(media).as_posix()
                    files.append((p, f"files/{rel}"))
                    parts[f"files/{rel}"] = {"sha256": _sha256(p), "size": p.stat().st_size}
        manifest = {
            "format": FORMAT,
            "created": now.isoformat(),
            "platform_version": zhaoshang.__version__,
            "django_version": django.get_version(),
            "database": {"vendor": _vendor(), "name": str(connection.settings_dict["NAME"])},
            "file_storage": getattr(settings, "ZHAOSHANG_FILE_STORAGE", "filesystem"),
            "migrations": migrations,
            "tables": counts,
            "parts": parts,
        }
        final = output_dir / f"zhaoshang-backup-{stamp}.tar.gz"
        partial = final.with_name(final.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_part, arcname=db_part.name)
            for path, arcname in files:
                tar.add(path, arcname=arcname)
        os.replace(partial, final)  # a half-written archive never carries the final name
    return BackupResult(final, manifest)


# --- Restore ---------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.getmember(MANIFEST)
            return json.loads(tar.extractfile(member).read())
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"不是有效的备份文件（{archive}）：{exc}") from None


def _extract_checked(archive: Path, dest: Path) -> dict:
    manifest = read_manifest(archive)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 不受支持（本版本为 {FORMAT}）")
    with tarfile.open(archive, "r:gz") as tar:
        names = set()
        for m in tar.getmembers():
            if m.name == MANIFEST:
                continue
            if not m.isfile() or m.name.startswith("/") or ".." in Path(m.name).parts:
                raise BackupError(f"备份文件中有不安全的条目：{m.name}")
            names.add(m.name)
        expected = set(manifest["parts"])
        if names != expected:
            missing, extra = sorted(expected - names), sorted(names - expected)
            raise BackupError(f"备份文件与清单不符：缺少 {missing[:5]}，多出 {extra[:5]}")
        tar.extractall(dest, filter="data")
    for name, part in manifest["parts"].items():
        if _sha256(dest / name) != part["sha256"]:
            raise BackupError(f"校验失败：{name} 的 sha256 与清单不符，备份文件已损坏或被修改")
    return manifest


# What makes a database one somebody uses: accounts, jurisdictions, a change log. Rows that
# `migrate` itself writes (content types, permissions, the holiday calendar, the audit chain's
# head) do not count, so a freshly migrated database is empty.
_DATA_TABLES = ("auth_user", "org_jurisdiction", "core_objectchange")


def database_is_empty() -> bool:
    """No accounts, jurisdictions or change-log entries (a table that is missing counts as empty)."""
    counts = table_counts()
    return all(counts.get(t, 0) == 0 for t in _DATA_TABLES)


def _restore_postgresql(dump: Path) -> None:
    sd = connection.settings_dict
    connections.close_all()
    env, args = _pg_env_args(sd)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            "--dbname",
            sd["NAME"],
            str(dump),
        ],
        env,
        "恢复数据库",
    )


def _restore_sqlite(copy: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    connections.close_all()
    if name in ("", ":memory:") or name.startswith("file:"):
        raise BackupError("当前数据库是内存数据库，无法恢复到文件；请设置 DATABASE_URL=sqlite:///路径")
    target = Path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(copy, staged)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(staged, target)


def _restore_files(src: Path) -> int:
    media = Path(settings.MEDIA_ROOT)
    if not src.is_dir():
        return 0
    n = 0
    for p in sorted(src.rglob("*")):
        if p.is_file():
            dest = media / p.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest)
            n += 1
    return n


@dataclass
class RestoreResult:
    manifest: dict
    files: int
    migrated: bool
    mismatches: dict[str, tuple[int, int]]


def restore(archive: Path, *, force: bool = False, migrate=None) -> RestoreResult:
    """Restore the archive into the configured database and MEDIA_ROOT. `migrate` is called (no
    arguments) when the archive's migrations are behind the code's."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    with tempfile.TemporaryDirectory(prefix="zs-restore-") as tmp:
        tmp = Path(tmp)
        manifest = _extract_checked(archive, tmp)
        vendor = manifest["database"]["vendor"]
        code = code_migrations()
        unknown = sorted(
            f"{app}.{name}"
            for app, names in manifest["migrations"].items()
            for name in names
            if name not in code.get(app, [])
        )
        if unknown:
            raise BackupError(
                f"备份来自更新版本的平台（{manifest.get('platform_version')}，含本版本没有的迁移 "
                f"{'、'.join(unknown[:5])}），请先升级平台再恢复"
            )
        if vendor != _vendor():
            raise BackupError(f"备份来自 {vendor} 数据库，当前配置的是 {_vendor()}，不能直接恢复")
        try:
            empty = database_is_empty()
        except Exception:  # noqa: BLE001 - a database without tables is empty
            empty = True
        if not empty and not force:
            raise BackupError("当前数据库已有数据，恢复将覆盖全部现有数据。确认覆盖请加 --force")
        if vendor == "postgresql":
            _restore_postgresql(tmp / "database.dump")
        else:
            _restore_sqlite(tmp / "database.sqlite3")
        files = _restore_files(tmp / "files")
    connections.close_all()
    restored = applied_migrations()
    mismatches = {}
    counts = table_counts()
    for table, want in manifest["tables"].items():
        got = counts.get(table)
        if got != want:
            mismatches[table] = (want, got)
    behind = any(set(names) - set(restored.get(app, [])) for app, names in code.items())
    migrated = False
    if behind and migrate is not None:
        migrate()
        migrated = True
    return RestoreResult(manifest, files, migrated, mismatches)
