"""Who is acting and from which request, available to services without passing `request`.

RequestIdMiddleware sets it for web requests; Celery tasks and commands run without one (the
audit entry then records no request id and no IP).
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "portal_request", default=RequestContext()
)


def current() -> RequestContext:
    return _current.get()


def activate(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex
