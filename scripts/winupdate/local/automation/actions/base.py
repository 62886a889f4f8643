"""The base of every action: one class per action, registered with ``@implements``."""

from __future__ import annotations

from typing import Any

from ..context import ActionResult, ActionRun, StepContext, StepFailed


class Action:
    action: str = ""
    # True when the action enforces the step's timeoutSeconds itself, in real seconds,
    # because what it waits for is real work that the scaled clock would stretch.
    times_itself: bool = False

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx

    def run(self, inputs: dict[str, Any]) -> ActionRun:  # pragma: no cover - interface
        raise NotImplementedError
        yield 0.0


def require(inputs: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if inputs.get(n) in (None, "", [])]
    if missing:
        raise StepFailed(
            f"Required input {missing[0]} is missing or empty.", failure_type="InputValidation"
        )


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


__all__ = ["Action", "ActionResult", "ActionRun", "StepFailed", "as_bool", "as_list", "require"]
