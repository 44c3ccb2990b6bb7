"""schemathesis against /openapi.json on a live server: no 5xx, no response that breaks its own schema.

Bounded (a fixed number of derandomized examples per /v1 operation) so the whole module runs in about a
minute. The schema is the app's own: read once from an in-process app to name the tests, then every
case goes over real HTTP to the live server (whose /openapi.json is checked to be the same).
"""

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from encore.oauth import SCOPES
from tests.support.live import LiveServer
from tests.support.openapi import app_openapi
from tests.web.spotify.conftest import PASSWORD
from tests.web.spotify.flows import login, register_app, user_token

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("v1-schemathesis")]
EXAMPLES_PER_OPERATION = 12
# What the issue asks: no 5xx, and every response within the schema (status, content type, headers, body).
# Not "positive data acceptance": a schema-valid request may still be refused by a rule the schema
# cannot express (an id that names nothing is 404, a position past the playlist's end is 400).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


SPEC = app_openapi()
SCHEMA = schemathesis.openapi.from_dict(SPEC).include(path_regex=r"^/v1/")
OPERATIONS = {op.ok().label: op.ok() for op in SCHEMA.get_all_operations()}


@pytest.fixture(scope="module")
def token(live: LiveServer) -> str:
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        assert http.get("/openapi.json").json()["paths"].keys() == SPEC["paths"].keys()
        login(http, "alice", PASSWORD)
        return str(user_token(http, register_app(http), scope=" ".join(SCOPES))["access_token"])


def test_every_v1_operation_is_in_the_schema() -> None:
    assert len(OPERATIONS) >= 25


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_v1_conforms_to_its_schema(label: str, token: str, live: LiveServer) -> None:
    operation = OPERATIONS[label]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=live.base_url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    check()
