"""Schemathesis against the OpenAPI spec of the app over a real embedded store: no request
that fits the spec may cause a server error, and every response has a documented status,
content type and shape (bounded examples per operation).

The operations are driven through schemathesis' Python API with Hypothesis (its pytest
plugin does not run under pytest 9 yet)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from prl.graph_api.settings import Settings
from prl.graph_api.web.app import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, sample_nq):
    from prl.graph_api.store.oxigraph import OxigraphStore

    store = OxigraphStore(tmp_path_factory.mktemp("fuzz") / "store")
    store.load_file(sample_nq)
    # no per-client limits: every generated case reaches its route (429 has tests of its own)
    settings = Settings(
        store="oxigraph", api_token="fuzz-token", sparql_rate=0, sparql_per_client=0, report_rate=0
    )
    app = create_app(settings, store)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    store.close()


def test_no_server_errors(api_schema):
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 12
    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case):
            case.call_and_validate(checks=CHECKS)

        check()
