from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from subsidies.services.matching import entitlements_match


class Command(BaseCommand):
    help = "立即运行一次免申即享自动匹配（通常由 Celery beat 每晚执行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="评估日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options.get("date"):
            try:
                on = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("日期格式应为 YYYY-MM-DD") from None
        run = entitlements_match(on=on)
        if run is None:
            self.stdout.write("另一次匹配正在进行，本次未执行")
            return
        self.stdout.write(
            f"匹配批次 #{run.pk}（{run.on}）：比对 {run.scanned} 家企业，新增推送 {run.created} 条，"
            f"更新取代 {run.superseded} 条，耗时 {run.seconds:.2f} 秒"
        )
