"""`manage.py supervision_refresh` — what the hourly job does, on demand (e.g. right after a
deployment): open this period's report obligations and re-evaluate every task's status."""

from typing import Any

from django.core.management.base import BaseCommand

from supervision.services import daily_refresh


class Command(BaseCommand):
    help = "开启本期督查报告义务并重新计算全部督查任务状态"

    def handle(self, *args: Any, **options: Any) -> None:
        result = daily_refresh()
        self.stdout.write(
            f"新建报告义务 {result['obligations_created']} 项，状态变化 {result['status_changed']} 项"
        )
