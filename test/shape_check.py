"""Check a response against botocore's output shape: unknown keys and wrong types fail.

Usage: ``assert_matches_output_shape("ssm", "GetMaintenanceWindowTask", response)`` with a
boto3 response (parsed: timestamps are datetimes) or a raw JSON body (timestamps are
numbers or strings). Like botocore's ``ParamValidator``, every finding is collected with
its path before the assertion fails.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

import botocore.session
from botocore.model import Shape

# boto3 adds this to every response; it is not part of any output shape.
RESPONSE_METADATA = "ResponseMetadata"


@cache
def _service_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def output_shape_findings(service: str, operation: str, response: dict[str, Any]) -> list[str]:
    """Every mismatch between ``response`` and ``operation``'s output shape, with its path."""
    shape = _service_model(service).operation_model(operation).output_shape
    body = {k: v for k, v in response.items() if k != RESPONSE_METADATA}
    if shape is None:
        return (
            [f"{operation}: no output shape, but the response has {sorted(body)}"] if body else []
        )
    findings: list[str] = []
    _check(shape, body, operation, findings)
    return findings


def assert_matches_output_shape(service: str, operation: str, response: dict[str, Any]) -> None:
    findings = output_shape_findings(service, operation, response)
    assert not findings, f"{service}.{operation} response does not match its output shape:\n" + (
        "\n".join(f"  {finding}" for finding in findings)
    )


def _check(shape: Shape, value: Any, path: str, findings: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            findings.append(f"{path}: expected a structure ({shape.name}), got {_kind(value)}")
            return
        members = shape.members
        for key, member_value in value.items():
            if key not in members:
                findings.append(f"{path}.{key}: unknown member of {shape.name}")
            else:
                _check(members[key], member_value, f"{path}.{key}", findings)
        for key in shape.required_members:
            if key not in value:
                findings.append(f"{path}.{key}: required member of {shape.name} is missing")
    elif kind == "list":
        if not isinstance(value, list):
            findings.append(f"{path}: expected a list, got {_kind(value)}")
            return
        for index, item in enumerate(value):
            _check(shape.member, item, f"{path}[{index}]", findings)
    elif kind == "map":
        if not isinstance(value, dict):
            findings.append(f"{path}: expected a map, got {_kind(value)}")
            return
        for key, item in value.items():
            _check(shape.key, key, f"{path} key {key!r}", findings)
            _check(shape.value, item, f"{path}[{key!r}]", findings)
    elif kind == "string":
        if not isinstance(value, str):
            findings.append(f"{path}: expected a string, got {_kind(value)}")
        elif shape.enum and value not in shape.enum:
            findings.append(f"{path}: {value!r} is not one of {shape.enum}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            findings.append(f"{path}: expected an integer, got {_kind(value)}")
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            findings.append(f"{path}: expected a number, got {_kind(value)}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            findings.append(f"{path}: expected a boolean, got {_kind(value)}")
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, datetime | int | float | str):
            findings.append(f"{path}: expected a timestamp, got {_kind(value)}")
    elif kind == "blob":
        if not isinstance(value, bytes | bytearray | str):
            findings.append(f"{path}: expected a blob, got {_kind(value)}")
    else:
        findings.append(f"{path}: shape type {kind!r} is not checked")


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def call_with_raw_response(
    client: Any, operation: str, **params: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Call ``operation`` once; return boto3's parsed response and the JSON body as sent.

    botocore's parser drops members the model does not know, so checking only the parsed
    response would hide unknown keys: check the raw body too.
    """
    captured: dict[str, Any] = {}

    def capture(http_response: Any, **_kwargs: Any) -> None:
        captured["body"] = http_response.content

    event = f"after-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, capture)
    try:
        mapping = client.meta.method_to_api_mapping
        method = next(py for py, api in mapping.items() if api == operation)
        parsed = getattr(client, method)(**params)
    finally:
        client.meta.events.unregister(event, capture)
    return parsed, json.loads(captured["body"] or b"{}")


def checked(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """Call ``operation``; assert its raw body and boto3's parsed response match its output
    shape; return the parsed response."""
    parsed, raw = call_with_raw_response(client, operation, **params)
    service = client.meta.service_model.service_name
    assert_matches_output_shape(service, operation, raw)
    assert_matches_output_shape(service, operation, parsed)
    return parsed


def raw_json_response(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """The JSON body ``operation`` answers, before botocore's parser (JSON protocols)."""
    return call_with_raw_response(client, operation, **params)[1]
