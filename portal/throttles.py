"""Rate limits of the anonymous doors (issue 10, hardening). Rates come from the settings
(`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`, env LOGIN_RATE / ANON_WRITE_RATE); the counters live
in the default cache. django-axes locks a username+address after repeated failures; these
bound how fast one address may try at all (many usernames, or a flood of Open311 POSTs)."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle


class LoginThrottle(SimpleRateThrottle):
    """Login attempts per address, shared by the login page and the token endpoint."""

    scope = "login"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
