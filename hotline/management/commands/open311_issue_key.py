"""Issue an Open311 API key to a client application; the key is printed on the last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.services.open311 import open311_key_issue
from portal.errors import RuleViolation


class Command(BaseCommand):
    help = "为 Open311 客户端签发 API 密钥（密钥只显示这一次，打印在最后一行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("client", help="客户端应用名称")
        parser.add_argument("--contact", default="", help="联系人")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client, key = open311_key_issue(
                name=options["client"], contact=options["contact"], actor="manage.py"
            )
        except RuleViolation as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"已为「{client.name}」签发 Open311 API 密钥（前缀 {client.key_prefix}，请妥善保存，只显示一次）："
        )
        self.stdout.write(key)
