"""aws:waitForAwsResourceProperty — automation-action-waitForAwsResourceProperty.md.

Polls until the selected property has one of DesiredValues. Like AWS, it keeps
polling when the property reaches some other value — even a terminal one such as
an execution's ``Failed`` — until the step's timeout (3600 s by default).
"""

from __future__ import annotations

from typing import Any

from ..context import POLL_SECONDS
from ..registry import implements
from ..selectors import select
from .base import Action, ActionResult, ActionRun, StepFailed, as_list, require
from .execute_aws_api import api_request


def property_matches(response: Any, selector: str, desired: list[Any]) -> tuple[bool, list[Any]]:
    values = select(selector, response)
    if len(values) == 1 and isinstance(values[0], list):
        values = values[0]
    wanted = {str(d) for d in desired}
    found = [v if isinstance(v, str) else str(v) for v in values]
    return (bool(found) and all(v in wanted for v in found)), values


@implements("aws:waitForAwsResourceProperty")
class WaitForAwsResourceProperty(Action):
    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "PropertySelector", "DesiredValues")
        service, api, params = api_request(inputs, "PropertySelector", "DesiredValues")
        desired = as_list(inputs["DesiredValues"])
        while True:
            response = yield from self.ctx.call(service, api, params)
            ok, _ = property_matches(response, str(inputs["PropertySelector"]), desired)
            if ok:
                return ActionResult(response=response)
            yield POLL_SECONDS


@implements("aws:assertAwsResourceProperty")
class AssertAwsResourceProperty(Action):
    """automation-action-assertAwsResourceProperty.md: one look; fails unless it matches."""

    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "PropertySelector", "DesiredValues")
        service, api, params = api_request(inputs, "PropertySelector", "DesiredValues")
        desired = as_list(inputs["DesiredValues"])
        response = yield from self.ctx.call(service, api, params)
        ok, values = property_matches(response, str(inputs["PropertySelector"]), desired)
        if not ok:
            raise StepFailed(
                f"Assertion failed: {inputs['PropertySelector']} is {values}, "
                f"expected one of {desired}.",
                "Verification",
            )
        return ActionResult(response=response)
