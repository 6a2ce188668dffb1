"""Fixtures for impact measurement: the starter catalogue and a confirmed quarterly KPI set on side A."""

from __future__ import annotations

import pytest

from tests.impactmeasurement.factories import load_catalogue, make_kpi_set


@pytest.fixture(autouse=True)
def _catalogue(request):
    """Reload the starter catalogue: a transactional test elsewhere may have emptied the tables."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    load_catalogue()


@pytest.fixture
def kpi_set(world):
    return make_kpi_set(world.a)
