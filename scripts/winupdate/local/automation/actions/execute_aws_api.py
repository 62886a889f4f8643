"""aws:executeAwsApi — automation-action-executeAwsApi.md: call any API; outputs by Selector.
"Each aws:executeAwsApi action can run up to a maximum duration of 25 seconds" (the page's
first paragraph): the runner times the step out there whatever its timeoutSeconds."""

from __future__ import annotations

from typing import Any

from ..registry import implements
from .base import Action, ActionResult, ActionRun, require

CONTROL_INPUTS = ("Service", "Api")


def api_request(inputs: dict[str, Any], *control: str) -> tuple[str, str, dict[str, Any]]:
    """Split a step's inputs into service, API name and the API's own parameters."""
    require(inputs, "Service", "Api")
    params = {k: v for k, v in inputs.items() if k not in (*CONTROL_INPUTS, *control)}
    return str(inputs["Service"]).lower(), str(inputs["Api"]), params


@implements("aws:executeAwsApi")
class ExecuteAwsApi(Action):
    max_seconds = 25

    def run(self, inputs: dict[str, Any]) -> ActionRun:
        service, api, params = api_request(inputs)
        response = yield from self.ctx.call(service, api, params)
        return ActionResult(response=response)
