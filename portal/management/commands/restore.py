"""`manage.py restore FILE --yes`: put back a backup made by `manage.py backup`.

Replaces the current database (PostgreSQL: `pg_restore --clean --if-exists`; SQLite: the online
backup API in the other direction) and the uploads folder. Stop the web server and workers
first in production.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal.management.commands.backup import pg_env_and_args


class Command(BaseCommand):
    help = "从 backup 生成的备份文件恢复数据库和上传文件（会覆盖现有数据）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="确认覆盖现有数据")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("恢复会覆盖现有数据库和上传文件；确认请加 --yes")
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"找不到备份文件：{source}")
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            with tarfile.open(source, "r:gz") as tar:
                tar.extractall(work, filter="data")
            manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
            if manifest["vendor"] != connection.vendor:
                raise CommandError(f"备份来自 {manifest['vendor']}，当前数据库是 {connection.vendor}")
            dump = work / manifest["database_file"]
            db = connection.settings_dict
            if connection.vendor == "postgresql":
                connection.close()
                env, conn_args = pg_env_and_args(db)
                result = subprocess.run(
                    [
                        "pg_restore",
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--single-transaction",
                        *conn_args,
                        "-d",
                        str(db["NAME"]),
                        str(dump),
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    raise CommandError(f"pg_restore 失败：{result.stderr.strip()}")
            else:
                connection.ensure_connection()
                src = sqlite3.connect(dump)
                with src:
                    src.backup(connection.connection)
                src.close()
            media = Path(settings.MEDIA_ROOT)
            if (work / "media").is_dir():
                if media.is_dir():
                    shutil.rmtree(media)
                shutil.copytree(work / "media", media)
        self.stdout.write(self.style.SUCCESS(f"已从 {source} 恢复"))
