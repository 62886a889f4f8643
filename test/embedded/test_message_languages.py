"""message_language (issue 17 item 5): the module's runbooks rendered with "en" and with
"ja" (two prefixes, two topics), one Start run each (no approval) over two tagged
instances, one of which fails its AWS-InstallWindowsUpdates (fleet fault command_fails).
Each language's messages carry the same facts (instance ids, AMI ids, counts, the failed
step); the "ja" ones are Japanese, not the English sentences."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cli_run_support import unique
from module_support import deploy_module_runbooks
from seed_support import wait_for_agents, wait_for_state, windows_image

from automation_support import messages, service_role, steps_by_name, wait_done
from winupdate.documents.render import output_defaults
from winupdate.local.control_client import ControlClient

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
LANGUAGES = {
    "en": {"Japanese": False, "MessageLanguage": "en", **output_defaults(None)},
    "ja": {"Japanese": True, "MessageLanguage": "ja", **output_defaults(None, japanese=True)},
}
ENGLISH_SENTENCES = (
    "succeeded for",
    "failed for",
    "Failed step:",
    "Reason:",
    "AMI before:",
    "AMI after:",
    "Automation execution:",
    "instances succeeded",
    "Instances:",
)


def run_in(client: Any, endpoint: str, language: str) -> dict[str, Any]:
    """Deploy the runbooks in ``language``, run them over two instances (the second one's
    update fails), return the run's messages and facts."""
    ssm, ec2 = client("ssm"), client("ec2")
    prefix = f"LANG{language.upper()}-"
    tag = unique(f"Lang{language}")
    variables = deploy_module_runbooks(
        client,
        prefix,
        tag,
        f"AutomationLang{language}",
        RequireApproval=False,
        **LANGUAGES[language],
    )
    role = service_role(client("iam"), variables["role_arn"].rsplit("/", 1)[-1])
    ok, bad = (
        ec2.run_instances(
            ImageId=windows_image(ec2),
            MinCount=1,
            MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": tag, "Value": "ON"}]}],
        )["Instances"][0]["InstanceId"]
        for _ in range(2)
    )
    wait_for_state(ec2, [ok, bad], "running")
    wait_for_agents(ssm, [ok, bad], "Online")
    ControlClient(endpoint).fleet_fault(
        "command_fails", bad, count=None, document="AWS-InstallWindowsUpdates"
    )
    start = ssm.start_automation_execution(
        DocumentName=f"{prefix}AutomationStart",
        Parameters={
            "TargetTag": [tag],
            "MaxConcurrency": ["2"],
            "MaxErrors": ["2"],
            "NotificationArn": [variables["topic"]],
            "AutomationAssumeRole": [role],
        },
    )["AutomationExecutionId"]
    ended = wait_done(ssm, start, 60)
    children = ssm.describe_automation_executions(
        Filters=[{"Key": "DocumentNamePrefix", "Values": [f"{prefix}AutomationProcess"]}]
    )["AutomationExecutionMetadataList"]
    runs = {}
    for child in children:
        execution = ssm.get_automation_execution(
            AutomationExecutionId=child["AutomationExecutionId"]
        )
        execution = execution["AutomationExecution"]
        # The rate-control parent (same document) has no InstanceId of its own.
        if execution.get("Parameters", {}).get("InstanceId"):
            runs[execution["Parameters"]["InstanceId"][0]] = execution
    return {
        "ok": ok,
        "bad": bad,
        "start": ended,
        "runs": runs,
        "messages": messages(endpoint, variables["topic"]),
    }


@pytest.fixture(scope="module")
def runs(client, endpoint) -> dict[str, dict[str, Any]]:
    control = ControlClient(endpoint)
    control.clear_faults()
    try:
        return {language: run_in(client, endpoint, language) for language in LANGUAGES}
    finally:
        control.clear_faults()


def message_about(run: dict[str, Any], instance: str) -> dict[str, Any]:
    (found,) = [m for m in run["messages"] if instance in (m.get("Subject") or "")]
    return found


def summary(run: dict[str, Any]) -> dict[str, Any]:
    (found,) = [m for m in run["messages"] if run["start"]["AutomationExecutionId"] in m["Message"]]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_success_message_has_the_instance_and_both_amis(runs, language):
    run = runs[language]
    execution = run["runs"][run["ok"]]
    assert execution["AutomationExecutionStatus"] == "Success", steps_by_name(execution)
    outputs = execution["Outputs"]
    before, after = outputs["CreateImageBefore.ImageId"][0], outputs["CreateImageAfter.ImageId"][0]
    found = outputs["ParseUpdateResults.Found"][0]
    message = message_about(run, run["ok"])
    text = message["Subject"] + "\n" + message["Message"]
    for fact in (run["ok"], before, after, execution["AutomationExecutionId"], str(found)):
        assert fact in text, text
    if language == "ja":
        assert "インスタンス" in message["Message"] and "成功" in message["Subject"], text
        assert "更新前の AMI: " + before in message["Message"], text
        assert "更新後の AMI: " + after in message["Message"], text
    else:
        assert message["Subject"] == f"Windows Update succeeded for {run['ok']}"
        assert f"AMI before: {before}\nAMI after: {after}\n" in message["Message"], text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_failure_message_has_the_instance_the_step_and_the_ami_before(runs, language):
    run = runs[language]
    execution = run["runs"][run["bad"]]
    assert execution["AutomationExecutionStatus"] == "Failed", steps_by_name(execution)
    before = execution["Outputs"]["CreateImageBefore.ImageId"][0]
    message = message_about(run, run["bad"])
    text = message["Subject"] + "\n" + message["Message"]
    for fact in (run["bad"], "InstallUpdates", execution["AutomationExecutionId"]):
        assert fact in text, text
    # AWS's own reason stays as AWS gives it, in both languages.
    reason = steps_by_name(execution)["InstallUpdates"]["FailureMessage"]
    assert reason.split("\n")[0] in message["Message"], text
    assert before, execution["Outputs"]
    if language == "ja":
        assert "失敗したステップ: InstallUpdates" in message["Message"], text
        assert "失敗" in message["Subject"], text
    else:
        assert message["Subject"] == f"Windows Update failed for {run['bad']}"
        assert "\nFailed step: InstallUpdates\nReason: " in message["Message"], text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_summary_has_the_counts_and_the_failed_instance(runs, language):
    run = runs[language]
    message = summary(run)
    text = message["Subject"] + "\n" + message["Message"]
    assert run["bad"] in message["Message"] and run["ok"] not in message["Message"], text
    if language == "ja":
        assert message["Subject"] == "Windows Update の実行結果: 2 台中 1 台が成功", text
        assert "インスタンス: 2 台（成功 1 台、失敗 1 台）" in message["Message"], text
    else:
        assert message["Subject"] == "Windows Update run: 1/2 instances succeeded", text
        assert "Instances: 2, succeeded: 1, failed: 1" in message["Message"], text


def test_the_japanese_messages_are_japanese_and_the_english_ones_english(runs):
    assert len(runs["ja"]["messages"]) == len(runs["en"]["messages"]) == 3
    for message in runs["ja"]["messages"]:
        text = message["Subject"] + "\n" + message["Message"]
        assert JAPANESE.search(message["Subject"]) and JAPANESE.search(message["Message"]), text
        assert not [s for s in ENGLISH_SENTENCES if s in text], text
        assert "its first 24,000 characters" not in text, text
        # AWS's limit: less than 100 characters, no line breaks (SNS Publish, Subject).
        assert len(message["Subject"]) < 100 and "\n" not in message["Subject"]
    for message in runs["en"]["messages"]:
        assert not JAPANESE.search(message["Subject"] + message["Message"]), message
