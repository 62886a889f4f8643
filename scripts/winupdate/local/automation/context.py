"""What an action sees of its execution: inputs' scope, AWS calls, signals, children."""

from __future__ import annotations

import copy
import json
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import botocore
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from ..dispatch import fingerprint

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
        # The last poll of this step: (what was read, its fingerprint, its answer).
        self._last_poll: tuple[Any, Any, dict[str, Any]] | None = None

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

    def poll(
        self, service: str, api: str, params: dict[str, Any]
    ) -> Generator[Wait, None, dict[str, Any]]:
        """``call`` for a read the step repeats until something changes.

        With ``reuse_unchanged_polls`` (virtual time), when the fingerprint of what the read
        depends on equals the one taken at this step's last poll of the same read, the
        answer is that poll's: AWS would have made the call, so it is counted, but the
        request is not made. Everything else (timing, outputs, faults, which are never
        skipped) is as if it had been; ``test_reused_polls_change_nothing`` holds us to it.
        """
        aws = self.service.aws
        if not aws.reuse_unchanged_polls:
            return (yield from self.call(service, api, params))
        read = (service, api, json.dumps(params, sort_keys=True, default=str))
        before = fingerprint(aws, service, api, self.region, params)
        last = self._last_poll
        if last is not None and before is not None and last[0] == read and last[1] == before:
            with self.service.lock:
                self.execution.api_calls += 1
            return copy.deepcopy(last[2])
        response = yield from self.call(service, api, params)
        after = fingerprint(aws, service, api, self.region, params)
        # Something changed while the call was answered: whether the answer shows it is
        # unknown, so the next poll is a real call.
        self._last_poll = (read, after, copy.deepcopy(response)) if after == before else None
        return response

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
