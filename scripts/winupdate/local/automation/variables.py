"""``{{ name }}`` substitution in step inputs (automation-variables.md).

A string that is exactly one placeholder takes the variable's own value (a
StringList stays a list, a Boolean a bool); a placeholder inside a longer string
is replaced by the value's text. Whitespace inside the braces is allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s][^{}]*?)\s*\}\}")


class UnresolvedVariable(LookupError):
    def __init__(self, name: str, reason: str = "") -> None:
        super().__init__(name)
        self.name = name
        self.reason = reason

    def __str__(self) -> str:
        return f"variable {{{{{self.name}}}}} cannot be resolved" + (
            f": {self.reason}" if self.reason else ""
        )


def names_in(value: Any) -> list[str]:
    """Every variable name referenced anywhere in ``value``."""
    if isinstance(value, str):
        return PLACEHOLDER.findall(value)
    if isinstance(value, Mapping):
        return [n for v in value.values() for n in names_in(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in names_in(v)]
    return []


def substitute(value: Any, lookup: Callable[[str], Any]) -> Any:
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole:
            return lookup(whole.group(1))
        return PLACEHOLDER.sub(lambda m: as_text(lookup(m.group(1))), value)
    if isinstance(value, Mapping):
        return {k: substitute(v, lookup) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(v, lookup) for v in value]
    return value


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


@dataclass
class Scope:
    """What a step of one execution can reference."""

    parameters: Mapping[str, Any]
    step_outputs: Mapping[str, Any]
    execution_id: str
    document_name: str
    account_id: str
    region: str
    now: Callable[[], datetime]
    ssm_parameter: Callable[[str], str]

    def lookup(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.step_outputs:
            return self.step_outputs[name]
        prefix, _, rest = name.partition(":")
        if prefix == "automation":
            if rest == "EXECUTION_ID":
                return self.execution_id
            if rest == "DOCUMENT_NAME":
                return self.document_name
        elif prefix == "global":
            partition = "aws-us-gov" if self.region.startswith("us-gov-") else "aws"
            value = {
                "ACCOUNT_ID": self.account_id,
                "REGION": self.region,
                "AWS_PARTITION": partition,
                "DATE": self.now().strftime("%Y-%m-%d"),
                "DATE_TIME": self.now().strftime("%Y-%m-%d_%H.%M.%S"),
            }.get(rest)
            if value is not None:
                return value
        elif prefix == "ssm" and rest:
            return self.ssm_parameter(rest)
        if "." in name:
            step = name.split(".", 1)[0]
            raise UnresolvedVariable(name, f"step {step} has produced no output of that name")
        raise UnresolvedVariable(name, "no parameter, step output or system variable has that name")
