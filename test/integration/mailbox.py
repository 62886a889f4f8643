"""Reading the module's SNS messages as a real account can: an SQS queue subscribed to the
topic. The same reader serves both modes (moto delivers SNS to SQS as AWS does), so the
message assertions hold against a sandbox account too."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError


@dataclass
class Mailbox:
    sqs: Any
    sns: Any
    queue_url: str
    subscription_arn: str
    settle: float
    #: Every message read so far, by MessageId (SQS may deliver one twice).
    received: dict[str, dict[str, Any]] = field(default_factory=dict)

    def messages(self) -> list[dict[str, Any]]:
        """Every message the topic delivered so far, oldest first: Subject, Message, ...

        Drains the queue until a receive comes back empty after ``settle`` seconds of
        long polling (0 on the embedded AWS, which delivers during Publish).
        """
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=int(min(self.settle, 20)),
            )
            batch = answer.get("Messages", [])
            if not batch:
                break
            for entry in batch:
                envelope = json.loads(entry["Body"])
                self.received[envelope["MessageId"]] = {
                    "MessageId": envelope["MessageId"],
                    "TopicArn": envelope["TopicArn"],
                    "Subject": envelope.get("Subject"),
                    "Message": envelope["Message"],
                    "Timestamp": envelope["Timestamp"],
                }
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": e["ReceiptHandle"]} for n, e in enumerate(batch)
                ],
            )
        return sorted(self.received.values(), key=lambda m: m["Timestamp"])


def open_mailbox(sqs: Any, sns: Any, topic_arn: str, name: str, settle: float) -> Mailbox:
    """A queue named ``name`` that the topic may send to, subscribed with the raw envelope."""
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    # Without this policy AWS drops SNS's deliveries to the queue silently.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TopicSendsMessages",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    subscription = sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    return Mailbox(sqs, sns, queue_url, subscription, settle)


def close_mailbox(mailbox: Mailbox) -> list[str]:
    """Unsubscribe and delete the queue; returns the problems instead of raising."""
    problems = []
    try:
        mailbox.sns.unsubscribe(SubscriptionArn=mailbox.subscription_arn)
    except ClientError as err:
        if "NotFound" not in str(err):
            problems.append(f"unsubscribe {mailbox.subscription_arn}: {err}")
    try:
        mailbox.sqs.delete_queue(QueueUrl=mailbox.queue_url)
    except ClientError as err:
        if "NonExistentQueue" not in str(err):
            problems.append(f"delete queue {mailbox.queue_url}: {err}")
    return problems
