"""The `zhaoshang` command: everything a user does outside the browser.

It is Django's management utility under a friendlier name, with the project's own commands
spelled the way an office would type them (`zhaoshang demo-data`, `zhaoshang policy check`).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhaoshang.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1:
        args[1] = args[1].replace("-", "_") if args[1] in {"demo-data"} else args[1]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zhaoshang", *args[1:]])


if __name__ == "__main__":
    main()
