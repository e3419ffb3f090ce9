"""Schemathesis generates requests from /api/openapi.json and checks every response against the document with all
of its checks: no server error, nothing the document does not promise (status codes, content types, bodies), bad
input refused, and schema-valid input accepted.

(Driven through Hypothesis directly: Schemathesis' pytest plugin does not run under pytest 9.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.slow


def as_documented(case) -> None:
    """What JSON Schema cannot say, the document says in words: the cursor is opaque (only a next_cursor this API
    returned is valid; anything else is a 400 naming it), a minimum must not exceed its maximum, and near must name
    a place the site knows. For "valid data is accepted", schema-valid cases are made valid in those ways too."""
    query = case.query or {}
    query.pop("cursor", None)
    if "near" in query:
        query["near"] = "Berlin"
    for low, high in (
        ("year_min", "year_max"),
        ("price_min", "price_max"),
        ("power_min", "power_max"),
        ("registered_from", "registered_to"),
    ):
        if query.get(low) is not None and query.get(high) is not None and query[low] > query[high]:
            query[low], query[high] = query[high], query[low]


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
@pytest.mark.parametrize("path", ["/api/v1/cars", "/api/v1/cars/{car_id}"])
def test_api_keeps_the_promises_of_its_document(demo, path, mode):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", demo)
    operation = schema[path]["GET"]
    checked = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=120,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case):
        if mode == schemathesis.GenerationMode.POSITIVE:
            as_documented(case)
        response = case.call_and_validate()  # every check, positive_data_acceptance included
        if response.status_code == 400:
            assert response.json()["error"]["field"], response.text
        assert response.status_code < 500
        checked.append(response.status_code)

    fuzz()
    assert len(checked) >= 30


def test_a_real_cursor_is_accepted_and_a_forged_one_is_a_documented_400(demo):
    client = demo.test_client()
    first = client.get("/api/v1/cars?limit=2&sort=price_asc").json
    assert first["next_cursor"]
    assert client.get(f"/api/v1/cars?limit=2&sort=price_asc&cursor={first['next_cursor']}").status_code == 200
    forged = client.get("/api/v1/cars?sort=price_asc&cursor=AAAAAAAAAAAAAAAAcHJpY2VfYXNjfDF8MQ")
    assert forged.status_code == 400 and forged.json["error"]["field"] == "cursor"
    document = client.get("/api/openapi.json").json
    parameters = document["paths"]["/api/v1/cars"]["get"]["parameters"]
    assert "400" in next(p for p in parameters if p["name"] == "cursor")["description"]
