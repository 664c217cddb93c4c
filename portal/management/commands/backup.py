"""`manage.py backup [--output FILE]`: a consistent backup of the database and the uploads.

PostgreSQL: `pg_dump --format=custom`; SQLite: the sqlite3 online-backup API (consistent while
the server writes). The result is one .tar.gz with `database.dump` or `database.sqlite3`, the
`media/` folder and a `manifest.json`.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def pg_env_and_args(db: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    import os

    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = [
        "-h",
        str(db.get("HOST") or "127.0.0.1"),
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        str(db.get("USER") or "postgres"),
    ]
    return env, args


class Command(BaseCommand):
    help = "备份数据库和上传文件（PostgreSQL 用 pg_dump；SQLite 用在线备份）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", help="输出文件（默认 var/backups/portal-时间.tar.gz）")

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        output = Path(options["output"] or settings.VAR_DIR / "backups" / f"portal-{stamp}.tar.gz")
        output.parent.mkdir(parents=True, exist_ok=True)
        db = connection.settings_dict
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            if connection.vendor == "postgresql":
                dump = work / "database.dump"
                env, conn_args = pg_env_and_args(db)
                result = subprocess.run(
                    [
                        "pg_dump",
                        "--format=custom",
                        "--no-owner",
                        *conn_args,
                        "-f",
                        str(dump),
                        str(db["NAME"]),
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    raise CommandError(f"pg_dump 失败：{result.stderr.strip()}")
            elif connection.vendor == "sqlite":
                dump = work / "database.sqlite3"
                connection.ensure_connection()
                target = sqlite3.connect(dump)
                with target:
                    connection.connection.backup(target)
                target.close()
            else:  # pragma: no cover
                raise CommandError(f"不支持的数据库：{connection.vendor}")
            manifest = {
                "created_at": timezone.now().isoformat(),
                "vendor": connection.vendor,
                "database_file": dump.name,
            }
            (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
            with tarfile.open(output, "w:gz") as tar:
                tar.add(work / "manifest.json", arcname="manifest.json")
                tar.add(dump, arcname=dump.name)
                media = Path(settings.MEDIA_ROOT)
                if media.is_dir():
                    tar.add(media, arcname="media")
        self.stdout.write(str(output))
