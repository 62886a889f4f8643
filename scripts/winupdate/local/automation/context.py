"""What an action sees of its execution: inputs' scope, AWS calls, signals, children."""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import botocore
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

if TYPE_CHECKING:
    from .models import Execution, StepRecord
    from .service import AutomationService

# How often pollers look again, in modelled seconds. AWS does not document its
# interval; cdk-ssm-documents' simulation and observed runs poll every few seconds.
POLL_SECONDS = 5.0

# Error codes AWS services use for throttling (botocore's retry handler's list).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "Throttled",  # SNS
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "PriorRequestNotComplete",
    }
)
THROTTLE_FIRST_BACKOFF = 1.0
THROTTLE_MAX_BACKOFF = 30.0

# An action's run() is a generator: it yields how many modelled seconds to wait
# (it may be woken earlier by a signal or a child's end) and returns its result.
Wait = float
ActionRun = Generator[Wait, None, "ActionResult"]


class StepFailed(Exception):
    """The step failed; ``failure_type`` as FailureDetails reports it."""

    def __init__(self, message: str, failure_type: str = "Verification") -> None:
        super().__init__(message)
        self.message = message
        self.failure_type = failure_type


class StepTimedOut(Exception):
    pass


class StepCancelled(Exception):
    pass


@dataclass
class ActionResult:
    """``outputs``: the action's predefined outputs; ``response``: what Selectors read."""

    outputs: dict[str, Any] = field(default_factory=dict)
    response: Any = None
    next_step: str | None = None  # aws:branch's choice


class StepContext:
    def __init__(self, service: AutomationService, execution: Execution, record: StepRecord):
        self.service = service
        self.execution = execution
        self.record = record
        self.clock = service.aws.clock

    @property
    def region(self) -> str:
        return self.execution.region

    def call(
        self, service: str, api: str, params: dict[str, Any]
    ) -> Generator[Wait, None, dict[str, Any]]:
        """Call ``service``'s ``api`` on the embedded AWS, as the Automation service would.

        Use as ``response = yield from ctx.call(...)``. A throttled call is retried with
        backoff within the account's throttling retry time limit
        (automation-throttling-retry: every action but aws:executeScript), after which the
        step fails and ``maxAttempts`` takes over.
        """
        client = self.service.aws.client(service, self.region)
        if api not in client.meta.service_model.operation_names:
            raise StepFailed(f"{service} has no API named {api}.", failure_type="InputValidation")
        method = getattr(client, botocore.xform_name(api))
        limit = self.service.throttling_retry_limit(self.execution)
        began = self.clock.now()
        backoff = THROTTLE_FIRST_BACKOFF
        while True:
            with self.service.lock:
                self.execution.api_calls += 1
            self.service.aws.calling.execution_id = self.execution.execution_id
            try:
                response = method(**params)
            except ParamValidationError as err:
                raise StepFailed(str(err).replace("\n", " "), "InputValidation") from err
            except ClientError as err:
                code = err.response.get("Error", {}).get("Code", "")
                waited = self.clock.now() - began
                if code in THROTTLING_CODES and waited + backoff <= limit:
                    yield backoff
                    backoff = min(backoff * 2, THROTTLE_MAX_BACKOFF)
                    continue
                raise StepFailed(str(err)) from err
            except BotoCoreError as err:
                raise StepFailed(f"{type(err).__name__}: {err}") from err
            finally:
                self.service.aws.calling.execution_id = None
            response.pop("ResponseMetadata", None)
            return jsonable(response)

    def take_signals(self) -> list[dict[str, Any]]:
        with self.service.lock:
            signals, self.execution.signals = self.execution.signals, []
        return signals

    def set_waiting(self, waiting: bool) -> None:
        from .statuses import Status

        with self.service.lock:
            self.record.status = Status.WAITING if waiting else Status.IN_PROGRESS
            if not self.execution.is_terminal:
                self.execution.status = Status.WAITING if waiting else Status.IN_PROGRESS


def jsonable(value: Any) -> Any:
    """An API response as AWS's Automation shows it: timestamps as ISO strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def response_text(value: Any) -> str:
    return json.dumps(value, default=str)
