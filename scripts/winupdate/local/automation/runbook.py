"""A schemaVersion 0.3 runbook as the runtime reads it: parameters and steps with their
common properties and the defaults the reference gives them
(automation-actions.md, "Properties shared by all actions")."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from ...content_limits import (
    ContentError,
    check_content_size,
    check_json_depth,
    check_size,
    safe_load,
)

# Default step timeouts the action pages give; other actions have none.
DEFAULT_TIMEOUTS = {
    "aws:approve": 604800,  # automation-action-approve.md: 7 days
    "aws:waitForAwsResourceProperty": 3600,  # automation-action-waitForAwsResourceProperty.md
    "aws:assertAwsResourceProperty": 3600,
    "aws:executeScript": 600,  # automation-action-executeScript.md: at most 600 s
}


class RunbookError(ValueError):
    """The document's content is not a runnable schemaVersion 0.3 runbook."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str = "String"
    default: Any = None
    has_default: bool = False
    allowed_values: tuple[Any, ...] | None = None
    allowed_pattern: str | None = None
    description: str = ""
    # documents-syntax-data-elements-parameters.md: minItems/maxItems, minChars/maxChars
    min_items: int | None = None
    max_items: int | None = None
    min_chars: int | None = None
    max_chars: int | None = None


@dataclass(frozen=True)
class OutputDecl:
    name: str
    selector: str
    type: str = "String"


@dataclass(frozen=True)
class Step:
    name: str
    action: str
    inputs: dict[str, Any]
    outputs: tuple[OutputDecl, ...] = ()
    max_attempts: int = 1
    timeout_seconds: int | None = None
    on_failure: str = "Abort"
    on_cancel: str = "Abort"
    is_critical: bool = True
    is_end: bool = False
    next_step: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def failure_target(self) -> str | None:
        return self.on_failure[5:] if self.on_failure.startswith("step:") else None

    @property
    def cancel_target(self) -> str | None:
        return self.on_cancel[5:] if self.on_cancel.startswith("step:") else None


@dataclass(frozen=True)
class Runbook:
    schema_version: str
    parameters: dict[str, Parameter]
    steps: tuple[Step, ...]
    outputs: tuple[str, ...] = ()
    assume_role: str | None = None
    description: str = ""

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.name == name)


def parse_content(content: str, document_format: str = "YAML") -> dict[str, Any]:
    try:
        data = check_content(content, document_format)
    except ContentError as err:
        raise RunbookError(f"the content is refused: {err.message} (line {err.line})") from err
    except (ValueError, yaml.YAMLError) as err:
        raise RunbookError(f"the content is not valid {document_format}: {err}") from err
    if not isinstance(data, dict):
        raise RunbookError("the content must be a mapping with schemaVersion and mainSteps")
    return data


def check_content(content: str, document_format: str = "YAML") -> Any:
    """The parsed content, within AWS's size limit and our nesting and alias bounds
    (``content_limits``); raises ContentError (ContentTooLarge for the size)."""
    if document_format == "JSON":
        check_size(content)
        check_json_depth(content)
        data = json.loads(content)
        check_content_size(data)
        return data
    return safe_load(content)


@functools.lru_cache(maxsize=256)
def load_runbook(content: str, document_format: str = "YAML") -> Runbook:
    """The runbook of a document's content; cached, because every execution of a
    document (a fleet's worth of children) would parse the same text again and a
    ``Runbook`` is immutable."""
    data = parse_content(content, document_format)
    version = str(data.get("schemaVersion", ""))
    if version != "0.3":
        raise RunbookError(f"schemaVersion must be '0.3' for Automation, not {version!r}")
    params = {name: _parameter(name, spec) for name, spec in (data.get("parameters") or {}).items()}
    raw_steps = data.get("mainSteps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise RunbookError("mainSteps must be a non-empty list of steps")
    steps = tuple(_step(i, raw) for i, raw in enumerate(raw_steps))
    names = [s.name for s in steps]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RunbookError(f"step names must be unique: {', '.join(duplicates)}")
    for step in steps:
        for target in (step.next_step, step.failure_target, step.cancel_target):
            if target is not None and target not in names:
                raise RunbookError(
                    f"step {step.name} refers to a step that does not exist: {target}"
                )
    return Runbook(
        schema_version=version,
        parameters=params,
        steps=steps,
        outputs=tuple(data.get("outputs") or ()),
        assume_role=data.get("assumeRole"),
        description=str(data.get("description") or ""),
    )


def _parameter(name: str, spec: Any) -> Parameter:
    if not isinstance(spec, dict):
        raise RunbookError(f"parameter {name} must be a mapping with a type")
    allowed = spec.get("allowedValues")
    return Parameter(
        name=name,
        type=str(spec.get("type", "String")),
        default=spec.get("default"),
        has_default="default" in spec,
        allowed_values=tuple(allowed) if allowed is not None else None,
        allowed_pattern=spec.get("allowedPattern"),
        description=str(spec.get("description") or ""),
        min_items=_bound(spec, "minItems"),
        max_items=_bound(spec, "maxItems"),
        min_chars=_bound(spec, "minChars"),
        max_chars=_bound(spec, "maxChars"),
    )


def _bound(spec: dict[str, Any], key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RunbookError(f"{key} must be a whole number, not {value!r}")
    return value


def _step(index: int, raw: Any) -> Step:
    if not isinstance(raw, dict):
        raise RunbookError(f"mainSteps[{index}] must be a mapping")
    name, action = raw.get("name"), raw.get("action")
    if not name or not action:
        raise RunbookError(f"mainSteps[{index}] needs a name and an action")
    on_failure = str(raw.get("onFailure", "Abort"))
    if on_failure not in ("Abort", "Continue") and not on_failure.startswith("step:"):
        raise RunbookError(f"step {name}: onFailure must be Abort, Continue or step:<name>")
    on_cancel = str(raw.get("onCancel", "Abort"))
    # automation-actions.md, isCritical: defaults to false when onFailure is Continue.
    critical_default = on_failure != "Continue"
    timeout = raw.get("timeoutSeconds", DEFAULT_TIMEOUTS.get(action))
    outputs = tuple(
        OutputDecl(name=o["Name"], selector=o["Selector"], type=o.get("Type", "String"))
        for o in raw.get("outputs") or ()
    )
    return Step(
        name=str(name),
        action=str(action),
        inputs=dict(raw.get("inputs") or {}),
        outputs=outputs,
        max_attempts=int(raw.get("maxAttempts", 1)),
        timeout_seconds=int(timeout) if timeout is not None else None,
        on_failure=on_failure,
        on_cancel=on_cancel,
        is_critical=_bool(raw.get("isCritical", critical_default)),
        is_end=_bool(raw.get("isEnd", False)),
        next_step=raw.get("nextStep"),
        raw=raw,
    )


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)
