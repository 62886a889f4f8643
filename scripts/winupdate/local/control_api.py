"""Emulator-only controls under ``/_winupdate/``: health and the SNS messages published."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from moto.sns.models import sns_backends

from .dispatch import Call, after, control

if TYPE_CHECKING:
    from .server import EmbeddedAws


# MessageId -> (modelled time of the Publish, the execution that published it); moto keeps
# neither with a notification.
_PUBLISHED: dict[str, tuple[float, str | None]] = {}
_MESSAGE_ID = re.compile(rb"<MessageId>([^<]+)</MessageId>")


@after("sns", "Publish")
def _remember_publish_time(call: Call, status: int, body: bytes) -> None:
    match = _MESSAGE_ID.search(body)
    if status == 200 and match:
        execution = call.aws.service("automation").execution_of(call)
        _PUBLISHED[match.group(1).decode()] = (call.aws.clock.now(), execution)


@control("GET", "health")
def health(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", "now": aws.clock.now(), "speed": aws.clock.speed}


@control("GET", "internal-failures")
def internal_failures(aws: EmbeddedAws, params: dict[str, Any]) -> list[dict[str, str]]:
    """Every request the embedded AWS failed to answer by a bug of its own (answered 500,
    its traceback in the log), oldest first: service, operation, the exception's line."""
    return list(aws.app.internal_failures)


@control("GET", "messages")
def messages(aws: EmbeddedAws, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every message published to a topic, oldest first; ``topic`` filters by ARN."""
    wanted = params.get("topic")
    found = []
    for account_id, regions in sns_backends.items():
        for region, backend in regions.items():
            for arn, topic in backend.topics.items():
                if wanted and arn != wanted:
                    continue
                for message_id, message, subject, _attrs, _group in topic.sent_notifications:
                    found.append(
                        {
                            "TopicArn": arn,
                            "MessageId": message_id,
                            "Subject": subject,
                            "Message": message,
                            "Timestamp": _PUBLISHED.get(message_id, (None, None))[0],
                            "PublishedBy": _PUBLISHED.get(message_id, (None, None))[1],
                            "Region": region,
                            "AccountId": account_id,
                        }
                    )
    return found


@control("GET", "automation/calls")
def automation_calls(aws: EmbeddedAws, params: dict[str, Any]) -> Any:
    """AWS calls made by the steps of one execution (``execution_id``), or of every one."""
    service = aws.service("automation")
    if "execution_id" in params:
        execution = service.get(params["execution_id"])
        return {"execution_id": execution.execution_id, "calls": execution.api_calls}
    with service.lock:
        return [
            {
                "execution_id": ex.execution_id,
                "document": ex.document_name,
                "target": ex.target,
                "calls": ex.api_calls,
            }
            for ex in service.executions.values()
        ]


@control("POST", "automation/settings")
def automation_settings(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    """The account's Automation quotas and a simulated approver, for simulations:
    ``MaxConcurrentExecutions`` (a whole number >= 1), ``QueueLimit`` (>= 0),
    ``AutoApprove`` ({Principal, AfterSeconds >= 0} or null). Every value is checked
    before any is set: a refused request changes nothing."""
    unknown = set(params) - set(SETTINGS)
    if unknown:
        raise ValueError(
            f"unknown settings {', '.join(sorted(unknown))}; the settings are "
            + ", ".join(SETTINGS)
        )
    new = {name: SETTINGS[name](params[name]) for name in params}
    service = aws.service("automation")
    if "MaxConcurrentExecutions" in new:
        service.max_concurrent = new["MaxConcurrentExecutions"]
    if "QueueLimit" in new:
        service.queue_limit = new["QueueLimit"]
    if "AutoApprove" in new:
        service.auto_approve = new["AutoApprove"]
    return {
        "MaxConcurrentExecutions": service.max_concurrent,
        "QueueLimit": service.queue_limit,
        "AutoApprove": service.auto_approve,
        "Running": service.running_count,
    }


def _whole_number(name: str, minimum: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        # A JSON number, or digits from a query string (?QueueLimit=10).
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            # Below 1 concurrent execution nothing would ever leave the queue.
            raise ValueError(f"{name} must be a whole number >= {minimum}, not {value!r}")
        return value

    return read


def _auto_approve(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"Principal", "AfterSeconds"}:
        raise ValueError(
            "AutoApprove must be null or {Principal, AfterSeconds}, not " + json.dumps(value)
        )
    principal = value.get("Principal")
    if not isinstance(principal, str) or not principal.strip():
        raise ValueError("AutoApprove.Principal must be the approver's ARN or name")
    after = value.get("AfterSeconds", 0)
    if (
        isinstance(after, bool)
        or not isinstance(after, int | float)
        or not math.isfinite(after)
        or after < 0
    ):
        raise ValueError(f"AutoApprove.AfterSeconds must be a number >= 0, not {after!r}")
    return {"principal": principal, "after": float(after)}


# Setting -> its reader: the value as the service keeps it, or ValueError (answered 400).
SETTINGS: dict[str, Callable[[Any], Any]] = {
    "MaxConcurrentExecutions": _whole_number("MaxConcurrentExecutions", 1),
    "QueueLimit": _whole_number("QueueLimit", 0),
    "AutoApprove": _auto_approve,
}
