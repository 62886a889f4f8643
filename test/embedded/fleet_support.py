"""Helpers for the fleet tests: launch instances, poll with a wall deadline, control calls."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

# A wall-clock bound for any wait: at 600 modelled s per wall s, 20 s is 3+ modelled hours.
WALL_DEADLINE = 20.0


def wait_for(probe: Callable[[], Any], what: str, deadline: float = WALL_DEADLINE) -> Any:
    """Call ``probe`` until it returns something truthy; fail after ``deadline`` wall seconds."""
    end = time.monotonic() + deadline
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def launch(ec2: Any, image_id: str = "ami-12345678", tags: dict[str, str] | None = None) -> str:
    params: dict[str, Any] = {"ImageId": image_id, "MinCount": 1, "MaxCount": 1}
    if tags:
        params["TagSpecifications"] = [
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    return ec2.run_instances(**params)["Instances"][0]["InstanceId"]


def state(ec2: Any, instance_id: str) -> str:
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return reservations[0]["Instances"][0]["State"]["Name"]


def ping_status(ssm: Any, instance_id: str) -> str | None:
    listed = ssm.describe_instance_information(
        InstanceInformationFilterList=[{"key": "InstanceIds", "valueSet": [instance_id]}]
    )["InstanceInformationList"]
    return listed[0]["PingStatus"] if listed else None


def wait_online(ssm: Any, instance_id: str) -> None:
    wait_for(lambda: ping_status(ssm, instance_id) == "Online", f"{instance_id} Online")


def launch_online(ec2: Any, ssm: Any, **kwargs: Any) -> str:
    instance_id = launch(ec2, **kwargs)
    wait_online(ssm, instance_id)
    return instance_id


def wait_command(ssm: Any, command_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        command = ssm.list_commands(CommandId=command_id)["Commands"][0]
        return command if command["Status"] not in ("Pending", "InProgress") else None

    return wait_for(done, f"command {command_id}")


def install_updates(ssm: Any, instance_id: str, **parameters: str) -> dict[str, Any]:
    """Run AWS-InstallWindowsUpdates to the end; answer GetCommandInvocation."""
    command_id = ssm.send_command(
        DocumentName="AWS-InstallWindowsUpdates",
        InstanceIds=[instance_id],
        Parameters={k: [v] for k, v in parameters.items()},
    )["Command"]["CommandId"]
    wait_command(ssm, command_id)
    return ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)


def control(endpoint: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{endpoint}/_winupdate/{path}",
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def updates(endpoint: str, instance_id: str) -> dict[str, Any]:
    return control(endpoint, f"fleet/updates?instance_id={instance_id}")


def set_catalogue(endpoint: str, instance_id: str, pending: list[dict[str, Any]]) -> None:
    control(endpoint, "fleet/catalogue", {"instance_id": instance_id, "updates": pending})


@contextmanager
def slow_fleet(endpoint: str, seconds: float = 600.0, *names: str) -> Iterator[None]:
    """Stretch some modelled durations so a test can observe the in-between states.

    At the test speed (600 modelled s per wall s) the defaults pass in tens of
    milliseconds: too fast to assert "still pending" reliably.
    """
    names = names or ("boot", "stop", "agent_registration", "reboot", "image")
    before = control(endpoint, "fleet/durations", {})
    control(endpoint, "fleet/durations", {name: seconds for name in names})
    try:
        yield
    finally:
        control(endpoint, "fleet/durations", {name: before[name] for name in names})


@pytest.fixture(scope="session")
def warm_fleet(client: Any) -> None:
    """Pay moto's first-call costs (seconds of wall time: hours of modelled time) up front."""
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch(ec2)
    state(ec2, instance_id)
    ping_status(ssm, instance_id)
    ec2.describe_images(Owners=["self"])
    ec2.describe_snapshots(OwnerIds=["self"])
    ssm.list_commands()
