from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audit import audit_verify


class Command(BaseCommand):
    help = "校验审计链：报告被改动、被删除或超时未封存的审计记录（发现问题时退出码为 1）"

    def handle(self, *args: Any, **options: Any) -> None:
        problems = audit_verify()
        if not problems:
            self.stdout.write(self.style.SUCCESS("审计链完整：未发现改动、缺失或超时未封存的记录。"))
            return
        for problem in problems:
            self.stdout.write(self.style.ERROR(f"[{problem.kind}] {problem.message}"))
        raise CommandError(f"审计链发现 {len(problems)} 个问题")
