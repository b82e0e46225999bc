"""`make bench`: every benchmark, each in its own process and scratch database, figures as
ratios measured in one run. BENCH=scoping,ledger,import,assessment picks some; see each module
for its size settings (BENCH_COUNTIES, BENCH_PROJECTS, BENCH_ACTIVITIES, BENCH_IMPORT_ROWS, BENCH_CHAIN_PROJECTS)."""

import os
import subprocess
import sys

ALL = ["scoping", "ledger", "ledger_import", "assessment", "serving", "hardening", "chains", "targets_import"]


def main() -> int:
    chosen = [b.strip() for b in os.environ.get("BENCH", ",".join(ALL)).split(",") if b.strip()]
    chosen = ["ledger_import" if b == "import" else b for b in chosen]
    failed = 0
    for name in chosen:
        if name not in ALL:
            print(f"unknown benchmark {name!r}; choose from {', '.join(ALL)}", file=sys.stderr)
            return 2
        print(f"\n=== benchmarks.{name}", flush=True)
        failed += subprocess.call([sys.executable, "-m", f"benchmarks.{name}"]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
