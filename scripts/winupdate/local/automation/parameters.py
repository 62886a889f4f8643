"""The parameters of a new execution: given values (always lists of strings in the API),
defaults, ``{{ssm:Name}}`` references, types, allowedValues and allowedPattern
(documents-syntax-data-elements-parameters.md)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .exceptions import InvalidAutomationExecutionParametersException as Invalid
from .runbook import Parameter, Runbook
from .selectors import api_output
from .variables import PLACEHOLDER

SSM_REFERENCE = re.compile(r"\{\{\s*ssm:([^{}\s]+)\s*\}\}")


def resolve_parameters(
    runbook: Runbook,
    given: Mapping[str, list[str]],
    ssm_parameter: Callable[[str], str],
) -> dict[str, Any]:
    """Typed values for every declared parameter; raises the API's error naming the field."""
    unknown = sorted(set(given) - set(runbook.parameters))
    if unknown:
        raise Invalid(
            f"Parameter {unknown[0]!r} is not defined in the document. "
            f"Defined parameters: {', '.join(sorted(runbook.parameters)) or 'none'}."
        )
    values: dict[str, Any] = {}
    for name, decl in runbook.parameters.items():
        if name in given:
            raw = given[name]
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise Invalid(f"Parameter {name!r} must be a list of strings.")
            value = _from_api(decl, raw)
        elif decl.has_default:
            value = _default(decl)
        else:
            raise Invalid(f"Parameter {name!r} is required but was not specified.")
        value = _resolve_ssm(value, ssm_parameter, name)
        values[name] = _typed(decl, value)
        _check_allowed(decl, values[name])
    return values


def api_parameters(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Parameters as the API carries them (GetAutomationExecution, a child's start): lists
    of strings, written as step outputs are."""
    return {name: api_output(value) for name, value in values.items()}


def _from_api(decl: Parameter, raw: list[str]) -> Any:
    if decl.type in ("StringList", "MapList"):
        return list(raw)
    if len(raw) != 1:
        raise Invalid(f"Parameter {decl.name!r} of type {decl.type} takes exactly one value.")
    return raw[0]


def _default(decl: Parameter) -> Any:
    # A copy: the runbook (and its defaults) is shared by every execution of the document.
    return copy.deepcopy(decl.default)


def _resolve_ssm(value: Any, ssm_parameter: Callable[[str], str], name: str) -> Any:
    if isinstance(value, list):
        return [_resolve_ssm(v, ssm_parameter, name) for v in value]
    if not isinstance(value, str) or "ssm:" not in value:
        return value

    def fetch(match: re.Match[str]) -> str:
        try:
            return ssm_parameter(match.group(1))
        except KeyError as err:
            raise Invalid(
                f"Parameter {name!r} refers to Parameter Store parameter {match.group(1)!r}, "
                "which does not exist."
            ) from err

    return SSM_REFERENCE.sub(fetch, value)


def _typed(decl: Parameter, value: Any) -> Any:
    kind = decl.type
    try:
        if kind == "String":
            if isinstance(value, bool | int | float):
                return str(value).lower() if isinstance(value, bool) else str(value)
            if not isinstance(value, str):
                raise ValueError("expected a string")
            return value
        if kind == "Integer":
            if isinstance(value, bool):
                raise ValueError("expected an integer")
            return int(value)
        if kind == "Boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in ("true", "false"):
                raise ValueError("expected true or false")
            return text == "true"
        if kind == "StringList":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                raise ValueError("expected a list of strings")
            return [str(v) for v in value]
        if kind == "StringMap":
            value = json.loads(value) if isinstance(value, str) else value
            if not isinstance(value, dict):
                raise ValueError("expected a map")
            return value
        if kind == "MapList":
            items = [json.loads(v) if isinstance(v, str) else v for v in value]
            if not all(isinstance(i, dict) for i in items):
                raise ValueError("expected a list of maps")
            return items
    except (TypeError, ValueError) as err:
        raise Invalid(f"Parameter {decl.name!r} has an invalid {kind} value: {err}.") from err
    raise Invalid(f"Parameter {decl.name!r} has an unsupported type {kind!r}.")


def _check_allowed(decl: Parameter, value: Any) -> None:
    items = value if isinstance(value, list) else [value]
    if decl.allowed_values is not None:
        allowed = [str(a).lower() if isinstance(a, bool) else str(a) for a in decl.allowed_values]
        for item in items:
            text = str(item).lower() if isinstance(item, bool) else str(item)
            if text not in allowed:
                raise Invalid(
                    f"Parameter {decl.name!r} value {text!r} is not one of the allowed values: "
                    f"{', '.join(allowed)}."
                )
    if decl.allowed_pattern is not None:
        for item in items:
            text = str(item)
            if PLACEHOLDER.fullmatch(text):
                continue
            # AWS anchors its examples (^...$); an unanchored pattern matches anywhere.
            if not re.search(decl.allowed_pattern, text):
                raise Invalid(
                    f"Parameter {decl.name!r} value {text!r} does not match the allowed "
                    f"pattern {decl.allowed_pattern}."
                )
