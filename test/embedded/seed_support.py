"""The seed's account: its four runbooks byte for byte, its three parameters, a topic,
and three Windows instances (tagged running, tagged stopped, untagged)."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEED_DIR = Path(__file__).parents[1] / "fixtures" / "seed"
SEED_DOCUMENTS = (
    "MY-AutomationStart",
    "MY-AutomationProcess",
    "MY-CreateImage",
    "MY-WindowsUpdate",
)


@dataclass
class SeedAccount:
    topic: str
    approver: str
    running: str
    stopped: str
    untagged: str


def install_seed_documents(ssm: Any) -> None:
    """Create the four documents exactly as published (once per server)."""
    for name in SEED_DOCUMENTS:
        with contextlib.suppress(ssm.exceptions.DocumentAlreadyExists):
            ssm.create_document(
                Name=name,
                Content=(SEED_DIR / f"{name}.yaml").read_text(encoding="utf-8"),
                DocumentType="Automation",
                DocumentFormat="YAML",
            )


def windows_image(ec2: Any) -> str:
    images = ec2.describe_images(Filters=[{"Name": "platform", "Values": ["windows"]}])["Images"]
    return images[0]["ImageId"] if images else "ami-0123456789abcdef0"


def seed_account(client: Any, tag_key: str = "WinUpdate") -> SeedAccount:
    ssm, ec2, sns, sts = client("ssm"), client("ec2"), client("sns"), client("sts")
    topic = sns.create_topic(Name="AutomationWinUpdate")["TopicArn"]
    approver = sts.get_caller_identity()["Arn"]
    for name, value in (
        ("EC2UpdateTag", tag_key),
        ("NotificationArn", topic),
        ("Approvers", approver),
    ):
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    install_seed_documents(ssm)
    image = windows_image(ec2)

    def launch(tags: dict[str, str]) -> str:
        spec = (
            [
                {
                    "ResourceType": "instance",
                    "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
                }
            ]
            if tags
            else []
        )
        return ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.medium", TagSpecifications=spec
        )["Instances"][0]["InstanceId"]

    running = launch({tag_key: "ON", "Name": "seed-running"})
    stopped = launch({tag_key: "ON", "Name": "seed-stopped"})
    untagged = launch({"Name": "seed-untagged"})
    wait_for_state(ec2, [running, stopped, untagged], "running")
    # An instance in use has registered with SSM before it was stopped.
    wait_for_agents(ssm, [running, stopped, untagged], "Online")
    ec2.stop_instances(InstanceIds=[stopped])
    wait_for_state(ec2, [stopped], "stopped")
    return SeedAccount(topic, approver, running, stopped, untagged)


def wait_for_state(ec2: Any, ids: list[str], state: str, wall_timeout: float = 30) -> None:
    deadline = time.monotonic() + wall_timeout
    while True:
        found = [
            i["State"]["Name"]
            for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
            for i in r["Instances"]
        ]
        if all(s == state for s in found):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{ids} are {found}, not {state}")
        time.sleep(0.05)


def wait_for_agents(ssm: Any, ids: list[str], status: str, wall_timeout: float = 30) -> None:
    deadline = time.monotonic() + wall_timeout
    while True:
        found = ssm.describe_instance_information(
            InstanceInformationFilterList=[{"key": "InstanceIds", "valueSet": ids}]
        )["InstanceInformationList"]
        if len(found) == len(ids) and all(i["PingStatus"] == status for i in found):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"agents of {ids}: {[i['PingStatus'] for i in found]}")
        time.sleep(0.05)


def instance_state(ec2: Any, instance_id: str) -> str:
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return reservations[0]["Instances"][0]["State"]["Name"]


def images_of(ec2: Any, instance_id: str) -> list[dict[str, Any]]:
    return ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "name", "Values": [f"{instance_id}_*"]}]
    )["Images"]


def all_executions(ssm: Any) -> list[dict[str, Any]]:
    pages = ssm.get_paginator("describe_automation_executions").paginate()
    return [e for page in pages for e in page["AutomationExecutionMetadataList"]]
