"""The API against its own OpenAPI schema (issue 15, item 16): schemathesis generates requests from the
schema drf-spectacular serves and sends them in-process (WSGI, the test database): never a server error,
and every answer matches the schema. Bounded: a few dozen examples per operation, no shrinking."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from fund.models import Role
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(world) -> str:
    """An investee's key (keys exist only for roles without mandatory 2FA); its side has data to read."""
    return api_key_for(world.a.users[Role.INVESTEE])


@pytest.fixture
def api_schema(api_key):
    # The WSGI handler closes "old" database connections at each request's start and end; inside a test
    # that is the test's own transaction (PostgreSQL: "the connection is closed"). Django's test client
    # switches that off the same way.
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json",
            get_wsgi_application(),
            headers={"Authorization": f"Bearer {api_key}"},
        )
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_api_answers_every_generated_request_without_a_server_error(api_schema, api_key):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            case.call_and_validate(
                headers={"Authorization": f"Bearer {api_key}"},
                checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
            )

        fuzz()


def test_the_schema_covers_the_api(api_schema):
    """The fuzz above is only worth something if the schema lists the API's operations."""
    paths = set(api_schema.raw_schema["paths"])
    assert {"/api/funds/", "/api/funds/{id}/", "/api/organisations/", "/api/me/"} <= paths
