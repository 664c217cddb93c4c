"""Machinery of the permission matrix: walk the URL configuration, log each persona in, request
every pattern with every method its view allows, and reduce each response to an outcome.

Outcomes: `ok` (2xx, or a redirect elsewhere than the login page), `empty` (an API list that
answered with no rows at all), `login` (redirect to the login page), and the status code for
any 4xx: `400`/`409`/`415` mean the request passed the access checks and was refused for its
(deliberately empty) input or the object's state; `401`, `403`, `404`, `405` are refusals.
A 5xx is never expected."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.models import User
from tests.security.expect import ANON, COLUMNS, parse

WRITE_METHODS = ("post", "put", "patch", "delete")
MATRIX_CLOCK = datetime(2026, 11, 25, 21, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass(frozen=True)
class Route:
    key: str  # the pattern as written in the URLconfs, joined: what the matrix is keyed by
    name: str  # namespaced URL name, for reverse()
    methods: tuple[str, ...]  # GET, then each write method the view declares
    params: tuple[str, ...]  # the URL's keyword arguments (pk, action, fmt, …)

    @property
    def app(self) -> str:
        return app_of(self.key)

    @property
    def is_api(self) -> bool:
        return self.key.startswith("api/v1/")


def app_of(key: str) -> str:
    head = key.split("/", 1)[0]
    if head == "api":
        parts = key.split("/")
        head = parts[2] if len(parts) > 2 and parts[1] == "v1" else "portal"
    if head == "open311":
        return "hotline"
    if head in ("disaster", "hotline", "subsidies", "assistance", "supervision", "admin"):
        return head
    return "portal"


def _methods(pattern: URLPattern, key: str) -> tuple[str, ...]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route: exactly the methods it maps
        writes = [m for m in WRITE_METHODS if m in actions]
    elif hasattr(callback, "view_class"):  # a class-based view: the handlers it defines
        writes = [m for m in WRITE_METHODS if hasattr(callback.view_class, m)]
    else:  # a function view: the decorators are not visible, so always try POST
        writes = ["post"]
    return ("GET", *(m.upper() for m in writes))


def routes() -> list[Route]:
    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            else:
                key = prefix + str(p.pattern)
                params = tuple(sorted(set(params_of(prefix)) | set(p.pattern.regex.groupindex)))
                yield Route(key, namespace + (p.name or ""), _methods(p, key), params)

    return list(walk(get_resolver().url_patterns, "", ""))


def params_of(prefix: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", prefix) and [
        a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", prefix)
    ]


def outcome(response: Any) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        location = response.get("Location", "")
        return "login" if location.startswith(("/accounts/login/", "/admin/login/")) else "ok"
    if status == 200 and response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict) and body.get("results") == []:
            return "empty"
    return "ok" if status < 300 else str(status)


class Visitor:
    """One logged-in test client per persona; every request runs inside a savepoint that is
    rolled back, so a POST that happens to succeed does not change what the next persona sees."""

    def __init__(self, usernames: list[str]) -> None:
        self.clients: dict[str, Client] = {}
        self.cookies: dict[str, Any] = {}
        for username in usernames:
            client = Client(raise_request_exception=False)
            if username != ANON:
                client.force_login(User.objects.get(username=username))
            self.clients[username] = client
            self.cookies[username] = client.cookies.copy()

    def request(self, username: str, method: str, url: str, *, api: bool) -> tuple[str, int]:
        client = self.clients[username]
        if method != "GET":
            cache.clear()  # rate limits (login, anonymous Open311 POST) are per-minute counters
        sid = transaction.savepoint()
        try:
            if method == "GET":
                response = client.get(url)
            elif api:
                response = client.generic(method, url, data="{}", content_type="application/json")
            else:
                response = client.generic(
                    method, url, data="", content_type="application/x-www-form-urlencoded"
                )
        finally:
            transaction.savepoint_rollback(sid)
            # …and release it: otherwise each request's savepoint nests in the previous one and
            # PostgreSQL runs out of lock slots after a few thousand requests.
            transaction.savepoint_commit(sid)
            client.cookies = self.cookies[username].copy()
        return outcome(response), response.status_code


def url_for(route: Route, kwargs: dict[str, Any]) -> str:
    if route.name and not route.name.endswith(":"):
        return reverse(route.name, kwargs=kwargs or None)
    # An unnamed pattern (the admin's catch-all): fill its groups by hand.
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route.key)
    return "/" + url.replace("^", "").replace("$", "")


def check_app(app: str) -> int:
    """Request every pattern of `app` with every method as every persona and compare with the
    matrix. Returns the number of cells checked; fails listing every differing cell."""
    from tests.security.matrix import matrix_for
    from tests.security.objects import build

    table = matrix_for(app)
    failures: list[str] = []
    checked = 0
    # The demo data is dated from "now" (deadlines, periods, seasons): the clock is set to the
    # day the table was written, so an object's state, and with it 400/409, does not drift.
    # Sessions in signed cookies: the ~25 000 requests skip a session row read and write each
    # (the idle timeout saves the session on every request); the access checks are unchanged.
    with (
        time_machine.travel(MATRIX_CLOCK, tick=True),
        override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"),
    ):
        objects = build(app)
        visitor = Visitor(list(COLUMNS))
        for route in routes():
            if route.app != app:
                continue
            obj, cells = table[route.key]
            url = url_for(route, objects[obj])
            for method in route.methods:
                expected = parse(cells[method])
                for persona in COLUMNS:
                    got, status = visitor.request(persona, method, url, api=route.is_api)
                    checked += 1
                    if got != expected[persona] or status >= 500:
                        failures.append(
                            f"{method} {url}  [{route.key}]  as {persona}: "
                            f"expected {expected[persona]}, got {got} (HTTP {status})"
                        )
    assert not failures, f"{len(failures)} of {checked} matrix cells differ:\n" + "\n".join(failures)
    return checked
