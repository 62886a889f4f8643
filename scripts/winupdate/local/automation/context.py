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


class KeptAnswer:
    """A poll's answer kept to be given again: each copy is a new object (the step may
    change what it is given). Kept as JSON text, which ``json.loads`` turns into a copy
    several times faster than ``copy.deepcopy`` (a reused poll's main cost). Answers are
    ``jsonable``'s plain dicts, lists and scalars, which JSON gives back as they were; one
    it would not give back equal (a key that is not a string, a tuple, NaN, an object)
    is deep-copied instead."""

    __slots__ = ("_answer", "_text")

    def __init__(self, answer: dict[str, Any]) -> None:
        self._text: str | None = None
        self._answer: dict[str, Any] | None = None
        try:
            text = json.dumps(answer)
            if json.loads(text) == answer:
                self._text = text
        except (TypeError, ValueError, RecursionError):
            pass
        if self._text is None:
            self._answer = copy.deepcopy(answer)

    def copy(self) -> dict[str, Any]:
        if self._text is not None:
            return json.loads(self._text)
        return copy.deepcopy(self._answer)


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

        With ``reuse_unchanged_polls`` (virtual time), a read whose fingerprint (what its
        answer depends on) equals the one taken at this execution's last identical read is
        given that read's answer: AWS would have made the call, so it is counted, but the
        request is not made. A waiter's polls are such reads, and so is a check right after
        a wait. Everything else (timing, outputs, faults, which are never skipped) is as if
        it had been; ``test_reused_polls_change_nothing`` holds us to it.
        """
        aws = self.service.aws
        if not aws.reuse_unchanged_polls:
            return (yield from self._request(service, api, params))
        read = (self.region, service, api, json.dumps(params, sort_keys=True, default=str))
        key = self.execution.access_key
        before = fingerprint(aws, service, api, self.region, params, key)
        if before is None:  # not a read, or one that cannot be told unchanged
            return (yield from self._request(service, api, params))
        kept = self.execution.kept_reads.get(read)
        if kept is not None and kept[0] == before:
            with self.service.lock:
                self.execution.api_calls += 1
            return kept[1].copy()
        response = yield from self._request(service, api, params)
        after = fingerprint(aws, service, api, self.region, params, key)
        if after == before:
            self.execution.kept_reads[read] = (after, KeptAnswer(response))
        else:
            # Something changed while the call was answered: whether the answer shows it
            # is unknown, so the next identical read is a real call.
            self.execution.kept_reads.pop(read, None)
        return response

    def _request(
        self, service: str, api: str, params: dict[str, Any]
    ) -> Generator[Wait, None, dict[str, Any]]:
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
            calling = self.service.aws.calling
            calling.execution_id = self.execution.execution_id
            calling.access_key = self.execution.access_key
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
                calling.execution_id = calling.access_key = None
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
