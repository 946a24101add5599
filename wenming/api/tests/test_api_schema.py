from __future__ import annotations

import json

import pytest

from tests.test_url_walk import all_patterns
from wenming.api.tests.helpers import bearer

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_lists_every_endpoint(client, world):
    response = client.get("/api/v1/openapi.json", headers=bearer(world.unit_a_admin))
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "文明创建工作平台 API"
    assert set(schema["paths"]) == {
        "/api/v1/me",
        "/api/v1/regions",
        "/api/v1/organisations",
        "/api/v1/organisations/{org_id}",
        "/api/v1/organisations/{org_id}/departments",
    }
    assert {"TokenAuth", "SecondFactorSessionAuth"} <= set(schema["components"]["securitySchemes"])
    listing = schema["paths"]["/api/v1/organisations"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"q", "kind", "region_code", "page", "page_size"}


def test_every_schema_path_is_a_url_pattern_the_walk_visits(world):
    """The URL walk covers the API because each documented path is one of its patterns."""
    from wenming.api.api import api

    routes = {"/" + route for route, _ in all_patterns()}
    for path in api.get_openapi_schema()["paths"]:
        assert path.replace("{org_id}", "<int:org_id>") in routes, path


def test_the_index_points_to_the_schema(client, world):
    body = client.get("/api/v1/", headers=bearer(world.unit_a_admin)).json()
    assert body["schema"] == "/api/v1/openapi.json"
