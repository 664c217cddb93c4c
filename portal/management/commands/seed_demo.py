"""Load demo data idempotently: the personas, then each app's `demo.seed()` if it has one.

Running it twice changes nothing the second time. Apps contribute through a module
`<app>/demo.py` with `seed(stdout) -> list[tuple[str, str]]` returning extra demo accounts
(username, what they can do) to print.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.notifications import notify
from portal.personas import DEMO_PASSWORD, PERSONAS, ensure_persona


class Command(BaseCommand):
    help = "加载演示数据（可重复运行）并打印演示账号"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-accounts", action="store_true", help="不打印演示账号")

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = []
        with transaction.atomic():
            for persona in PERSONAS:
                user = ensure_persona(persona)
                accounts.append((persona.username, persona.description))
                notify(
                    [user],
                    title="欢迎使用驻马店市政务运行平台",
                    body="这是演示环境。首页显示您的待办时限和未读通知。",
                    url="/",
                    dedupe_key="demo:welcome",
                )
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if config.name == "portal" or find_spec(config.name) is None:
                continue
            if find_spec(module_name) is None:
                continue
            module = import_module(module_name)
            self.stdout.write(f"演示数据：{config.verbose_name} …")
            extra = module.seed(stdout=self.stdout) or []
            accounts.extend(extra)
        width = max(len(u) for u, _ in accounts)
        lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
        lines += [f"  {username.ljust(width)}  {description}" for username, description in accounts]
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        (settings.VAR_DIR / "demo-accounts.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if not options["quiet_accounts"]:
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(lines[0]))
            for line in lines[1:]:
                self.stdout.write(line)
