from typing import Any

from django.core.management.base import BaseCommand

from portal.audit import audit_seal


class Command(BaseCommand):
    help = "立即封存尚未封存的审计记录（通常由定时任务每 5 分钟执行）"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"已封存 {audit_seal()} 条审计记录")
