"""Print the permission matrix's coverage, per app and in total, as a Markdown table (the figures
in docs/reliability.md): `.venv/bin/python -m tests.security.figures`."""

from __future__ import annotations

import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
    django.setup()
    from tests.security.matrix import figures

    apps = ["portal", "disaster", "hotline", "subsidies", "assistance", "supervision", "admin"]
    print("| app | URL patterns | pattern × method | personas | cells checked |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for app in [*apps, None]:
        f = figures(app)
        name = app or "**total**"
        print(f"| {name} | {f['patterns']} | {f['pattern_methods']} | {f['personas']} | {f['cells']} |")
    print()
    from collections import Counter

    from tests.security.expect import parse
    from tests.security.matrix import MATRIX
    from tests.security.matrix_admin import ADMIN_MATRIX

    outcomes: Counter[str] = Counter()
    for _obj, cells in {**MATRIX, **ADMIN_MATRIX}.values():
        for cell in cells.values():
            outcomes.update(parse(cell).values())
    print("| outcome | cells |")
    print("| --- | ---: |")
    for outcome, n in outcomes.most_common():
        print(f"| `{outcome}` | {n} |")


if __name__ == "__main__":
    main()
