"""Shared fixtures: personas (portal.personas), API clients, a frozen clock, golden-case loading.

Personas are the people of style.md: `persona("yicheng")` is the county officer of 驿城区,
`persona("xiping")` of 西平县, `persona("operator")` the hotline operator, `persona("clerk_zjj")`
a handling-unit clerk, `persona("admin")` the city admin (a superuser), `persona("outsider")`
someone with no membership. The organisation tree comes from the data migration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.db import connection
from rest_framework.test import APIClient

from portal.personas import BY_USERNAME, ensure_persona
from portal.workcal import calendar


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            # The live server reads the database from another thread: tests must commit, and
            # the migration-seeded reference data (org tree, roles, rule sets) is restored
            # after each test's flush.
            if item.get_closest_marker("django_db") is None:
                item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(autouse=True)
def _restore_reference_data(request: pytest.FixtureRequest, django_db_blocker: Any) -> None:
    """A transactional test flushes every table at its end, including the reference data the
    data migrations seeded (org tree, roles, rule sets). If a later test on the same worker finds
    it gone, load it back from the snapshot Django took when it created the test database."""
    if "django_db_setup" not in request.fixturenames and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("django_db_setup")
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    from portal.models import OrgUnit

    with django_db_blocker.unblock():
        if not OrgUnit.objects.exists():
            for conn in connections.all():
                contents = getattr(conn, "_test_serialized_contents", None)
                if contents:
                    conn.creation.deserialize_db_from_string(contents)
        # Warm the content-type cache so query-count assertions do not depend on test order.
        ContentType.objects.clear_cache()
        ContentType.objects.get_for_models(*apps.get_models())


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    calendar().clear()
    yield
    calendar().clear()


@pytest.fixture
def persona(db: Any) -> Callable[[str], Any]:
    """`persona("yicheng")` → the User of that persona (created on first use)."""

    def make(username: str) -> Any:
        return ensure_persona(BY_USERNAME[username])

    return make


@pytest.fixture
def api(persona: Callable[[str], Any]) -> Callable[[str | None], APIClient]:
    """`api("yicheng")` → an APIClient authenticated as that persona; `api(None)` anonymous."""

    def make(username: str | None) -> APIClient:
        client = APIClient()
        if username:
            client.force_authenticate(persona(username))
        return client

    return make


@pytest.fixture
def web(client: Any, persona: Callable[[str], Any]) -> Callable[[str | None], Any]:
    """`web("yicheng")` → a Django test client logged in as that persona."""

    def make(username: str | None) -> Any:
        from django.test import Client

        c = Client()
        if username:
            c.force_login(persona(username))
        return c

    return make


@pytest.fixture
def unit(db: Any) -> Callable[[str], Any]:
    """`unit("yicheng")` → the OrgUnit with that code."""
    from portal.models import OrgUnit

    return lambda code: OrgUnit.objects.get(code=code)


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL: run it with `make test-pg`")


def load_cases(path: Path) -> list[Any]:
    """Golden cases: a YAML file with a list of {name, …}; returns pytest params with ids."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = data["cases"] if isinstance(data, dict) else data
    return [pytest.param(case, id=str(case.get("name", i))) for i, case in enumerate(cases)]
