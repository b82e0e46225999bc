"""The published schema (/api/schema/, drf-spectacular, OpenAPI 3.0) says what the API answers:
real list and detail responses of every endpoint, read by several roles, validate against it.

OpenAPI 3.0 is JSON Schema with a few differences; `_json_schema` turns the one that matters
(`nullable`) into JSON Schema and checks the rest with jsonschema (Draft 2020-12), resolving
`#/components/schemas/…` in the schema itself.
"""

import re

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# Every test here reads the session's demo world (the module's schema fixture logs in as its office),
# so they all run with the database tests, before the browser tests empty the database.
pytestmark = pytest.mark.django_db

# Several roles: what they see differs (masked contacts, related ids they may not read…).
ROLES = ["xf-office", "xf-team", "xf-unit", "tl-office", "admin"]
DETAILS_PER_ENDPOINT = 3


def _json_schema(node):
    """OpenAPI 3.0 → JSON Schema: `nullable: true` becomes “or null”."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node and isinstance(node["type"], str):
            node["type"] = [node["type"], "null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        from django.contrib.auth import get_user_model

        client = Client()
        client.force_login(get_user_model().objects.get(username="xf-office"))
        r = client.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    return r.json()


@pytest.fixture(scope="module")
def validator_for(openapi):
    document = _json_schema(openapi)
    registry = Registry().with_resource("urn:api", Resource(contents=document, specification=DRAFT202012))

    def validator(path, method="get", status="200"):
        op = openapi["paths"][path][method]
        content = op["responses"][status].get("content", {}).get("application/json")
        assert content is not None, f"{method.upper()} {path} {status}: 架构中没有 JSON 响应"
        schema = _json_schema(content["schema"])
        schema = _rebase(schema)
        return Draft202012Validator(schema, registry=registry)

    return validator


def _rebase(node):
    """`#/components/…` refer to the whole document, registered as urn:api."""
    if isinstance(node, list):
        return [_rebase(n) for n in node]
    if isinstance(node, dict):
        return {
            k: ("urn:api" + v if k == "$ref" and v.startswith("#/") else _rebase(v)) for k, v in node.items()
        }
    return node


def _problems(validator, data, limit=5):
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:200]}"
        for e in list(validator.iter_errors(data))[:limit]
    ]


def _list_paths(openapi):
    return sorted(
        p for p, ops in openapi["paths"].items() if "get" in ops and "{" not in p and p.startswith("/api/")
    )


QUERY = {
    "/api/quota-progress/": {"policy": "xinfeng-2024", "on": "2024-06-30"},
    "/api/enterprises/check/": {"name": "测试企业"},
    "/api/investment-totals/": {"period": "2024"},
}
QUERY_TL = {"/api/quota-progress/": {"policy": "testland-2024", "on": "2024-06-30"}}


@pytest.mark.parametrize("role", ROLES)
def test_every_list_and_detail_answer_matches_the_schema(client, users, openapi, validator_for, role):
    client.force_login(users[role])
    problems, checked = [], 0
    for path in _list_paths(openapi):
        params = {"limit": 20, **(QUERY_TL if role.startswith("tl-") else {}).get(path, QUERY.get(path, {}))}
        r = client.get(path, params)
        if r.status_code in (400, 403) and path in ("/api/quota-progress/", "/api/changes/"):
            continue  # not every role may read these; the role tests say which
        assert r.status_code == 200, (role, path, r.status_code, r.content[:200])
        body = r.json()
        problems += [f"GET {path}: {p}" for p in _problems(validator_for(path), body)]
        checked += 1
        detail = re.sub(r"/$", "/{id}/", path)
        if detail not in openapi["paths"] or "get" not in openapi["paths"][detail]:
            continue
        for row in (body.get("results") or [])[:DETAILS_PER_ENDPOINT]:
            r = client.get(f"{path}{row['id']}/")
            assert r.status_code == 200, (role, path, row["id"], r.status_code)
            problems += [f"GET {path}{row['id']}/: {p}" for p in _problems(validator_for(detail), r.json())]
            checked += 1
    assert not problems, "\n".join(problems)
    assert checked > 40


def test_the_error_answers_are_in_the_schema_shape(client, users):
    """A 400 names its field; a 404 and a 409 carry `detail`."""
    client.force_login(users["xf-office"])
    assert "limit" in client.get("/api/projects/", {"limit": "-1"}).json()
    assert "detail" in client.get("/api/projects/0/").json()


def test_the_schema_states_the_page_size_limits(openapi):
    params = {p["name"]: p for p in openapi["paths"]["/api/projects/"]["get"]["parameters"]}
    assert params["limit"]["schema"]["minimum"] == 1 and "1000" in params["limit"]["description"]
    assert params["offset"]["schema"]["minimum"] == 0
