"""How fast the pre-parse checks refuse the workbooks that would take a server down (docs/hardening.md,
exchange/reader.py), measured on files built cheaply with zipfile (exchange/tests/test_limits.py):
a zip bomb (600 MB of sheet XML packed into about 0.6 MB), a sheet of a million rows and a one-cell
sheet whose <dimension> claims A1:XFD1048576. For each: the file's size, the time to refuse it and
the message. calamine is never called (it is replaced by one that fails)."""

import os
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhaoshang.settings")
    django.setup()
    from zhaoshang.exchange import reader
    from zhaoshang.exchange.layouts import PROJECTS
    from zhaoshang.exchange.tests.test_limits import far_corner, million_rows, zip_bomb

    class Refuse:
        @staticmethod
        def from_filelike(*args, **kwargs):
            raise AssertionError("calamine reached")

    reader.CalamineWorkbook = Refuse
    cases = [
        ("zip bomb, 600 MB unpacked", lambda: zip_bomb(600)),
        ("1,000,001 rows", million_rows),
        ("<dimension> A1:XFD1048576", far_corner),
    ]
    for label, build in cases:
        t0 = time.perf_counter()
        data = build()
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            reader.read_sheet(data, PROJECTS)
        except reader.ReadError as exc:
            message = exc.problems[0][2]
        else:
            raise SystemExit(f"{label}: not refused")
        took = time.perf_counter() - t0
        print(
            f"{label:28} {len(data) / 1024:9.0f} KB  built {built:5.2f} s  refused in {took:6.3f} s  {message[:60]}"
        )


if __name__ == "__main__":
    main()
