"""Job kinds for the tests only: imported by the tests and by the workers they start."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.db import OperationalError

from zhaoshang.jobs.registry import register


@register("test_sleep", "测试：耗时任务")
def sleep(run, *, seconds: float = 1.0, log: str = "", steps: int = 4):
    """Sleeps in steps; writes "start pid" and "end pid" lines to `log`, so a test can count how
    many times it began and how many times it finished."""
    if log:
        with open(log, "a") as f:
            f.write(f"start {os.getpid()}\n")
    for i in range(steps):
        run.progress(int(100 * i / steps), f"第 {i + 1} 步")
        time.sleep(seconds / steps)
    if log:
        with open(log, "a") as f:
            f.write(f"end {os.getpid()}\n")
    return {"summary": "睡醒了"}


@register("test_flaky", "测试：偶发数据库错误")
def flaky(run, *, marker: str, failures: int = 1):
    """Fails with a database OperationalError the first `failures` times (counted in `marker`)."""
    path = Path(marker)
    count = int(path.read_text()) if path.exists() else 0
    path.write_text(str(count + 1))
    if count < failures:
        raise OperationalError("server closed the connection unexpectedly")
    return {"summary": f"第 {count + 1} 次成功"}


@register("test_broken", "测试：程序错误")
def broken(run):
    raise RuntimeError("boom")
