from typing import Any

from django.core.management.base import BaseCommand

from portal.deadlines import deadline_sweep


class Command(BaseCommand):
    help = "立即执行一次时限巡检（提醒、逾期、督办、周期时限）——通常由 Celery beat 每分钟执行"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(deadline_sweep()))
