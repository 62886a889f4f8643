"""JSONPath selectors of step outputs and of ``PropertySelector`` (jsonpath-ng).

automation-action-outputs-inputs.md, "Using JSONPath in runbooks": the operators Automation
supports are the dot-notated child (``.``), the deep scan (``..``) and the array index
(``[ ]``). AWS's own runbooks, which AWS accepted and runs, also use a few forms that page
does not list, so Automation's engine takes them too: selectors without the leading ``$.``
(``SnapshotId``, ``Snapshots[0].State``: AWSSupport-ResetLinuxUserPassword), quoted names
(``.'UpgradedTo2012R2.ImageId'``, ``['SubnetId']``: AWSEC2-CloneInstanceAndUpgradeWindows,
AWSSupport-ConnectivityTroubleshooter), a filter (``[?(@.OutputKey=='InstanceId')]``:
AWSSupport-ValidateMWAADependencies) and an index after a dot (``.[0]``: the same). What no
page and no AWS runbook shows (wildcards ``*``, slices, unions) is refused, so a runbook that
works here works there.
"""

from __future__ import annotations

import contextlib
import json
import re
from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext import parse


class SelectorError(ValueError):
    pass


class OutputTypeError(SelectorError):
    """A selected value that does not fit its output's Type."""


# A key: anything but the operators' characters and whitespace.
_NAME = r"[^.\[\]*?()@$'\"\s,:]+"
_QUOTED = r"'[^']*'"
# A filter expression: anything but brackets, with one level of parentheses.
_FILTER = r"\[\?\((?:[^()\[\]]|\([^()]*\))*\)\]"
_SEGMENT = rf"(?:\.\.?(?:{_NAME}|{_QUOTED})|\.?\[[0-9]+\]|\[{_QUOTED}\]|{_FILTER})"
SUPPORTED = re.compile(rf"^(?:\${_SEGMENT}*|{_NAME}{_SEGMENT}*)$")


def check_selector(selector: str) -> None:
    """Raise SelectorError unless ``selector`` uses only the operators AWS supports."""
    if not isinstance(selector, str) or not SUPPORTED.fullmatch(selector.strip()):
        raise SelectorError(
            f"invalid JSONPath selector {selector!r}: Automation supports the dot-notated "
            "child (.), the deep scan (..), the array index ([n]), quoted names and filters "
            "([?(...)]), not wildcards, slices or unions"
        )


@lru_cache(maxsize=512)
def compile_selector(selector: str) -> JSONPath:
    check_selector(selector)
    try:
        return parse(selector.strip())
    except (JsonPathParserError, Exception) as err:
        raise SelectorError(f"invalid JSONPath selector {selector!r}: {err}") from err


def select(selector: str, document: Any) -> list[Any]:
    """Every value ``selector`` picks from ``document`` (empty when nothing matches)."""
    return [m.value for m in compile_selector(selector).find(document)]


def typed_output(matches: list[Any], kind: str) -> Any:
    """The output value of type ``kind`` from a selector's matches (None when none);
    OutputTypeError when the value is not of that type."""
    if not matches:
        return None
    if kind == "StringList":
        values = matches[0] if len(matches) == 1 and isinstance(matches[0], list) else matches
        return [v if isinstance(v, str) else json.dumps(v) for v in values]
    if kind == "MapList":
        values = matches[0] if len(matches) == 1 and isinstance(matches[0], list) else matches
        if not all(isinstance(v, dict) for v in values):
            raise OutputTypeError(f"{_shown(values)} is not a list of maps")
        return list(values)
    value = matches[0] if len(matches) == 1 else matches
    if kind == "Integer":
        if isinstance(value, bool):
            raise OutputTypeError(f"{_shown(value)} is not an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
            return int(value)
        raise OutputTypeError(f"{_shown(value)} is not an integer")
    if kind == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise OutputTypeError(f"{_shown(value)} is not a Boolean")
    if kind == "StringMap":
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        if not isinstance(value, dict):
            raise OutputTypeError(f"{_shown(value)} is not a map")
        return value
    return value if isinstance(value, str) else json.dumps(value)


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 200 else text[:200] + "..."


def api_output(value: Any) -> list[str]:
    """An output as the API lists it: a list of strings."""
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, str):
        return [value]
    return [json.dumps(value)] if isinstance(value, dict) else [str(value)]
