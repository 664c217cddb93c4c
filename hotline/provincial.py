"""Pushing results back to the provincial 12345 platform (第十二条（四））.

The platform's interface is not public; production plugs its client in behind this backend
interface (setting HOTLINE_PROVINCIAL_BACKEND, a dotted path). The default writes to the log,
like the platform's logging SMS backend; tests use the memory backend.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("hotline.provincial")


class LoggingBackend:
    def send(self, payload: dict[str, Any]) -> None:
        log.info("provincial push %s %s", payload.get("external_id"), payload.get("event"))


class MemoryBackend:
    sent: ClassVar[list[dict[str, Any]]] = []

    def send(self, payload: dict[str, Any]) -> None:
        self.sent.append(payload)


def backend() -> Any:
    return import_string(
        getattr(settings, "HOTLINE_PROVINCIAL_BACKEND", "hotline.provincial.LoggingBackend")
    )()
