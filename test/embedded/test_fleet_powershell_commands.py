"""Run Command runs PowerShell hooks honestly: AWS-RunPowerShellScript and a user's schema
2.2 ``aws:runPowerShellScript`` steps run in the embedded AWS's modelled PowerShell
(``fleet/powershell.py``): what they write, their exit codes, their sleeps in modelled time,
and a loud failure for whatever the model does not run.

Pages: "AWS-RunPowerShellScript" (its parameters: commands, workingDirectory,
executionTimeout), "Understanding command statuses" (Success/Failed/TimedOut,
Execution Timed Out), GetCommandInvocation (ResponseCode, StandardOutputContent,
StandardErrorContent, ExecutionElapsedTime), "Documents: parameters" ({{ }} substitution).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fleet_support import launch_online, wait_command, warm_fleet

from winupdate.local.control_client import ControlClient
from winupdate.local.fleet import powershell

pytestmark = pytest.mark.usefixtures(warm_fleet.__name__)

HOOK = """
schemaVersion: '2.2'
description: A pre-update hook with a parameter and two steps.
parameters:
  Message:
    type: String
    default: from the default
  Code:
    type: String
    default: '0'
mainSteps:
  - action: aws:runPowerShellScript
    name: Announce
    inputs:
      runCommand:
        - Write-Output 'hook says {{ Message }}'
        - exit {{ Code }}
  - action: aws:runPowerShellScript
    name: After
    inputs:
      runCommand:
        - Write-Output 'second step ran'
"""


@pytest.fixture(scope="module")
def instance(client) -> str:
    return launch_online(client("ec2"), client("ssm"))


@pytest.fixture(scope="module")
def hook(client) -> str:
    name = f"Hook-{time.monotonic_ns()}"
    client("ssm").create_document(
        Name=name, Content=HOOK, DocumentType="Command", DocumentFormat="YAML"
    )
    return name


def run(ssm: Any, instance_id: str, *commands: str, **parameters: str) -> dict[str, Any]:
    """AWS-RunPowerShellScript to the end; GetCommandInvocation's answer."""
    extra = {k: [v] for k, v in parameters.items()}
    command_id = ssm.send_command(
        DocumentName="AWS-RunPowerShellScript",
        InstanceIds=[instance_id],
        Parameters={"commands": list(commands), **extra},
    )["Command"]["CommandId"]
    wait_command(ssm, command_id)
    return ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)


def seconds(elapsed: str) -> float:
    return float(elapsed.removeprefix("PT").removesuffix("S"))


# -- AWS-RunPowerShellScript, the document ------------------------------------------------
def test_run_powershell_script_is_an_amazon_document_with_its_three_parameters(client):
    """AWS-RunPowerShellScript: commands (required), workingDirectory, executionTimeout
    (default 3600)."""
    ssm = client("ssm")
    described = ssm.describe_document(Name="AWS-RunPowerShellScript")["Document"]
    assert described["Owner"] == "Amazon"
    assert described["DocumentType"] == "Command"
    assert described["SchemaVersion"] == "1.2"
    parameters = {p["Name"]: p for p in described["Parameters"]}
    assert set(parameters) == {"commands", "workingDirectory", "executionTimeout"}
    assert parameters["executionTimeout"]["DefaultValue"] == "3600"
    assert "DefaultValue" not in parameters["commands"]


def test_run_powershell_script_needs_its_commands(client, instance):
    ssm = client("ssm")
    with pytest.raises(ssm.exceptions.InvalidParameters):
        ssm.send_command(DocumentName="AWS-RunPowerShellScript", InstanceIds=[instance])


# -- what scripts write --------------------------------------------------------------------
def test_write_output_echo_and_write_host_are_the_stdout_lines(client, instance):
    answer = run(
        client("ssm"),
        instance,
        "# a comment, then a blank line",
        "",
        "Write-Output 'Stopping IIS'",
        'echo "it is done"',
        "Write-Host 'one' 'two'",
        "Write-Output first second",
    )
    assert answer["Status"] == "Success"
    assert answer["ResponseCode"] == 0
    assert answer["PluginName"] == "aws:runPowerShellScript"
    assert answer["StandardOutputContent"] == ("Stopping IIS\nit is done\none two\nfirst\nsecond\n")
    assert answer["StandardErrorContent"] == ""


def test_a_multi_line_commands_entry_runs_each_line(client, instance):
    answer = run(client("ssm"), instance, "Write-Output 'a'\nWrite-Output 'b'\r\nexit 0")
    assert answer["StandardOutputContent"] == "a\nb\n"
    assert answer["Status"] == "Success"


def test_write_error_goes_to_stderr_and_the_script_still_succeeds(client, instance):
    """Write-Error is a non-terminating error: the exit code stays 0, Run Command says
    Success."""
    answer = run(client("ssm"), instance, "Write-Error 'disk nearly full'", "Write-Output 'on'")
    assert answer["Status"] == "Success"
    assert answer["StandardErrorContent"] == "disk nearly full\n"
    assert answer["StandardOutputContent"] == "on\n"


def test_exit_3_fails_the_plugin_with_response_code_3(client, instance):
    answer = run(client("ssm"), instance, "Write-Output 'before'", "exit 3", "Write-Output 'x'")
    assert answer["Status"] == "Failed"
    assert answer["StatusDetails"] == "Failed"
    assert answer["ResponseCode"] == 3
    assert answer["StandardOutputContent"] == "before\n"
    assert answer["StandardErrorContent"] == "failed to run commands: exit status 3\n"


def test_an_unsupported_line_fails_loudly_naming_it(client, instance):
    answer = run(
        client("ssm"),
        instance,
        "Write-Output 'ran'",
        "Stop-Service -Name W3SVC",
        "Write-Output 'never'",
    )
    assert answer["Status"] == "Failed"
    assert answer["ResponseCode"] == 1
    assert answer["StandardOutputContent"] == "ran\n"
    assert answer["StandardErrorContent"] == (
        f"Stop-Service -Name W3SVC: {powershell.UNSUPPORTED}\n"
        "failed to run commands: exit status 1\n"
    )
    assert (
        "Write-Output, Write-Host, echo, Write-Error, Start-Sleep, exit"
        in (answer["StandardErrorContent"])
    )


def test_start_sleep_lengthens_the_invocation_in_modelled_time(client, instance):
    ssm = client("ssm")
    quick = run(ssm, instance, "Write-Output 'quick'")
    slow = run(ssm, instance, "Start-Sleep -Seconds 300", "Write-Output 'slept'")
    assert slow["Status"] == "Success"
    assert seconds(slow["ExecutionElapsedTime"]) - seconds(quick["ExecutionElapsedTime"]) == 300


def test_a_sleep_past_the_execution_timeout_is_killed(client, instance):
    """The agent stops a plugin at executionTimeout: TimedOut, Execution Timed Out, -1;
    what it wrote before stays."""
    answer = run(
        client("ssm"),
        instance,
        "Write-Output 'started'",
        "Start-Sleep -Seconds 600",
        "Write-Output 'too late'",
        executionTimeout="120",
    )
    assert answer["Status"] == "TimedOut"
    assert answer["StatusDetails"] == "Execution Timed Out"
    assert answer["ResponseCode"] == -1
    assert answer["StandardOutputContent"] == "started\n"
    assert seconds(answer["ExecutionElapsedTime"]) == 120


# -- a user's schema 2.2 hook ----------------------------------------------------------------
def hook_invocations(ssm: Any, name: str, instance_id: str, **parameters: str) -> Any:
    command_id = ssm.send_command(
        DocumentName=name,
        InstanceIds=[instance_id],
        Parameters={k: [v] for k, v in parameters.items()},
    )["Command"]["CommandId"]
    status = wait_command(ssm, command_id)["Status"]
    get = {
        step: ssm.get_command_invocation(
            CommandId=command_id, InstanceId=instance_id, PluginName=step
        )
        for step in ("Announce", "After")
    }
    return status, get


def test_a_hooks_parameters_are_substituted_and_its_steps_run_in_order(client, instance, hook):
    ssm = client("ssm")
    status, steps = hook_invocations(ssm, hook, instance, Message="pre-update")
    assert status == "Success"
    assert steps["Announce"]["StandardOutputContent"] == "hook says pre-update\n"
    assert steps["After"]["StandardOutputContent"] == "second step ran\n"
    assert steps["After"]["ExecutionStartDateTime"] >= steps["Announce"]["ExecutionEndDateTime"]
    _, defaults = hook_invocations(ssm, hook, instance)
    assert defaults["Announce"]["StandardOutputContent"] == "hook says from the default\n"


def test_a_failing_hook_step_stops_the_later_steps(client, instance, hook):
    status, steps = hook_invocations(client("ssm"), hook, instance, Code="4")
    assert status == "Failed"
    assert steps["Announce"]["Status"] == "Failed"
    assert steps["Announce"]["ResponseCode"] == 4
    assert steps["After"]["Status"] == "Failed"
    assert steps["After"]["StandardOutputContent"] == ""
    assert steps["After"]["ExecutionStartDateTime"] == ""


def test_a_plugin_the_model_does_not_run_fails_loudly(client, instance):
    ssm = client("ssm")
    name = f"Shell-{time.monotonic_ns()}"
    ssm.create_document(
        Name=name,
        DocumentType="Command",
        DocumentFormat="YAML",
        Content=(
            "schemaVersion: '2.2'\ndescription: d\nmainSteps:\n"
            "  - action: aws:runDocument\n    name: Nested\n"
            "    inputs: {documentType: SSMDocument, documentPath: AWS-RunPowerShellScript}\n"
        ),
    )
    command_id = ssm.send_command(DocumentName=name, InstanceIds=[instance])["Command"]["CommandId"]
    assert wait_command(ssm, command_id)["Status"] == "Failed"
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance)
    assert answer["ResponseCode"] == 1
    assert answer["StandardErrorContent"].startswith(
        "aws:runDocument: not supported by the embedded AWS"
    )


# -- output limits ---------------------------------------------------------------------------
def test_outputs_are_cut_at_the_documented_limits(client, instance):
    """GetCommandInvocation: the first 24,000 characters of stdout, 8,000 of stderr;
    ListCommandInvocations' CommandPlugin.Output: at most 2,500."""
    ssm = client("ssm")
    line = "x" * 99  # 100 characters with its newline
    answer = run(ssm, instance, *[f"Write-Output '{line}'"] * 300, *[f"Write-Error '{line}'"] * 100)
    assert len(answer["StandardOutputContent"]) == 24000
    assert answer["StandardOutputContent"].endswith("---Output truncated---")
    assert len(answer["StandardErrorContent"]) == 8000
    listed = ssm.list_command_invocations(CommandId=answer["CommandId"], Details=True)
    (plugin,) = listed["CommandInvocations"][0]["CommandPlugins"]
    assert len(plugin["Output"]) == 2500


# -- faults still apply ----------------------------------------------------------------------
@pytest.fixture
def control(endpoint: str) -> Iterator[ControlClient]:
    client = ControlClient(endpoint)
    client.clear_faults()
    yield client
    client.clear_faults()


def test_command_fails_fault_fails_a_powershell_script(client, instance, control):
    control.fleet_fault("command_fails", instance, count=1)
    answer = run(client("ssm"), instance, "Write-Output 'would succeed'")
    assert answer["Status"] == "Failed"
    assert answer["ResponseCode"] == 1
    assert "Injected fault" in answer["StandardErrorContent"]


def test_command_times_out_fault_times_a_powershell_script_out(client, instance, control):
    control.fleet_fault("command_times_out", instance, count=1)
    answer = run(client("ssm"), instance, "Write-Output 'hi'", executionTimeout="60")
    assert answer["Status"] == "TimedOut"
    assert answer["StatusDetails"] == "Execution Timed Out"
    assert seconds(answer["ExecutionElapsedTime"]) == 60


# -- the model itself (no server) ----------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "Write-Output $env:COMPUTERNAME",
        'Write-Output "at $(Get-Date)"',
        "Get-Service | Where-Object Status -eq Running",
        "Write-Output 'a'; exit 2",
        "Write-Output 'unbalanced",
        "exit 3010",
        "Start-Sleep -Seconds lots",
        "Restart-Computer -Force",
    ],
)
def test_the_model_refuses_what_it_cannot_show(line):
    outcome = powershell.run([line])
    assert outcome.exit_code == 1
    assert outcome.text("stderr").startswith(f"{line}: not supported by the embedded AWS")


def test_the_model_keeps_when_each_line_was_written():
    outcome = powershell.run(
        powershell.script_lines(["Write-Output 'a'", "Start-Sleep 5\nWrite-Output 'b'"])
    )
    assert [(line.at, line.text) for line in outcome.stdout] == [(0.0, "a"), (5.0, "b")]
    assert outcome.seconds == 5.0
    assert outcome.text("stdout", until=1.0) == "a\n"
