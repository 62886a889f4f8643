"""Emulator-only controls under ``/_winupdate/``: health and the SNS messages published."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.sns.models import sns_backends

from .dispatch import control

if TYPE_CHECKING:
    from .server import EmbeddedAws


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
                            "Region": region,
                            "AccountId": account_id,
                        }
                    )
    return found
