"""Fleet faults (faults.FLEET_FAULTS) and API throttling, at the fleet level: no Terraform.

Each fault targets one instance (``instance_id``) or every instance (none), and is spent
after ``count`` hits. What the fleet then shows follows AWS:

- ``start_fails``: StartInstances is accepted, the instance is ``pending``, then
  ``stopped`` again with StateReason ``Server.InsufficientInstanceCapacity``;
- ``agent_never_online``: after the next boot or reboot the agent stays ConnectionLost
  (or, never registered, is not listed at all);
- ``command_fails``: the invocation ends ``Failed``, ResponseCode 1, the script's error;
- ``command_times_out``: ``InProgress`` until the plugin's execution timeout, then
  ``TimedOut``/``Execution Timed Out`` (the agent kills the plugin; ResponseCode -1);
- ``reboot_never_completes``: the update's reboot never ends; no agent reports, so the
  invocation stays ``InProgress`` until the command's ``ExpiresAfter`` (delivery timeout +
  execution timeout), then ``TimedOut``/``Delivery Timed Out`` (Command.ExpiresAfter);
- ``throttle``: the service's own throttling error, which botocore counts as throttling.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import RetryContext, RetryEventAdapter, ThrottlingErrorDetector
from fleet_support import (
    install_updates,
    launch,
    launch_online,
    ping_status,
    set_catalogue,
    slow_fleet,
    state,
    updates,
    wait_command,
    wait_for,
    wait_online,
    warm_fleet,
)

from winupdate.local.control_client import ControlClient

pytestmark = pytest.mark.usefixtures(warm_fleet.__name__)

REBOOTING = [{"kb": "KB5034439", "severity": "Critical", "category": "SecurityUpdates"}]
HANGING = """
schemaVersion: '2.2'
description: A command whose one step may hang (its execution timeout is a parameter).
parameters:
  executionTimeout:
    type: String
    default: '60'
mainSteps:
  - action: aws:runPowerShellScript
    name: RunScript
    inputs:
      timeoutSeconds: '{{ executionTimeout }}'
      runCommand:
        - Write-Output 'hello'
"""


@pytest.fixture
def control(endpoint: str) -> Iterator[ControlClient]:
    """The control client; every fault removed after the test, also when it fails."""
    client = ControlClient(endpoint)
    client.clear_faults()
    yield client
    client.clear_faults()


def stopped_instance(ec2: Any, ssm: Any) -> str:
    """A registered Windows instance, stopped (as the pipeline finds a stopped one)."""
    instance_id = launch_online(ec2, ssm)
    ec2.stop_instances(InstanceIds=[instance_id])
    wait_for(lambda: state(ec2, instance_id) == "stopped", "stopped")
    return instance_id


def described(ec2: Any, instance_id: str) -> dict[str, Any]:
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def send(ssm: Any, instance_id: str, document: str, **parameters: str) -> str:
    return ssm.send_command(
        DocumentName=document,
        InstanceIds=[instance_id],
        Parameters={k: [v] for k, v in parameters.items()},
    )["Command"]["CommandId"]


def invocation(ssm: Any, command_id: str, instance_id: str) -> dict[str, Any]:
    return ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)


def hanging_document(ssm: Any) -> str:
    name = f"Hanging-{time.monotonic_ns()}"
    ssm.create_document(Name=name, Content=HANGING, DocumentType="Command", DocumentFormat="YAML")
    return name


# -- start_fails ---------------------------------------------------------------------------
def test_start_fails_goes_pending_then_back_to_stopped_with_the_reason(client, endpoint, control):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = stopped_instance(ec2, ssm)
    control.fleet_fault("start_fails", instance_id, count=1)
    with slow_fleet(endpoint, 600.0, "boot"):
        answer = ec2.start_instances(InstanceIds=[instance_id])["StartingInstances"][0]
        assert answer["PreviousState"]["Name"] == "stopped"
        assert state(ec2, instance_id) == "pending"
        wait_for(lambda: state(ec2, instance_id) == "stopped", "back to stopped")
    instance = described(ec2, instance_id)
    assert instance["StateReason"]["Code"] == "Server.InsufficientInstanceCapacity"
    assert "Insufficient capacity" in instance["StateReason"]["Message"]
    assert instance["StateTransitionReason"].startswith("Server.InsufficientInstanceCapacity")
    assert ping_status(ssm, instance_id) == "ConnectionLost"
    # count=1: spent; the next start works.
    ec2.start_instances(InstanceIds=[instance_id])
    wait_online(ssm, instance_id)
    assert state(ec2, instance_id) == "running"


def test_start_fails_without_an_instance_hits_every_instance_until_cleared(client, control):
    ec2, ssm = client("ec2"), client("ssm")
    first, second = stopped_instance(ec2, ssm), stopped_instance(ec2, ssm)
    control.fleet_fault("start_fails", count=None)
    for _ in range(2):
        ec2.start_instances(InstanceIds=[first, second])
        wait_for(
            lambda: [state(ec2, first), state(ec2, second)] == ["stopped", "stopped"],
            "both back to stopped",
        )
    control.clear_faults()
    ec2.start_instances(InstanceIds=[first, second])
    wait_online(ssm, first)
    wait_online(ssm, second)


def test_starting_a_running_instance_changes_nothing(client, endpoint):
    # AWS: StartInstances on a running instance answers running -> running and does not
    # restart it; the failure path's "start if it was running" relies on that.
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    with slow_fleet(endpoint, 600.0, "boot", "agent_registration"):
        ec2.start_instances(InstanceIds=[instance_id])
        assert state(ec2, instance_id) == "running"
        assert ping_status(ssm, instance_id) == "Online"


# -- agent_never_online ------------------------------------------------------------------------
def test_agent_never_online_after_the_next_boot_then_a_reboot_brings_it_back(client, control):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = stopped_instance(ec2, ssm)
    control.fleet_fault("agent_never_online", instance_id, count=1)
    ec2.start_instances(InstanceIds=[instance_id])
    wait_for(lambda: state(ec2, instance_id) == "running", "running")
    # Boot plus registration is 70 modelled s; 0.5 wall s is 300 modelled s at test speed.
    time.sleep(0.5)
    assert ping_status(ssm, instance_id) == "ConnectionLost"
    info = ssm.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [instance_id]}]
    )["InstanceInformationList"][0]
    assert info["PingStatus"] == "ConnectionLost"
    ec2.reboot_instances(InstanceIds=[instance_id])
    wait_online(ssm, instance_id)


def test_agent_never_online_on_a_new_instance_never_registers(client, endpoint, control):
    ec2, ssm = client("ec2"), client("ssm")
    with slow_fleet(endpoint, 300.0, "boot"):
        instance_id = launch(ec2)
        control.fleet_fault("agent_never_online", instance_id, count=None)
        wait_for(lambda: state(ec2, instance_id) == "running", "running")
    time.sleep(0.5)
    assert ping_status(ssm, instance_id) is None
    with pytest.raises(ClientError, match="InvalidInstanceId"):
        send(ssm, instance_id, "AWS-InstallWindowsUpdates", Action="Scan")


# -- command_fails -------------------------------------------------------------------------------
def test_command_fails_ends_failed_with_the_scripts_error_and_installs_nothing(
    client, endpoint, control
):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, REBOOTING)
    control.fleet_fault("command_fails", instance_id, count=1)
    result = install_updates(ssm, instance_id, Action="Install", AllowReboot="True")
    assert (result["Status"], result["StatusDetails"]) == ("Failed", "Failed")
    assert result["ResponseCode"] == 1
    assert "Searching for Windows Updates." in result["StandardOutputContent"]
    assert "0x80244022" in result["StandardOutputContent"]
    assert "Install-AwsUwiWindowsUpdates : " in result["StandardErrorContent"]
    command = ssm.list_commands(CommandId=result["CommandId"])["Commands"][0]
    assert (command["Status"], command["ErrorCount"]) == ("Failed", 1)
    assert [u["kb"] for u in updates(endpoint, instance_id)["pending"]] == ["KB5034439"]
    # count=1: spent; the next install succeeds.
    again = install_updates(ssm, instance_id, Action="Install", AllowReboot="True")
    assert again["Status"] == "Success"


def test_command_fails_on_any_document(client, control):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    control.fleet_fault("command_fails", instance_id)
    command_id = send(ssm, instance_id, hanging_document(ssm))
    wait_command(ssm, command_id)
    result = invocation(ssm, command_id, instance_id)
    assert (result["Status"], result["ResponseCode"]) == ("Failed", 1)


# -- command_times_out ---------------------------------------------------------------------------
def test_command_times_out_at_the_execution_timeout(client, control):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    document = hanging_document(ssm)
    control.fleet_fault("command_times_out", instance_id)
    command_id = send(ssm, instance_id, document, executionTimeout="600")
    command = ssm.list_commands(CommandId=command_id)["Commands"][0]
    # ExpiresAfter: the delivery timeout (3600 by default) plus the execution timeout.
    expires = command["ExpiresAfter"] - command["RequestedDateTime"]
    assert expires.total_seconds() == pytest.approx(3600 + 600)
    wait_for(
        lambda: invocation(ssm, command_id, instance_id)["Status"] == "InProgress", "InProgress"
    )
    done = wait_command(ssm, command_id)
    assert (done["Status"], done["StatusDetails"]) == ("TimedOut", "Execution Timed Out")
    result = invocation(ssm, command_id, instance_id)
    assert (result["Status"], result["StatusDetails"]) == ("TimedOut", "Execution Timed Out")
    assert result["ResponseCode"] == -1
    took = _elapsed(result)
    assert took == pytest.approx(600, abs=5)


def test_command_times_out_uses_the_documents_plugin_timeout(client, control):
    # AWS-InstallWindowsUpdates' one step has timeoutSeconds 14400: the command expires
    # after TimeoutSeconds + 14400.
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    control.fleet_fault("command_times_out", instance_id)
    command_id = ssm.send_command(
        DocumentName="AWS-InstallWindowsUpdates",
        InstanceIds=[instance_id],
        Parameters={"Action": ["Install"]},
        TimeoutSeconds=600,
    )["Command"]["CommandId"]
    command = ssm.list_commands(CommandId=command_id)["Commands"][0]
    expires = command["ExpiresAfter"] - command["RequestedDateTime"]
    assert expires.total_seconds() == pytest.approx(600 + 14400)
    time.sleep(0.5)
    assert invocation(ssm, command_id, instance_id)["Status"] == "InProgress"
    ssm.cancel_command(CommandId=command_id)


def test_a_hung_plugin_whose_agent_went_away_expires_as_delivery_timed_out(client, control):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    control.fleet_fault("command_times_out", instance_id)
    command_id = ssm.send_command(
        DocumentName=hanging_document(ssm),
        InstanceIds=[instance_id],
        Parameters={"executionTimeout": ["120"]},
        TimeoutSeconds=60,
    )["Command"]["CommandId"]
    wait_for(
        lambda: invocation(ssm, command_id, instance_id)["Status"] == "InProgress", "InProgress"
    )
    # The instance stops under the running plugin: no agent is left to kill and report it.
    ec2.stop_instances(InstanceIds=[instance_id])
    done = wait_command(ssm, command_id)
    assert (done["Status"], done["StatusDetails"]) == ("TimedOut", "Delivery Timed Out")
    result = invocation(ssm, command_id, instance_id)
    assert result["StatusDetails"] == "Delivery Timed Out"


# -- reboot_never_completes ------------------------------------------------------------------
def test_reboot_never_completes_leaves_the_invocation_in_progress_until_it_expires(
    client, endpoint, control
):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, REBOOTING)
    control.fleet_fault("reboot_never_completes", instance_id)
    command_id = send(ssm, instance_id, "AWS-InstallWindowsUpdates", AllowReboot="True")
    wait_for(lambda: ping_status(ssm, instance_id) == "ConnectionLost", "the reboot")
    # Far beyond the modelled reboot (60 s): the OS is still not back.
    time.sleep(1.0)
    assert ping_status(ssm, instance_id) == "ConnectionLost"
    assert state(ec2, instance_id) == "running"  # EC2 does not see inside the OS
    result = invocation(ssm, command_id, instance_id)
    assert (result["Status"], result["StatusDetails"]) == ("InProgress", "In Progress")
    command = ssm.list_commands(CommandId=command_id)["Commands"][0]
    expires = command["ExpiresAfter"] - command["RequestedDateTime"]
    assert expires.total_seconds() == pytest.approx(3600 + 14400)
    # A stop and start (what an operator does to a hung host) brings the agent back.
    ec2.stop_instances(InstanceIds=[instance_id])
    wait_for(lambda: state(ec2, instance_id) == "stopped", "stopped")
    ec2.start_instances(InstanceIds=[instance_id])
    wait_online(ssm, instance_id)
    ssm.cancel_command(CommandId=command_id)


def test_a_reboot_that_completes_is_untouched_by_other_instances_faults(client, endpoint, control):
    ec2, ssm = client("ec2"), client("ssm")
    faulted, healthy = launch_online(ec2, ssm), launch_online(ec2, ssm)
    set_catalogue(endpoint, healthy, REBOOTING)
    control.fleet_fault("reboot_never_completes", faulted, count=None)
    control.fleet_fault("command_fails", faulted, count=None)
    result = install_updates(ssm, healthy, Action="Install", AllowReboot="True")
    assert result["Status"] == "Success"
    # The agent ran the script again after the restart (exit 3010): its second search.
    assert result["StandardOutputContent"].count("Searching for Windows Updates.") == 2


# -- throttling --------------------------------------------------------------------------------
THROTTLED_CALLS = {
    "ec2": ("DescribeImages", lambda c: c.describe_images(Owners=["self"])),
    "ssm": ("DescribeInstanceInformation", lambda c: c.describe_instance_information()),
    "sns": ("ListTopics", lambda c: c.list_topics()),
}


@pytest.mark.parametrize(
    ("service", "code", "status"),
    [
        ("ec2", "RequestLimitExceeded", 503),
        ("ssm", "ThrottlingException", 400),
        ("sns", "Throttled", 429),
    ],
)
def test_throttle_answers_as_the_service_does_and_botocore_retries_it(
    session, endpoint, control, service, code, status
):
    operation, call = THROTTLED_CALLS[service]
    once = session.client(
        service,
        endpoint_url=endpoint,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    control.throttle(service, operation, times=1)
    with pytest.raises(ClientError) as raised:
        call(once)
    error = raised.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    context = RetryContext(
        attempt_number=1,
        operation_model=once.meta.service_model.operation_model(operation),
        parsed_response=error,
        http_response=SimpleNamespace(status_code=status),
    )
    assert ThrottlingErrorDetector(RetryEventAdapter()).is_throttling_error_from_context(context)
    # Throttled twice: botocore's standard mode (3 attempts) retries past it.
    retrying = session.client(
        service,
        endpoint_url=endpoint,
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
    )
    control.throttle(service, operation, times=2)
    answer = call(retrying)
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2


def test_throttle_matches_request_fields(client, control):
    ec2, ssm = client("ec2"), client("ssm")
    first, second = launch_online(ec2, ssm), launch_online(ec2, ssm)
    fault = control.throttle("ec2", "DescribeInstances", times=1, match={"InstanceId": first})
    assert (fault["error"], fault["status"]) == ("RequestLimitExceeded", 503)
    # The other instance's call is not throttled; the matching one is (botocore retries).
    assert ec2.describe_instances(InstanceIds=[second])["ResponseMetadata"]["RetryAttempts"] == 0
    answer = ec2.describe_instances(InstanceIds=[first])
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1


def _elapsed(result: dict[str, Any]) -> float:
    start = datetime.fromisoformat(result["ExecutionStartDateTime"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(result["ExecutionEndDateTime"].replace("Z", "+00:00"))
    return (end - start).total_seconds()
