from __future__ import annotations

from typing import Any

import pytest

from tests.subsidies import factories as f


@pytest.fixture
def gxj(persona: Any) -> Any:
    return persona("city_gxj")


@pytest.fixture
def czj(persona: Any) -> Any:
    return persona("city_czj")


@pytest.fixture
def wgly(db: Any) -> Any:
    return f.member("wgly", username="city_wgly")


@pytest.fixture
def ent(db: Any) -> Any:
    return f.EnterpriseFactory()


@pytest.fixture
def ent_user(ent: Any) -> Any:
    return f.enterprise_user(ent)


@pytest.fixture
def project(ent: Any) -> Any:
    return f.ProjectFactory(enterprise=ent)
