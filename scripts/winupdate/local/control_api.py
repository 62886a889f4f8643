"""Emulator-only controls under ``/_winupdate/``: health and the SNS messages published."""

from __future__ import annotations

import re
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
    ``MaxConcurrentExecutions``, ``QueueLimit``, ``AutoApprove`` ({Principal, AfterSeconds}
    or null)."""
    service = aws.service("automation")
    if "MaxConcurrentExecutions" in params:
        service.max_concurrent = int(params["MaxConcurrentExecutions"])
    if "QueueLimit" in params:
        service.queue_limit = int(params["QueueLimit"])
    if "AutoApprove" in params:
        auto = params["AutoApprove"]
        service.auto_approve = (
            {"principal": auto["Principal"], "after": float(auto.get("AfterSeconds", 0))}
            if auto
            else None
        )
    return {
        "MaxConcurrentExecutions": service.max_concurrent,
        "QueueLimit": service.queue_limit,
        "AutoApprove": service.auto_approve,
        "Running": service.running_count,
    }
