"""The parameters of a new execution: given values (always lists of strings in the API),
defaults, ``{{ssm:Name}}`` references, types, allowedValues, allowedPattern,
minItems/maxItems and minChars/maxChars (documents-syntax-data-elements-parameters.md),
and what StartAutomationExecution's model bounds (botocore's SSM model: its Parameters map,
MaxConcurrency, MaxErrors)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from .exceptions import InvalidAutomationExecutionParametersException as Invalid
from .exceptions import ValidationException
from .runbook import Parameter, Runbook
from .selectors import api_output
from .variables import PLACEHOLDER

SSM_REFERENCE = re.compile(r"\{\{\s*ssm:([^{}\s]+)\s*\}\}")

# botocore's SSM model, StartAutomationExecution's members (botocore validates only
# minimums on the client; AWS answers the rest with ValidationException).
MAX_CONCURRENCY = re.compile(r"^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$")
MAX_ERRORS = re.compile(r"^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$")
MAX_PARAMETERS = 200  # AutomationParameterMap: max 200 entries
MAX_KEY_CHARS = 50  # AutomationParameterKey: max 50
MAX_VALUES = 50  # AutomationParameterValueList: max 50 items
MAX_VALUE_CHARS = 512  # AutomationParameterValue: max 512


class StoredParameter(NamedTuple):
    """A Parameter Store parameter as ``{{ssm:Name}}`` reads it."""

    type: str  # String | StringList | SecureString
    value: str


def check_start_request(
    parameters: Mapping[str, Any], max_concurrency: str | None, max_errors: str | None
) -> None:
    """What StartAutomationExecution's model bounds, with AWS's ValidationException text."""
    findings: list[str] = []
    if len(parameters) > MAX_PARAMETERS:
        findings.append(
            f"Value at 'parameters' failed to satisfy constraint: Member must have length "
            f"less than or equal to {MAX_PARAMETERS}"
        )
    for key, values in parameters.items():
        if len(key) > MAX_KEY_CHARS:
            findings.append(
                f"Value '{key}' at 'parameters' failed to satisfy constraint: Map keys must "
                f"satisfy constraint: [Member must have length less than or equal to "
                f"{MAX_KEY_CHARS}]"
            )
        if isinstance(values, list) and len(values) > MAX_VALUES:
            findings.append(
                f"Value at 'parameters.{key}' failed to satisfy constraint: Member must have "
                f"length less than or equal to {MAX_VALUES}"
            )
        if isinstance(values, list) and any(
            isinstance(v, str) and len(v) > MAX_VALUE_CHARS for v in values
        ):
            findings.append(
                f"Value at 'parameters.{key}' failed to satisfy constraint: Member must "
                f"satisfy constraint: [Member must have length less than or equal to "
                f"{MAX_VALUE_CHARS}]"
            )
    for member, value, pattern in (
        ("maxConcurrency", max_concurrency, MAX_CONCURRENCY),
        ("maxErrors", max_errors, MAX_ERRORS),
    ):
        if value is None:
            continue
        if not isinstance(value, str) or not pattern.fullmatch(value):
            findings.append(
                f"Value '{value}' at '{member}' failed to satisfy constraint: Member must "
                f"satisfy regular expression pattern: {pattern.pattern}"
            )
        elif len(value) > 7:
            findings.append(
                f"Value '{value}' at '{member}' failed to satisfy constraint: Member must "
                "have length less than or equal to 7"
            )
    if findings:
        count = len(findings)
        raise ValidationException(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(findings)
        )


def resolve_parameters(
    runbook: Runbook,
    given: Mapping[str, list[str]],
    ssm_parameter: Callable[[str], StoredParameter | str],
) -> dict[str, Any]:
    """Typed values for every declared parameter; raises the API's error naming the field.

    ``ssm_parameter(name)``: the Parameter Store parameter behind ``{{ssm:name}}`` (raises
    KeyError when there is none)."""
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
            from_api = True
        elif decl.has_default:
            value = _default(decl)
            from_api = False
        else:
            raise Invalid(f"Parameter {name!r} is required but was not specified.")
        value = _resolve_ssm(decl, value, ssm_parameter)
        values[name] = _typed(decl, value, from_api)
        _check_allowed(decl, values[name])
        _check_bounds(decl, values[name])
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


def _resolve_ssm(
    decl: Parameter, value: Any, ssm_parameter: Callable[[str], StoredParameter | str]
) -> Any:
    """``{{ssm:Name}}`` replaced by the parameter's value. A StringList parameter whose
    value is a whole reference to a StringList Parameter Store parameter takes its items
    (the parameters page: String and StringList parameters can be referenced; a
    StringList's value is its items separated by commas): ``a,b`` is two items, not one.
    SecureString parameters can't be referenced (same page)."""
    name = decl.name
    if isinstance(value, list):
        items: list[Any] = []
        for item in value:
            resolved = _resolve_ssm(decl, item, ssm_parameter)
            if isinstance(resolved, list) and not isinstance(item, list):
                items.extend(resolved)
            else:
                items.append(resolved)
        return items
    if not isinstance(value, str) or "ssm:" not in value:
        return value

    def stored(reference: str) -> StoredParameter:
        try:
            found = ssm_parameter(reference)
        except KeyError as err:
            raise Invalid(
                f"Parameter {name!r} refers to Parameter Store parameter {reference!r}, "
                "which does not exist."
            ) from err
        if isinstance(found, str):
            found = StoredParameter("String", found)
        if found.type == "SecureString":
            raise Invalid(
                f"Parameter {name!r} refers to Parameter Store parameter {reference!r}, a "
                "SecureString: SecureString parameters can't be referenced in a document's "
                "parameters."
            )
        return found

    whole = SSM_REFERENCE.fullmatch(value.strip())
    if whole is not None and decl.type == "StringList":
        found = stored(whole.group(1))
        if found.type == "StringList":
            return found.value.split(",")
        return found.value
    return SSM_REFERENCE.sub(lambda match: stored(match.group(1)).value, value)


INTEGER_TEXT = re.compile(r"^-?[0-9]+$")


def _typed(decl: Parameter, value: Any, from_api: bool) -> Any:
    """The value as its declared type. The API carries every value as text; a default is
    the document's own JSON/YAML value, which the parameters page types strictly: a Boolean
    "accepts only true or false" (not "true" or 0), an Integer takes no decimals and no
    number in quotes ("3"), a StringMap maps string keys, a MapList is a list of maps."""
    kind = decl.type
    try:
        if kind == "String":
            if isinstance(value, bool | int | float):
                return str(value).lower() if isinstance(value, bool) else str(value)
            if not isinstance(value, str):
                raise ValueError("expected a string")
            return value
        if kind == "Integer":
            if isinstance(value, str):
                if (from_api or _was_reference(decl)) and INTEGER_TEXT.fullmatch(value.strip()):
                    return int(value.strip())
                raise ValueError(f"{value!r} is not an integral number")
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{value!r} is not an integral number")
            return value
        if kind == "Boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and (from_api or _was_reference(decl)):
                text = value.strip().lower()
                if text in ("true", "false"):
                    return text == "true"
            raise ValueError(f"{value!r} is not true or false")
        if kind == "StringList":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                raise ValueError("expected a list of strings")
            if any(isinstance(v, dict | list) for v in value):
                raise ValueError("expected a list of strings")
            return [str(v).lower() if isinstance(v, bool) else str(v) for v in value]
        if kind == "StringMap":
            value = json.loads(value) if isinstance(value, str) else value
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise ValueError("expected a map with string keys")
            return value
        if kind == "MapList":
            if not isinstance(value, list):
                raise ValueError("expected a list of maps")
            items = [json.loads(v) if isinstance(v, str) else v for v in value]
            if not all(isinstance(i, dict) for i in items):
                raise ValueError("expected a list of maps")
            return items
    except (TypeError, ValueError) as err:
        raise Invalid(f"Parameter {decl.name!r} has an invalid {kind} value: {err}.") from err
    raise Invalid(f"Parameter {decl.name!r} has an unsupported type {kind!r}.")


def _was_reference(decl: Parameter) -> bool:
    # A default that is a {{ssm:...}} reference arrives here as the parameter's text.
    default = decl.default
    return isinstance(default, str) and SSM_REFERENCE.fullmatch(default.strip()) is not None


def _check_bounds(decl: Parameter, value: Any) -> None:
    """minItems/maxItems count a list's items; minChars/maxChars count a value's characters
    (each item of a list; a StringMap's JSON text). Assumed where the page is silent: the
    bounds are inclusive, and a map is measured as its compact JSON."""
    name = decl.name
    if isinstance(value, list):
        count = len(value)
        if decl.min_items is not None and count < decl.min_items:
            raise Invalid(
                f"Parameter {name!r} has {count} items; it needs at least {decl.min_items} "
                "(minItems)."
            )
        if decl.max_items is not None and count > decl.max_items:
            raise Invalid(
                f"Parameter {name!r} has {count} items; it takes at most {decl.max_items} "
                "(maxItems)."
            )
    if decl.min_chars is None and decl.max_chars is None:
        return
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, bool):
            text = "true" if item else "false"
        elif isinstance(item, str):
            text = item
        elif isinstance(item, dict | list):
            text = json.dumps(item, separators=(",", ":"))
        else:
            text = str(item)
        if decl.min_chars is not None and len(text) < decl.min_chars:
            raise Invalid(
                f"Parameter {name!r} value {text!r} has {len(text)} characters; it needs at "
                f"least {decl.min_chars} (minChars)."
            )
        if decl.max_chars is not None and len(text) > decl.max_chars:
            raise Invalid(
                f"Parameter {name!r} value has {len(text)} characters; it takes at most "
                f"{decl.max_chars} (maxChars)."
            )


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
