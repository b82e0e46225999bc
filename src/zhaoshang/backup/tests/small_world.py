"""Builds a small demo world into the configured database, for the backup tests: the testland
policy with a few projects, activities and a month of reports, one published assessment, and a
stored file. Run as `python -m zhaoshang.backup.tests.small_world` with DATABASE_URL and
ZHAOSHANG_DATA set; `... small_world probe` prints what the tests compare, as JSON."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "testland-2024.yaml"
FILE_NAME = "evidence/backup-probe.txt"
FILE_TEXT = "备份恢复探针：同一个文件，恢复后逐字节相同。\n".encode() * 50


def build() -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from zhaoshang.assessment import services
    from zhaoshang.core.changelog import change_context
    from zhaoshang.demo.generator import generate_county
    from zhaoshang.engine.loader import load_policy
    from zhaoshang.org.models import Policy

    spec = load_policy(FIXTURE)
    with change_context(source="system"):
        generate_county(
            spec=spec,
            seed=3,
            prefix="bk-",
            projects_per_holder=0.5,
            activity_scale=0.1,
            report_months=1,
            reminders=False,
        )
        policy = Policy.objects.get(name=spec.name)
        services.publish(services.run(policy, spec.main_period))
    default_storage.save(FILE_NAME, ContentFile(FILE_TEXT))


def probe() -> dict:
    from django.core.files.storage import default_storage

    from zhaoshang.assessment.models import AssessmentRun
    from zhaoshang.backup.archive import table_counts

    run = (
        AssessmentRun.objects.filter(status="published")
        .order_by("pk")
        .values("pk", "period", "result")
        .first()
    )
    with default_storage.open(FILE_NAME) as f:
        data = f.read()
    return {
        "tables": table_counts(),
        "published": run and {"pk": run["pk"], "period": run["period"], "result": run["result"]},
        "file_sha256": hashlib.sha256(data).hexdigest(),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhaoshang.settings")
    import django

    django.setup()
    if sys.argv[1:] == ["probe"]:
        print(json.dumps(probe(), ensure_ascii=False, sort_keys=True))
    else:
        build()
