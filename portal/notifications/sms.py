"""SMS backends. Production plugs in the provincial SMS gateway behind the same interface."""

from __future__ import annotations

import logging
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("portal.sms")


class BaseSMSBackend:
    def send(self, to: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingSMSBackend(BaseSMSBackend):
    """Writes each SMS to the log (development and demo)."""

    def send(self, to: str, body: str) -> None:
        masked = to[:3] + "****" + to[-4:] if len(to) >= 7 else "****"
        log.info("SMS to %s: %s", masked, body)


class MemorySMSBackend(BaseSMSBackend):
    """Keeps sent messages in memory for tests (like Django's locmem email backend)."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, to: str, body: str) -> None:
        self.outbox.append((to, body))


def get_backend() -> BaseSMSBackend:
    return import_string(settings.SMS_BACKEND)()
