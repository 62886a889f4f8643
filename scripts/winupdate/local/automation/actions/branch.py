"""aws:branch — automation-action-branch.md: the first matching choice names the next step;
with none true, the Default step; with no Default, "the automation processes the next step
in the runbook" (the page's third paragraph)."""

from __future__ import annotations

from typing import Any

from ..registry import implements
from .base import Action, ActionResult, ActionRun, StepFailed, as_bool, require

STRING_OPERATORS = {
    "StringEquals": lambda a, b: str(a) == str(b),
    "EqualsIgnoreCase": lambda a, b: str(a).lower() == str(b).lower(),
    "StartsWith": lambda a, b: str(a).startswith(str(b)),
    "EndsWith": lambda a, b: str(a).endswith(str(b)),
    "Contains": lambda a, b: str(b) in (a if isinstance(a, list) else str(a)),
}
NUMERIC_OPERATORS = {
    "NumericEquals": lambda a, b: a == b,
    "NumericGreater": lambda a, b: a > b,
    "NumericLesser": lambda a, b: a < b,
    "NumericGreaterOrEquals": lambda a, b: a >= b,
    "NumericLesserOrEquals": lambda a, b: a <= b,
}


def evaluate(choice: dict[str, Any]) -> bool:
    if "And" in choice:
        return all(evaluate(c) for c in choice["And"])
    if "Or" in choice:
        return any(evaluate(c) for c in choice["Or"])
    if "Not" in choice:
        return not evaluate(choice["Not"])
    if "Variable" not in choice:
        raise StepFailed("A branch choice needs a Variable, And, Or or Not.", "InputValidation")
    value = choice["Variable"]
    for name, test in STRING_OPERATORS.items():
        if name in choice:
            return test(value, choice[name])
    for name, test in NUMERIC_OPERATORS.items():
        if name in choice:
            try:
                return test(float(value), float(choice[name]))
            except (TypeError, ValueError) as err:
                raise StepFailed(
                    f"{name} compares numbers; {value!r} is not one.", "InputValidation"
                ) from err
    if "BooleanEquals" in choice:
        return as_bool(value) == as_bool(choice["BooleanEquals"])
    raise StepFailed("A branch choice names no operator it can evaluate.", "InputValidation")


@implements("aws:branch")
class Branch(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "Choices")
        for choice in inputs["Choices"]:
            if evaluate(choice):
                return ActionResult(next_step=str(choice["NextStep"]))
        if inputs.get("Default"):
            return ActionResult(next_step=str(inputs["Default"]))
        return ActionResult()  # the runner goes on to the next step (or ends at isEnd)
        yield 0.0
