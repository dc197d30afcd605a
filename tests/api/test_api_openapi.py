"""The served OpenAPI document describes request bodies without dangling references."""

from __future__ import annotations


def test_openapi_request_schemas_are_self_contained() -> None:
    import json

    from tocsin.api import schema

    for model in (list[schema.PostableAlert], schema.PostableSilence):
        body = schema.request_body(model)["requestBody"]["content"]["application/json"]["schema"]
        assert "$ref" not in json.dumps(body)
