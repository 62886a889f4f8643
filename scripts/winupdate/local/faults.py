"""Injected failures, for tests: an AWS API answers with an error, or a fleet process fails.

API faults match a call by service, operation and request fields, and answer with the
AWS error code given (in the protocol's own error format), ``count`` times or always.
Fleet faults (``kind`` such as ``image_fails``) are read by the fleet model for one
instance or for all. Both are emulator-only controls under ``/_winupdate/faults``.

``kind: "throttle"`` is an API fault with the service's own throttling answer
(``THROTTLING``): EC2 ``RequestLimitExceeded`` with HTTP 503, SNS ``Throttled``, the
JSON services (SSM among them) ``ThrottlingException`` with HTTP 400. botocore counts
each of these codes as throttling and retries it.

``answer_lost: true`` makes an API fault act after the call: the call is carried out and
its success is answered with the error instead — what a client sees when an answer is lost
on the way back (a 5xx after the write, a dropped connection), and retries.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .dispatch import Call, control
from .errors import AwsError

if TYPE_CHECKING:
    from .server import EmbeddedAws

FLEET_FAULTS = {
    "image_fails": "AMI creation fails: the image ends in state failed",
    "image_stays_pending": "the AMI never becomes available",
    "start_fails": "the instance fails to start (it goes back to stopped)",
    "agent_never_online": "the SSM agent never comes Online",
    "command_fails": "Run Command fails on the instance",
    "command_times_out": "Run Command never finishes (the invocation times out)",
    "reboot_never_completes": "a reboot the update needs never completes",
    "root_volume_replacement_fails": "a root volume replacement task ends failed (the "
    "original root volume stays attached)",
}

#: service -> (error code, HTTP status, message) of its "slow down" answer. EC2 answers
#: 503 (its API throttling page; every SDK reports "Status Code: 503"); SNS's Publish
#: documents ThrottledException as 429 with the code Throttled; the rest 400.
THROTTLING: dict[str, tuple[str, int, str]] = {
    "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
    "sns": ("Throttled", 429, "Rate exceeded"),
}
DEFAULT_THROTTLING = ("ThrottlingException", 400, "Rate exceeded")


def throttling(service: str) -> tuple[str, int, str]:
    """The error code, HTTP status and message ``service`` throttles a caller with."""
    return THROTTLING.get(service, DEFAULT_THROTTLING)


@dataclass
class Fault:
    id: int
    kind: str  # "api" or one of FLEET_FAULTS
    service: str | None = None
    operation: str | None = None
    match: dict[str, Any] = field(default_factory=dict)
    instance_id: str | None = None  # fleet faults: None = every instance
    # command_fails / command_times_out: only commands of this document (None: any), so a
    # test can fail the update and not the hook that runs before it on the same instance.
    document: str | None = None
    error: str = "InternalError"
    message: str = "Injected fault"
    status: int = 400
    count: int | None = None  # None: every time
    answer_lost: bool = False  # carried out, then answered with the error
    hits: int = 0

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class FaultService:
    name = "faults"

    def __init__(self, aws: EmbeddedAws) -> None:
        self.aws = aws
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.faults: list[Fault] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.clear()

    def tick(self) -> None:
        pass

    def add(self, spec: dict[str, Any]) -> Fault:
        kind = spec.get("kind", "api")
        if kind == "throttle":
            # An API fault answered as the service throttles, unless told otherwise.
            code, status, message = throttling(str(spec.get("service", "")))
            spec = {"error": code, "status": status, "message": message, **spec, "kind": "api"}
            kind = "api"
        if kind != "api" and kind not in FLEET_FAULTS:
            raise ValueError(
                f"unknown fault kind {kind!r}; use api, throttle or one of {sorted(FLEET_FAULTS)}"
            )
        if kind == "api" and not (spec.get("service") and spec.get("operation")):
            raise ValueError("an api fault needs service and operation")
        if not isinstance(spec.get("answer_lost", False), bool):
            raise ValueError(f"answer_lost must be true or false, not {spec['answer_lost']!r}")
        if spec.get("answer_lost") and kind != "api":
            raise ValueError("answer_lost is for api faults: a fleet fault has no answer")
        fault = Fault(
            id=next(self._ids),
            kind=kind,
            **{k: v for k, v in spec.items() if k != "kind" and k in Fault.__dataclass_fields__},
        )
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def check_call(self, call: Call) -> None:
        """Raise the injected error if an API fault matches this call."""
        error = self._spend(call, answer_lost=False)
        if error is not None:
            raise error

    def lost_answer(self, call: Call) -> AwsError | None:
        """The error that replaces the success of ``call``, carried out, if an API fault
        with ``answer_lost`` matches it."""
        return self._spend(call, answer_lost=True)

    def _spend(self, call: Call, answer_lost: bool) -> AwsError | None:
        with self._lock:
            for fault in self.faults:
                if fault.kind != "api" or fault.answer_lost != answer_lost:
                    continue
                if self._spend_if(fault, call):
                    return AwsError(fault.error, fault.message, fault.status)
        return None

    def api_fault_pending(self, service: str, operation: str) -> bool:
        """Whether an API fault may still act on a call of ``operation``, whatever its
        parameters (they may be spelt as botocore's or as the wire's)."""
        with self._lock:
            return any(
                fault.kind == "api"
                and (fault.service, fault.operation) == (service, operation)
                and (fault.count is None or fault.hits < fault.count)
                for fault in self.faults
            )

    def fleet_fault(self, kind: str, instance_id: str | None, document: str | None = None) -> bool:
        """Whether fleet fault ``kind`` hits ``instance_id`` now (and count it); a fault
        limited to a document hits only commands of that ``document``."""
        with self._lock:
            for fault in self.faults:
                if fault.kind != kind:
                    continue
                if fault.instance_id not in (None, instance_id):
                    continue
                if fault.document is not None and fault.document != document:
                    continue
                if fault.count is not None and fault.hits >= fault.count:
                    continue
                fault.hits += 1
                return True
        return False

    @staticmethod
    def _spend_if(fault: Fault, call: Call) -> bool:
        if fault.service != call.service or fault.operation != call.operation:
            return False
        if fault.count is not None and fault.hits >= fault.count:
            return False
        for key, wanted in fault.match.items():
            value = call.params.get(key)
            if value is None:
                # query protocol lists: InstanceId.1=...
                value = [v for k, v in call.params.items() if k.startswith(f"{key}.")]
            values = value if isinstance(value, list) else [value]
            if str(wanted) not in [str(v) for v in values]:
                return False
        fault.hits += 1
        return True


@control("POST", "faults")
def add_fault(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    return aws.service("faults").add(params).to_json()


@control("GET", "faults")
def list_faults(aws: EmbeddedAws, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [f.to_json() for f in aws.service("faults").faults]


@control("POST", "faults/clear")
def clear_faults(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    aws.service("faults").clear()
    return {"cleared": True}
