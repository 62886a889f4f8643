"""JSONPath selectors of step outputs and of ``PropertySelector`` (jsonpath-ng)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext import parse


class SelectorError(ValueError):
    pass


@lru_cache(maxsize=512)
def compile_selector(selector: str) -> JSONPath:
    try:
        return parse(selector)
    except (JsonPathParserError, Exception) as err:
        raise SelectorError(f"invalid JSONPath selector {selector!r}: {err}") from err


def select(selector: str, document: Any) -> list[Any]:
    """Every value ``selector`` picks from ``document`` (empty when nothing matches)."""
    return [m.value for m in compile_selector(selector).find(document)]


def typed_output(matches: list[Any], kind: str) -> Any:
    """The output value of type ``kind`` from a selector's matches (None when none)."""
    if not matches:
        return None
    if kind == "StringList":
        values = matches[0] if len(matches) == 1 and isinstance(matches[0], list) else matches
        return [v if isinstance(v, str) else json.dumps(v) for v in values]
    if kind == "MapList":
        values = matches[0] if len(matches) == 1 and isinstance(matches[0], list) else matches
        return list(values)
    value = matches[0] if len(matches) == 1 else matches
    if kind == "Integer":
        return int(value)
    if kind == "Boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if kind == "StringMap":
        return value if isinstance(value, dict) else json.loads(value)
    return value if isinstance(value, str) else json.dumps(value)


def api_output(value: Any) -> list[str]:
    """An output as the API lists it: a list of strings."""
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, str):
        return [value]
    return [json.dumps(value)] if isinstance(value, dict) else [str(value)]
