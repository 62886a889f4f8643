"""AWS-InstallWindowsUpdates through Run Command on the modelled Windows fleet."""

from __future__ import annotations

import re
import time

import pytest
from botocore.exceptions import ClientError
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
    warm_fleet,
)

from shape_check import assert_matches_output_shape, call_with_raw_response, checked

pytestmark = pytest.mark.usefixtures(warm_fleet.__name__)

LINE = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} UTC \| (Info|Warning|Error) \| ")
CATALOGUE = [
    {"kb": "KB5034439", "severity": "Critical", "category": "SecurityUpdates"},
    {"kb": "KB5034440", "severity": "Important", "category": "SecurityUpdates"},
    {"kb": "KB5034441", "severity": "Low", "category": "SecurityUpdates", "reboot_required": False},
    {"kb": "KB5034442", "severity": "Unspecified", "category": "Updates"},
]


def test_install_then_scan_finds_no_updates_at_those_severities(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    severities = "Critical,Important,Moderate,Low"
    first = install_updates(
        ssm, instance_id, Action="Install", AllowReboot="True", SeverityLevels=severities
    )
    assert first["Status"] == "Success"
    # The script counts what is left after its severity filter (the search finds all).
    after = "Windows Updates after filtering on Severity."
    found = int(re.search(rf"There are (\d+) {after}", first["StandardOutputContent"]).group(1))
    assert found >= 1  # every catalogue starts with a Critical security update
    wait_for(lambda: ping_status(ssm, instance_id) == "Online", "Online after the reboot")
    scan = install_updates(ssm, instance_id, Action="Scan", SeverityLevels=severities)
    left_over = len(updates(endpoint, instance_id)["pending"])
    assert f"Found {left_over} available Windows Updates." in scan["StandardOutputContent"]
    if left_over:
        assert f"There are 0 {after}" in scan["StandardOutputContent"]
    left = updates(endpoint, instance_id)
    assert all(u["severity"] == "Unspecified" for u in left["pending"])
    assert len(left["installed"]) == found


def test_severity_filter_leaves_other_updates_pending(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, CATALOGUE)
    result = install_updates(ssm, instance_id, SeverityLevels="Critical", AllowReboot="True")
    assert result["Status"] == "Success"
    state = updates(endpoint, instance_id)
    assert [u["kb"] for u in state["installed"]] == ["KB5034439"]
    assert [u["kb"] for u in state["pending"]] == ["KB5034440", "KB5034441", "KB5034442"]


def test_kb_and_category_filters_select_updates(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, CATALOGUE)
    scan = install_updates(
        ssm, instance_id, Action="Scan", Categories="SecurityUpdates", ExcludeKbs="5034440"
    )
    # Categories are part of the search (Pre-Search); the KB filters come after it.
    assert "Filtering on Category. (Pre-Search)" in scan["StandardOutputContent"]
    assert "Found 3 available Windows Updates." in scan["StandardOutputContent"]
    assert (
        "There are 2 Windows Updates after filtering on ExcludeKbs."
        in scan["StandardOutputContent"]
    )
    assert "KB5034440" not in scan["StandardOutputContent"]
    assert "Downloading" not in scan["StandardOutputContent"]  # Scan: -ListOnly
    only = install_updates(ssm, instance_id, Action="Scan", IncludeKbs="KB5034442")
    assert "Found 4 available Windows Updates." in only["StandardOutputContent"]
    assert (
        "There are 1 Windows Updates after filtering on IncludeKbs."
        in only["StandardOutputContent"]
    )
    assert len(updates(endpoint, instance_id)["installed"]) == 0  # Scan installs nothing


def test_reboot_happens_when_needed_and_allowed(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, CATALOGUE[:1])
    with slow_fleet(endpoint, 600.0, "reboot"):
        command_id = ssm.send_command(
            DocumentName="AWS-InstallWindowsUpdates",
            InstanceIds=[instance_id],
            Parameters={"AllowReboot": ["True"]},
        )["Command"]["CommandId"]
        wait_for(lambda: ping_status(ssm, instance_id) == "ConnectionLost", "reboot")
        invocation = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)
        assert invocation["Status"] == "InProgress"  # finishes when the instance is back
        wait_command(ssm, command_id)
    result = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)
    assert (result["Status"], result["ResponseCode"]) == ("Success", 0)
    # Exit 3010: the agent restarts the instance and runs the script again, which finds
    # nothing more to install; both runs' lines are the output.
    output = result["StandardOutputContent"]
    assert "Windows Updates were successfully installed. Rebooting." in output
    rerun = output.split("Rebooting.\n", 1)[1]
    assert [LINE.sub("", line) for line in rerun.splitlines()] == [
        "Searching for Windows Updates.",
        "Found 0 available Windows Updates.",
    ]
    assert ping_status(ssm, instance_id) == "Online"


def test_reboot_needed_but_not_allowed_does_not_reboot_and_leaves_it_pending(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, CATALOGUE[:1])
    result = install_updates(ssm, instance_id, AllowReboot="False")
    assert (result["Status"], result["ResponseCode"]) == ("Success", 0)
    # -NoReboot: the script says nothing about the restart it skips.
    messages = [LINE.sub("", line) for line in result["StandardOutputContent"].splitlines()]
    assert messages[-1] == "Installed: Update KB5034439"
    assert "Rebooting" not in result["StandardOutputContent"]
    assert updates(endpoint, instance_id)["reboot_pending"] is True
    assert ping_status(ssm, instance_id) == "Online"


def test_command_output_is_the_scripts_log_lines(client, endpoint):
    # The seed's log excerpt ("Searching for Windows Updates." then "Found 4 available
    # Windows Updates.") and the rest of AWS-InstallWindowsUpdates' script (its Logger
    # calls; AllowReboot True by default: exit 3010, the rerun after the restart).
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, [{**CATALOGUE[2], "published": "2024-01-09"}])
    output = install_updates(ssm, instance_id)["StandardOutputContent"]
    lines = output.splitlines()
    assert all(LINE.match(line) for line in lines), output
    messages = [LINE.sub("", line) for line in lines]
    assert messages == [
        "Searching for Windows Updates.",
        "Found 1 available Windows Updates.",
        "Update KB5034441 - Published date: 01/09/2024",
        "Downloading Windows Updates.",
        "Successfully Downloaded: Update KB5034441 - Published date: 01/09/2024",
        "1 Windows Updates will be installed.",
        "Installed: Update KB5034441",
        "Windows Updates were successfully installed. Rebooting.",
        "Searching for Windows Updates.",
        "Found 0 available Windows Updates.",
    ]


def test_a_failing_update_fails_the_invocation(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, [{**CATALOGUE[2], "fails": True}])
    result = install_updates(ssm, instance_id)
    # The script's "exit -1" after counting its errors; no restart.
    assert (result["Status"], result["ResponseCode"]) == ("Failed", -1)
    messages = [LINE.sub("", line) for line in result["StandardOutputContent"].splitlines()]
    assert messages[-2:] == [
        "Installation of Update KB5034441 resulted in error: Exception from HRESULT: 0x80240022",
        "0 download and 1 installation errors occurred.",
    ]
    assert "Rebooting" not in result["StandardOutputContent"]


def test_command_to_a_stopped_managed_instance_waits_for_its_agent(client):
    # SendCommand API reference, InvalidInstanceId: "Valid states are: Running, Pending,
    # Stopped, Stopping. Invalid states are: Shutting-down and Terminated." The command is
    # taken and delivered once the agent is back.
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    ec2.stop_instances(InstanceIds=[instance_id])
    wait_for(lambda: state(ec2, instance_id) == "stopped", "instance stopped")
    command_id = ssm.send_command(
        DocumentName="AWS-InstallWindowsUpdates",
        InstanceIds=[instance_id],
        Parameters={"Action": ["Scan"]},
    )["Command"]["CommandId"]
    time.sleep(0.2)
    waiting = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)
    assert waiting["Status"] in ("Pending", "Delayed")
    ec2.start_instances(InstanceIds=[instance_id])
    assert wait_command(ssm, command_id)["Status"] == "Success"


def test_command_to_an_instance_that_never_registered_is_invalid_instance_id(client):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch(ec2)
    ec2.stop_instances(InstanceIds=[instance_id])  # stopped before its agent ever pinged
    with pytest.raises(ClientError) as caught:
        ssm.send_command(DocumentName="AWS-InstallWindowsUpdates", InstanceIds=[instance_id])
    assert caught.value.response["Error"]["Code"] == "InvalidInstanceId"


def test_parameters_outside_the_document_are_invalid_parameters(client):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    for parameters in ({"Action": ["Remove"]}, {"SeverityLevels": ["Urgent"]}, {"Foo": ["x"]}):
        with pytest.raises(ClientError) as caught:
            ssm.send_command(
                DocumentName="AWS-InstallWindowsUpdates",
                InstanceIds=[instance_id],
                Parameters=parameters,
            )
        assert caught.value.response["Error"]["Code"] == "InvalidParameters"


def test_command_responses_match_the_botocore_output_shapes(client, endpoint):
    ec2, ssm = client("ec2"), client("ssm")
    instance_id = launch_online(ec2, ssm)
    set_catalogue(endpoint, instance_id, CATALOGUE[2:3])
    parsed, raw = call_with_raw_response(
        ssm, "SendCommand", DocumentName="AWS-InstallWindowsUpdates", InstanceIds=[instance_id]
    )
    assert_matches_output_shape("ssm", "SendCommand", raw)
    command_id = parsed["Command"]["CommandId"]
    wait_command(ssm, command_id)
    for operation, params in (
        ("ListCommands", {"CommandId": command_id}),
        ("ListCommandInvocations", {"CommandId": command_id, "Details": True}),
        ("GetCommandInvocation", {"CommandId": command_id, "InstanceId": instance_id}),
        (
            "GetCommandInvocation",
            {
                "CommandId": command_id,
                "InstanceId": instance_id,
                "PluginName": "AWSInstallWindowsUpdates",
            },
        ),
    ):
        parsed = checked(ssm, operation, **params)
    invocation = parsed
    assert invocation["ResponseCode"] == 0
    listed = ssm.list_command_invocations(CommandId=command_id, Details=True)
    plugin = listed["CommandInvocations"][0]["CommandPlugins"][0]
    assert plugin["Status"] == "Success"
    assert plugin["Output"] == invocation["StandardOutputContent"]
    assert plugin["ResponseFinishDateTime"] >= plugin["ResponseStartDateTime"]
