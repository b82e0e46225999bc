"""`zhaoshang backup` and `zhaoshang restore` end to end, as an operator runs them: each step is the
command in its own process, against databases of its own (a new SQLite file; on PostgreSQL the
databases zs_backup and zs_backup_restore, created here), so nothing the test process holds open
or uncommitted can make a round trip look better than it is."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

SMALL_WORLD = "zhaoshang.backup.tests.small_world"


def _env(database_url: str, data: Path, **extra) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, ZHAOSHANG_DATA=str(data), **extra)
    return env


def _run(env, *args, ok=True):
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=900)
    if ok:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def zhaoshang(env, *args, ok=True):
    return _run(env, "-m", "zhaoshang.cli", *args, ok=ok)


def probe(env) -> dict:
    return json.loads(_run(env, "-m", SMALL_WORLD, "probe").stdout)


def _archive_in(folder: Path) -> Path:
    [archive] = folder.glob("zhaoshang-backup-*.tar.gz")
    return archive


def _round_trip(source, target, tmp_path):
    """Build the small world in source, back it up, restore into target, compare."""
    _run(source, "-m", SMALL_WORLD)
    before = probe(source)
    assert before["published"] and before["published"]["result"]["results"]
    assert before["tables"]["ledger_project"] > 0 and before["tables"]["core_objectchange"] > 0
    out = zhaoshang(source, "backup", "--output", str(tmp_path / "backups")).stdout
    archive = _archive_in(tmp_path / "backups")
    assert f"已备份到 {archive}" in out
    manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())
    assert manifest["tables"] == before["tables"]  # read before the backup's own audit event
    assert "holidays" in manifest["migrations"] and manifest["platform_version"]
    restored = zhaoshang(target, "restore", str(archive)).stdout
    assert "张表的行数与清单一致" in restored
    after = probe(target)
    # Every table, row for row — and the restore itself, one more event in the audit trail.
    assert after["tables"].pop("audit_auditevent") == before["tables"].pop("audit_auditevent") + 1
    assert after["tables"] == before["tables"]
    assert after["published"] == before["published"]  # the published assessment, result JSON and all
    assert after["file_sha256"] == before["file_sha256"]  # the stored file, byte for byte
    return archive, manifest


def test_sqlite_round_trip_refusals_and_an_older_archive(tmp_path):
    src, dst = tmp_path / "source", tmp_path / "target"
    src.mkdir(), dst.mkdir()
    # Files on disk here (MEDIA_ROOT), so the archive's files/ part carries the stored file.
    source = _env(f"sqlite:///{src / 'db.sqlite3'}", src, ZHAOSHANG_FILE_STORAGE="filesystem")
    target = _env(f"sqlite:///{dst / 'restored.sqlite3'}", dst, ZHAOSHANG_FILE_STORAGE="filesystem")
    archive, manifest = _round_trip(source, target, tmp_path)
    assert manifest["database"]["vendor"] == "sqlite" and "database.sqlite3" in manifest["parts"]
    assert "files/evidence/backup-probe.txt" in manifest["parts"]

    # A database with data is not overwritten without --force, and says so in Chinese.
    again = zhaoshang(target, "restore", str(archive), ok=False)
    assert again.returncode != 0 and "当前数据库已有数据" in again.stderr and "--force" in again.stderr
    assert "张表的行数与清单一致" in zhaoshang(target, "restore", str(archive), "--force").stdout

    # A part that does not match the manifest's sha256 is refused before anything is touched.
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as tar, tarfile.open(tampered, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "files/evidence/backup-probe.txt":
                data = data.replace("同一个".encode(), "另一个".encode())
            out.addfile(member, io.BytesIO(data))
    fresh = _env(f"sqlite:///{dst / 'other.sqlite3'}", dst)
    refused = zhaoshang(fresh, "restore", str(tampered), ok=False)
    assert refused.returncode != 0 and "sha256 与清单不符" in refused.stderr
    assert not (dst / "other.sqlite3").exists() or (dst / "other.sqlite3").stat().st_size == 0

    # An archive from an older version (one migration behind the code) is migrated after restoring.
    zhaoshang(source, "migrate", "holidays", "0002", "-v0")  # 2027's statutory holidays not yet shipped
    older = tmp_path / "older"
    zhaoshang(source, "backup", "--output", str(older))
    newer = _env(f"sqlite:///{dst / 'from-older.sqlite3'}", dst)
    zhaoshang(newer, "migrate", "-v0")  # a database only `migrate` has run on counts as empty
    out = zhaoshang(newer, "restore", str(_archive_in(older))).stdout
    assert "已按当前版本执行数据库迁移" in out
    shown = zhaoshang(newer, "calendar", "show", "2027").stdout
    assert "法定节假日（未含调休）" in shown and "2027-02-05" in shown


def _pg_url(name: str) -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.mark.skipif(
    _pg_url("x") is None, reason="DATABASE_URL 不是 PostgreSQL：PostgreSQL 的备份恢复在该库上测试"
)
def test_postgresql_round_trip(tmp_path):
    import psycopg

    def recreate(name):
        admin = _pg_url("postgres")
        with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    version = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=True).stdout
    assert " 15." in version  # the client matches the server here (PostgreSQL 15)
    recreate("zs_backup")
    recreate("zs_backup_restore")
    src, dst = tmp_path / "source", tmp_path / "target"
    src.mkdir(), dst.mkdir()
    # Files in the database (the default storage), so pg_dump carries the stored file.
    source = _env(_pg_url("zs_backup"), src)
    target = _env(_pg_url("zs_backup_restore"), dst)
    archive, manifest = _round_trip(source, target, tmp_path)
    assert manifest["database"]["vendor"] == "postgresql" and "database.dump" in manifest["parts"]
    with tarfile.open(archive) as tar:
        assert tar.extractfile("database.dump").read(5) == b"PGDMP"  # pg_dump's custom format
    again = zhaoshang(target, "restore", str(archive), ok=False)
    assert "当前数据库已有数据" in again.stderr
