"""Every operation of the OpenAPI document, fed generated input by Schemathesis in-process: no
5xx, and every answer (errors included) matches the schema the document gives for it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from barraiser.auth.models import Role, UserRole
from barraiser.extensions import db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(app, make_loop, make_token, monkeypatch):
    """A scheduled loop to find, and a token whose user holds every role that reads (admin,
    recruiter, inspector) and interviews on the loop, so writes reach the services too."""
    built = make_loop()
    user = built.interviewers[1]
    user.role_rows += [UserRole(role=r) for r in (Role.ADMIN, Role.RECRUITER, Role.INSPECTOR)]
    db.session.commit()
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    loaded.token = make_token(user)
    return loaded


def test_every_operation_answers_within_its_schema(api_schema):
    """One run per operation, a few examples each (the suite runs on a small machine)."""
    headers = {"Authorization": f"Bearer {api_schema.token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def answers_within_schema(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        answers_within_schema()
