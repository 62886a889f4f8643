"""Waves (issue 17 item 3): with wave_tag_key the module's Start runbook patches the tagged
instances wave by wave (the value of their wave tag: 0 is the canary), each wave one
execution of the run window aimed at its tag; a wave starts only when the one before it
ended with at most wave_max_errors failures, after an approval that shows that wave's
counts when wave_approval is set; one summary lists the waves. An instance of the run's
tag without a wave number refuses the run before anything changes (our call: it would be
patched with no canary before it, or not at all; variables.tf says so).

The module's runbooks are rendered and deployed as Terraform would, without Terraform
(module_support); the module's own role is proven by the integration suite."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
from cli_run_support import aws_env, cli, unique
from module_support import deploy_module_runbooks
from seed_support import images_of, wait_for_agents, wait_for_state, windows_image

from automation_support import (
    messages,
    run_window_executions,
    service_role,
    steps_by_name,
    wait_done,
    wait_until,
)
from winupdate.documents.render import output_defaults
from winupdate.local.control_client import ControlClient
from winupdate.run.executions import window_runs

WAVE_KEY = "PatchWave"
LANGUAGES = {
    "en": {"Japanese": False, "MessageLanguage": "en", **output_defaults(None)},
    "ja": {"Japanese": True, "MessageLanguage": "ja", **output_defaults(None, japanese=True)},
}


# Summarize's subjects: "Windows Update run: 4/4 instances succeeded", or in Japanese.
SUMMARY_SUBJECTS = ("Windows Update run:", "Windows Update の実行結果:")


class Deployment:
    """The module's runbooks with waves, over instances launched with the given waves."""

    def __init__(self, client: Any, endpoint: str, name: str, **defaults: Any) -> None:
        self.client, self.endpoint = client, endpoint
        self.ssm, self.ec2 = client("ssm"), client("ec2")
        self.prefix = f"{name}-"
        self.tag = unique(name)
        self.variables = deploy_module_runbooks(
            client,
            self.prefix,
            self.tag,
            f"Automation{name}",
            WaveTagKey=WAVE_KEY,
            **defaults,
        )
        self.role = service_role(client("iam"), self.variables["role_arn"].rsplit("/", 1)[-1])

    def launch(self, *waves: str | None) -> list[str]:
        """One running instance of the run's tag per entry, tagged PatchWave=<entry> (None:
        no wave tag)."""
        ids = []
        for wave in waves:
            tags = [{"Key": self.tag, "Value": "ON"}]
            if wave is not None:
                tags.append({"Key": WAVE_KEY, "Value": wave})
            ids += [
                self.ec2.run_instances(
                    ImageId=windows_image(self.ec2),
                    MinCount=1,
                    MaxCount=1,
                    TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
                )["Instances"][0]["InstanceId"]
            ]
        wait_for_state(self.ec2, ids, "running")
        wait_for_agents(self.ssm, ids, "Online")
        return ids

    def start(self, **parameters: str) -> str:
        given = {
            "TargetTag": self.tag,
            "MaxConcurrency": "5",
            "MaxErrors": "5",
            "NotificationArn": self.variables["topic"],
            "AutomationAssumeRole": self.role,
            **parameters,
        }
        return self.ssm.start_automation_execution(
            DocumentName=f"{self.prefix}AutomationStart",
            Parameters={name: [value] for name, value in given.items()},
        )["AutomationExecutionId"]

    def messages(self) -> list[dict[str, Any]]:
        return messages(self.endpoint, self.variables["topic"])

    def summary(self, start_id: str) -> dict[str, Any]:
        """The run's one summary (its subject, in either language)."""
        (found,) = [
            m
            for m in self.messages()
            if start_id in m["Message"] and (m.get("Subject") or "").startswith(SUMMARY_SUBJECTS)
        ]
        return found

    def runs_by_wave(self, start: dict[str, Any]) -> list[list[dict[str, Any]]]:
        """Each wave's per-instance runs (the window execution it waited for), in order."""
        waves = []
        for window in run_window_executions(start):
            waves.append(
                [
                    self.ssm.get_automation_execution(AutomationExecutionId=run)[
                        "AutomationExecution"
                    ]
                    for run in window_runs(self.ssm, window)
                ]
            )
        return waves


def instance(run: dict[str, Any]) -> str:
    return run["Parameters"]["InstanceId"][0]


def wait_for_wave_approval(ssm: Any, start_id: str, count: int) -> dict[str, Any]:
    """The Start run once it waits at its ``count``-th approval of a later wave."""
    while True:
        execution = wait_until(ssm, start_id, {"Waiting", "Failed", "Success"}, 60)
        asked = [
            s
            for s in execution["StepExecutions"]
            if s["StepName"] == "ApproveWave" and s["StepStatus"] in ("Waiting", "InProgress")
        ]
        approvals = [s for s in execution["StepExecutions"] if s["StepName"] == "ApproveWave"]
        if asked and len(approvals) == count:
            return execution
        assert execution["AutomationExecutionStatus"] == "Waiting", steps_by_name(execution)


@pytest.fixture(scope="module")
def control(endpoint):
    control = ControlClient(endpoint)
    control.clear_faults()
    yield control
    control.clear_faults()


@pytest.fixture(scope="module")
def canary_fails(client, endpoint, control):
    """wave_max_errors 0, the canary's update fails: wave 1 must not start."""
    deployment = Deployment(client, endpoint, "WaveStop", RequireApproval=False)
    canary, first, second = deployment.launch("0", "1", "1")
    control.fleet_fault("command_fails", canary, count=None, document="AWS-InstallWindowsUpdates")
    start = wait_done(deployment.ssm, deployment.start(), 120)
    return deployment, start, canary, [first, second]


def test_a_failing_canary_stops_the_next_wave_from_starting(canary_fails, client):
    deployment, start, canary, later = canary_fails
    assert start["AutomationExecutionStatus"] == "Failed"
    [wave0] = deployment.runs_by_wave(start)
    assert [instance(r) for r in wave0] == [canary]
    assert wave0[0]["AutomationExecutionStatus"] == "Failed"
    ec2 = client("ec2")
    for instance_id in later:
        assert images_of(ec2, instance_id) == []
    runs = deployment.ssm.describe_automation_executions(
        Filters=[{"Key": "DocumentNamePrefix", "Values": [f"{deployment.prefix}AutomationProcess"]}]
    )["AutomationExecutionMetadataList"]
    assert len(runs) == 1
    steps = steps_by_name(start)
    outputs = steps["Summarize"]["Outputs"]
    assert outputs["NotStarted"] == ["1"] and outputs["Failed"] == ["1"]
    assert steps["AssertAllSucceeded"]["StepStatus"] == "Failed"
    assert "waves 1 were not started" in steps["AssertAllSucceeded"]["FailureMessage"]


def test_a_failing_canary_says_why_the_next_wave_did_not_start(canary_fails):
    deployment, start, canary, _ = canary_fails
    text = deployment.summary(start["AutomationExecutionId"])["Message"]
    assert f"Wave 0: run window execution {run_window_executions(start)[0]}: FAILED" in text
    assert "instances: 1, succeeded: 0, failed: 1" in text
    assert "Stopped: wave 0 ended with 1 failed instances, more than wave_max_errors (0)" in text
    assert "waves not started: 1" in text
    assert f"Failed instances: {canary} (Failed)" in text


@pytest.fixture(scope="module")
def waves_pass(client, endpoint, control):
    """Three waves, numbered 0, 2 and 10 (numbers, not text, give the order)."""
    deployment = Deployment(client, endpoint, "WaveRun", RequireApproval=False)
    ids = deployment.launch("10", "0", "2", "2")
    start = wait_done(deployment.ssm, deployment.start(), 180)
    return deployment, start, {"10": [ids[0]], "0": [ids[1]], "2": sorted(ids[2:])}


def test_a_passing_canary_lets_the_waves_run_in_their_order(waves_pass):
    deployment, start, by_wave = waves_pass
    assert start["AutomationExecutionStatus"] == "Success", [
        (s["StepName"], s["StepStatus"], s.get("FailureMessage", "")[:200])
        for s in start["StepExecutions"]
    ]
    waves = deployment.runs_by_wave(start)
    assert [sorted(instance(r) for r in wave) for wave in waves] == [
        by_wave["0"],
        by_wave["2"],
        by_wave["10"],
    ]
    for earlier, later in itertools.pairwise(waves):
        assert max(r["ExecutionEndTime"] for r in earlier) <= min(
            r["ExecutionStartTime"] for r in later
        )
    assert all(r["AutomationExecutionStatus"] == "Success" for wave in waves for r in wave)
    # Each wave armed the window for its own wave tag, and nothing else.
    arms = [s for s in start["StepExecutions"] if s["StepName"] == "ArmRunWindow"]
    assert [s["Outputs"]["Wave"] for s in arms] == [["0"], ["2"], ["10"]]


def test_the_summary_lists_every_wave(waves_pass):
    deployment, start, _ = waves_pass
    windows = run_window_executions(start)
    text = deployment.summary(start["AutomationExecutionId"])["Message"]
    lines = [line for line in text.splitlines() if line.startswith("Wave ")]
    counts = ("1, succeeded: 1", "2, succeeded: 2", "1, succeeded: 1")
    assert lines == [
        f"Wave {wave}: run window execution {window}: SUCCESS; instances: {n}, failed: 0"
        for wave, window, n in zip(("0", "2", "10"), windows, counts, strict=True)
    ]
    assert "Instances: 4, succeeded: 4, failed: 0" in text
    outputs = steps_by_name(start)["Summarize"]["Outputs"]
    assert outputs["WindowExecutionIds"] == windows and outputs.get("NotStarted", []) == []


def test_an_instance_without_a_wave_number_refuses_the_run_before_any_change(
    client, endpoint, control
):
    deployment = Deployment(client, endpoint, "WaveRefuse", RequireApproval=False)
    numbered, unnumbered, wrong, zeros = deployment.launch("0", None, "first", "00")
    start = wait_done(deployment.ssm, deployment.start(), 60)
    assert start["AutomationExecutionStatus"] == "Failed"
    steps = steps_by_name(start)
    assert steps["NextWave"]["StepStatus"] == "Failed"
    message = steps["NextWave"]["FailureMessage"]
    assert unnumbered in message and f"{wrong} ({WAVE_KEY}=first)" in message
    # One spelling of each number: "00" would be a wave of its own beside "0".
    assert f"{zeros} ({WAVE_KEY}=00)" in message
    assert numbered not in message and "nothing was changed" in message
    assert steps["ArmRunWindow"]["StepStatus"] == "Pending"
    assert run_window_executions(start) == []
    for instance_id in (numbered, unnumbered, wrong):
        assert images_of(client("ec2"), instance_id) == []


@pytest.fixture(scope="module", params=list(LANGUAGES))
def approved_between_waves(request, client, endpoint, control):
    """wave_approval, wave_max_errors 1: the canary fails, its wave may go on; the approvers
    see its counts, approve wave 1, then reject wave 2."""
    language = request.param
    deployment = Deployment(
        client,
        endpoint,
        f"WaveAsk{language.upper()}",
        RequireApproval=True,
        WaveApproval=True,
        WaveMaxErrors=1,
        **LANGUAGES[language],
    )
    canary, first, last = deployment.launch("0", "1", "2")
    control.fleet_fault("command_fails", canary, count=None, document="AWS-InstallWindowsUpdates")
    ssm = deployment.ssm
    start_id = deployment.start()
    wait_until(ssm, start_id, {"Waiting"}, 60)
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")
    asked = [wait_for_wave_approval(ssm, start_id, 1)]
    requests = [deployment.messages()]
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")
    asked.append(wait_for_wave_approval(ssm, start_id, 2))
    requests.append(deployment.messages())
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Reject")
    start = wait_done(ssm, start_id, 60)
    return language, deployment, start, asked, requests, (canary, first, last)


def approval_requests(found: list[dict[str, Any]], start_id: str) -> list[str]:
    return [
        m["Message"]
        for m in found
        if start_id in m["Message"]
        and ("ウェーブ" in m["Message"] or "wave" in m["Message"])
        and ("承認" in m["Message"] or "Approve or reject" in m["Message"])
    ]


def test_the_approval_between_waves_shows_the_previous_waves_counts(approved_between_waves):
    language, deployment, start, _, requests, (canary, first, _) = approved_between_waves
    start_id = start["AutomationExecutionId"]
    windows = run_window_executions(start)
    first_request = approval_requests(requests[0], start_id)[-1]
    second_request = approval_requests(requests[1], start_id)[-1]
    if language == "ja":
        window = (
            "ウェーブ {0}: 実行用メンテナンスウィンドウの実行 {1} は {2}、1 台中 {3} 台が成功、"
        )
        assert "次のウェーブ 1 を始めてよいか" in first_request, first_request
        failed = window.format(0, windows[0], "FAILED", 0) + f"1 台が失敗：{canary} (Failed)"
        assert failed in first_request
        assert "次のウェーブ 2 を始めてよいか" in second_request
        assert window.format(1, windows[1], "SUCCESS", 1) + "0 台が失敗" in second_request
    else:
        window = "wave {0}: run window execution {1} {2}, 1 instances, {3} succeeded, "
        assert "approve wave 1 next" in first_request, first_request
        failed = window.format(0, windows[0], "FAILED", 0) + f"1 failed: {canary} (Failed)"
        assert failed in first_request
        assert "approve wave 2 next" in second_request
        assert window.format(1, windows[1], "SUCCESS", 1) + "0 failed" in second_request
    # The first wave's failure was within wave_max_errors: wave 1 ran once approved.
    waves = deployment.runs_by_wave(start)
    assert [[instance(r) for r in wave] for wave in waves] == [[canary], [first]]


def test_a_rejected_wave_starts_no_further_wave_and_the_summary_says_so(approved_between_waves):
    language, deployment, start, _, _, (canary, _, last) = approved_between_waves
    assert start["AutomationExecutionStatus"] == "Failed"
    steps = steps_by_name(start)
    assert steps["ApproveWave"]["StepStatus"] == "Failed"
    assert steps["Summarize"]["Outputs"]["NotStarted"] == ["2"]
    text = deployment.summary(start["AutomationExecutionId"])["Message"]
    for fact in (canary, "Failed", *run_window_executions(start)):
        assert fact in text, text
    assert last not in text
    if language == "ja":
        assert (
            "途中で止めました: ウェーブ 2 は承認されませんでした（Failed）。始めなかったウェーブ: 2"
            in text
        )
        assert "インスタンス: 2 台（成功 1 台、失敗 1 台）" in text
    else:
        assert "Stopped: wave 2 was not approved (Failed); waves not started: 2" in text
        assert "Instances: 2, succeeded: 1, failed: 1" in text


@pytest.mark.parametrize("asks", [True, False], ids=["run-asks", "run-does-not-ask"])
def test_winupdate_run_approve_never_answers_a_later_waves_approval(
    client, endpoint, control, asks
):
    """`winupdate run --approve` approves the run as its caller; a later wave's approval is
    for somebody who has read the previous wave's counts: the CLI says it waits and how to
    answer it, and does not approve it (here it is rejected while the CLI follows), also
    when it is the first approval the run asks."""
    deployment = Deployment(
        client, endpoint, f"WaveCli{int(asks)}", RequireApproval=asks, WaveApproval=True
    )
    deployment.launch("0", "1")
    document = f"{deployment.prefix}AutomationStart"
    rejected: list[str] = []

    def reject_the_wave() -> None:
        ssm = client("ssm")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not rejected:
            for found in ssm.describe_automation_executions(
                Filters=[{"Key": "DocumentNamePrefix", "Values": [document]}]
            )["AutomationExecutionMetadataList"]:
                execution = ssm.get_automation_execution(
                    AutomationExecutionId=found["AutomationExecutionId"]
                )["AutomationExecution"]
                if any(
                    s["StepName"] == "ApproveWave" and s["StepStatus"] == "Waiting"
                    for s in execution["StepExecutions"]
                ):
                    time.sleep(1.0)  # five of the CLI's polls: time to answer it wrongly
                    ssm.send_automation_signal(
                        AutomationExecutionId=execution["AutomationExecutionId"],
                        SignalType="Reject",
                    )
                    rejected.append(execution["AutomationExecutionId"])
            time.sleep(0.1)

    rejecter = threading.Thread(target=reject_the_wave, daemon=True)
    rejecter.start()
    with aws_env(endpoint):
        result = cli(
            "run",
            "--document",
            document,
            "--parameter",
            f"TargetTag={deployment.tag}",
            "--parameter",
            f"NotificationArn={deployment.variables['topic']}",
            "--parameter",
            f"AutomationAssumeRole={deployment.role}",
            "--approve",
            "--interval",
            "0.2",
        )
    rejecter.join(5)
    said = result.err + result.out
    assert rejected, said
    assert ("approved as" in said) is asks
    assert "ApproveWave: the next wave waits for its approval" in said, said
    start = deployment.ssm.get_automation_execution(AutomationExecutionId=rejected[0])[
        "AutomationExecution"
    ]
    assert steps_by_name(start)["ApproveWave"]["StepStatus"] == "Failed"
    assert len(run_window_executions(start)) == 1
    assert result.code != 0


def test_a_run_cancelled_between_waves_still_summarizes_the_waves_so_far(client, endpoint, control):
    """automation-actions.md, onCancel: the cancel workflow runs ApproveWave's onCancel step;
    nothing runs between waves (the window is disarmed), so the summary is what is left."""
    deployment = Deployment(
        client, endpoint, "WaveCancel", RequireApproval=False, WaveApproval=True
    )
    canary, later = deployment.launch("0", "1")
    ssm = deployment.ssm
    start_id = deployment.start()
    wait_for_wave_approval(ssm, start_id, 1)
    ssm.stop_automation_execution(AutomationExecutionId=start_id, Type="Cancel")
    start = wait_done(ssm, start_id, 60)
    assert start["AutomationExecutionStatus"] == "Cancelled"
    steps = steps_by_name(start)
    assert steps["ApproveWave"]["StepStatus"] == "Cancelled"
    assert steps["Summarize"]["StepStatus"] == "Success"
    assert steps["Summarize"]["Outputs"]["NotStarted"] == ["1"]
    text = deployment.summary(start_id)["Message"]
    assert "Stopped: the run was cancelled before wave 1; waves not started: 1" in text
    assert "Instances: 1, succeeded: 1, failed: 0" in text
    assert [[instance(r) for r in wave] for wave in deployment.runs_by_wave(start)] == [[canary]]
    assert images_of(client("ec2"), later) == []
    window = ssm.get_maintenance_window(WindowId=steps["ArmRunWindow"]["Outputs"]["WindowId"][0])
    assert window["Enabled"] is False


def test_a_window_stopped_by_max_errors_stops_the_waves_and_names_who_did_not_run(
    client, endpoint, control
):
    """The run's MaxErrors (a parameter of whoever starts it) stops the window after one
    failure, so the wave's invocations hold one failure: the planned instances that did
    not run still stop the next wave, whatever wave_max_errors allows."""
    deployment = Deployment(client, endpoint, "WaveMaxErr", RequireApproval=False, WaveMaxErrors=1)
    canaries = deployment.launch("0", "0", "0")
    [later] = deployment.launch("1")
    for canary in canaries:
        control.fleet_fault(
            "command_fails", canary, count=None, document="AWS-InstallWindowsUpdates"
        )
    start = wait_done(deployment.ssm, deployment.start(MaxConcurrency="1", MaxErrors="0"), 120)
    assert start["AutomationExecutionStatus"] == "Failed"
    [wave0] = deployment.runs_by_wave(start)
    assert len(wave0) == 1
    assert images_of(client("ec2"), later) == []
    text = deployment.summary(start["AutomationExecutionId"])["Message"]
    assert "Instances of wave 0 that did not run: 2 (" in text, text
    assert "Stopped: 2 instances of wave 0 did not run" in text
    assert "waves not started: 1" in text
    outcome = steps_by_name(start)["AssertAllSucceeded"]["FailureMessage"]
    assert "2 planned instances did not run" in outcome


def test_with_waves_a_run_cannot_pick_part_of_the_fleet_by_another_tag(client, endpoint, control):
    """TargetTag=<another key> would leave the canary out: refused before anything changes."""
    deployment = Deployment(client, endpoint, "WavePick", RequireApproval=False)
    canary, late = deployment.launch("0", "3")
    deployment.ec2.create_tags(Resources=[late], Tags=[{"Key": "Backup", "Value": "ON"}])
    start = wait_done(deployment.ssm, deployment.start(TargetTag="Backup"), 60)
    assert start["AutomationExecutionStatus"] == "Failed"
    message = steps_by_name(start)["NextWave"]["FailureMessage"]
    assert f"covers every instance of the deployment's tag {deployment.tag}" in message
    assert "nothing was changed" in message
    assert run_window_executions(start) == []
    for instance_id in (canary, late):
        assert images_of(client("ec2"), instance_id) == []


def test_instances_retagged_while_the_run_waits_for_approval_stop_it_before_any_wave(
    client, endpoint, control
):
    """The plan is what the approvers were shown: a renumbered instance and a new one
    without a wave number, found once approved, stop the run before its first wave."""
    deployment = Deployment(client, endpoint, "WaveDrift", RequireApproval=True)
    canary, moved = deployment.launch("0", "1")
    ssm = deployment.ssm
    start_id = deployment.start()
    wait_until(ssm, start_id, {"Waiting"}, 60)
    deployment.ec2.create_tags(Resources=[moved], Tags=[{"Key": WAVE_KEY, "Value": "7"}])
    [added] = deployment.launch(None)
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")
    start = wait_done(ssm, start_id, 60)
    assert start["AutomationExecutionStatus"] == "Failed"
    assert run_window_executions(start) == []
    text = deployment.summary(start_id)["Message"]
    assert f"are not those of the plan any more (new or renumbered: {added}" in text, text
    assert f"moved: {moved} (1 → 7)" in text
    assert "waves not started: 0, 1" in text
    for instance_id in (canary, moved, added):
        assert images_of(client("ec2"), instance_id) == []
