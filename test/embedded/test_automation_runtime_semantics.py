"""Runtime semantics the Automation pages state, on the embedded AWS.

References: automation-action-outputs-inputs.md ("Using JSONPath in runbooks", lines
133-138: only `.`, `..` and `[ ]`), automation-action-branch.md (line 7: no true choice and
no Default runs the next step), automation-action-executeAutomation.md (Output, Type
StringList, lines 102-104), running-automations-scale.md (lines 440-455: a parent's step
execution per target), automation-action-executeScript.md (today's page: Python 3.6-3.8
retired; Script not supported in JSON runbooks), automation-action-approve.md (line 6:
timeout at most 2592000 s; MinRequiredApprovals).
"""

import json

import pytest
from botocore.exceptions import ClientError

from automation_support import create_runbook, runbook, start, steps_by_name, wait_done

PAYLOAD = """
def handler(events, context):
    return {"Items": [{"Id": "a", "N": 1}, {"Id": "b", "N": 2}], "Word": "abc", "Count": 2}
"""


def script(name="script", outputs=(), **props):
    return {
        "name": name,
        "action": "aws:executeScript",
        "inputs": {"Runtime": "python3.11", "Handler": "handler", "Script": PAYLOAD},
        "outputs": list(outputs),
        **props,
    }


def sleep(name):
    return {"name": name, "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}


def run(ssm, *steps, **extra):
    return wait_done(ssm, start(ssm, create_runbook(ssm, runbook(*steps, **extra))))


# A filter is not on the page either, but AWS's own runbooks use one
# (AWSSupport-ValidateMWAADependencies: "$.Stacks[0].Outputs[?(@.OutputKey=='InstanceId')]
# .OutputValue") and AWS runs them: test_forms_aws_own_runbooks_use_work.
@pytest.mark.parametrize(
    "selector",
    ["$.Payload.Items[*].Id", "$.Payload.Items[0:1]", "$..*", "$.Payload['Items','Count']"],
)
def test_selectors_beyond_the_supported_operators_fail_the_step(client, selector):
    ssm = client("ssm")
    execution = run(ssm, script(outputs=[{"Name": "X", "Selector": selector, "Type": "String"}]))
    step = steps_by_name(execution)["script"]
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert step["StepStatus"] == "Failed"
    assert "invalid JSONPath selector" in step["FailureMessage"]
    assert step["FailureDetails"]["FailureType"] == "InputValidation"


def test_supported_selectors_work_with_and_without_the_leading_dollar(client):
    # AWS's own runbooks write "SnapshotId" and "Snapshots[0].State": AWS accepts them.
    ssm = client("ssm")
    outputs = [
        {"Name": "First", "Selector": "Payload.Items[0].Id", "Type": "String"},
        {"Name": "Second", "Selector": "$.Payload.Items[1].Id", "Type": "String"},
        {"Name": "Ids", "Selector": "$.Payload..Id", "Type": "StringList"},
        {"Name": "Count", "Selector": "$.Payload.Count", "Type": "Integer"},
    ]
    execution = run(ssm, script(outputs=outputs))
    assert execution["AutomationExecutionStatus"] == "Success", execution
    got = steps_by_name(execution)["script"]["Outputs"]
    assert got["First"] == ["a"] and got["Second"] == ["b"]
    assert got["Ids"] == ["a", "b"] and got["Count"] == ["2"]


def test_forms_aws_own_runbooks_use_work(client):
    """Quoted names, ['x'], a [?(...)] filter and .[n]: AWSEC2-CloneInstanceAndUpgradeWindows,
    AWSSupport-ConnectivityTroubleshooter and AWSSupport-ValidateMWAADependencies select with
    them, and AWS accepts and runs those runbooks."""
    ssm = client("ssm")
    outputs = [
        {"Name": "Filtered", "Selector": "$.Payload.Items[?(@.Id=='b')].Id", "Type": "String"},
        {"Name": "Bracketed", "Selector": "$.Payload.Items[0]['Id']", "Type": "String"},
        {"Name": "DotIndex", "Selector": "$.Payload.Items.[1].Id", "Type": "String"},
    ]
    execution = run(ssm, script(outputs=outputs))
    assert execution["AutomationExecutionStatus"] == "Success", execution
    got = steps_by_name(execution)["script"]["Outputs"]
    assert {k: got[k] for k in ("Filtered", "Bracketed", "DotIndex")} == {
        "Filtered": ["b"],
        "Bracketed": ["a"],
        "DotIndex": ["b"],
    }


@pytest.mark.parametrize(
    ("selector", "kind"),
    [
        ("$.Payload.Word", "Integer"),
        ("$.Payload.Word", "Boolean"),
        ("$.Payload.Word", "StringMap"),
        ("$.Payload.Items[0].Id", "MapList"),
    ],
)
def test_an_output_that_does_not_fit_its_type_fails_the_step_with_its_on_failure(
    client, selector, kind
):
    # Before: "Internal error of the embedded AWS", the step InProgress for ever. Assumed
    # where the docs are silent: the step fails (Verification) and onFailure applies.
    ssm = client("ssm")
    bad = script(outputs=[{"Name": "X", "Selector": selector, "Type": kind}], onFailure="Continue")
    execution = run(ssm, bad, sleep("after"))
    steps = steps_by_name(execution)
    assert steps["script"]["StepStatus"] == "Failed"
    assert "Output X" in steps["script"]["FailureMessage"]
    assert kind in steps["script"]["FailureMessage"]
    assert steps["after"]["StepStatus"] == "Success"
    assert execution["AutomationExecutionStatus"] == "Success"  # Continue: not critical


def test_branch_with_no_true_choice_and_no_default_runs_the_next_step(client):
    # automation-action-branch.md line 7.
    ssm = client("ssm")
    branch = {
        "name": "choose",
        "action": "aws:branch",
        "inputs": {"Choices": [{"NextStep": "skipped", "Variable": "x", "StringEquals": "y"}]},
    }
    execution = run(ssm, branch, sleep("next"), {**sleep("skipped"), "isEnd": True})
    steps = steps_by_name(execution)
    assert execution["AutomationExecutionStatus"] == "Success"
    assert steps["choose"]["StepStatus"] == "Success"
    assert steps["next"]["StepStatus"] == "Success"


def test_execute_automation_output_lists_the_childs_output_values(client):
    # automation-action-executeAutomation.md lines 102-104: Output, Type StringList; the
    # page's example passes {{launchNewWindowsInstance.Output}} as one instance ID.
    ssm = client("ssm")
    child = create_runbook(
        ssm,
        runbook(
            script(outputs=[{"Name": "Word", "Selector": "$.Payload.Word", "Type": "String"}]),
            outputs=["script.Word"],
        ),
        prefix="Child",
    )
    parent = {"name": "run", "action": "aws:executeAutomation", "inputs": {"DocumentName": child}}
    execution = run(ssm, parent)
    assert execution["AutomationExecutionStatus"] == "Success", execution
    outputs = steps_by_name(execution)["run"]["Outputs"]
    assert outputs["Output"] == ["abc"]
    assert outputs["Status"] == ["Success"]


def test_a_rate_controlled_parent_lists_one_step_execution_per_target(client):
    # running-automations-scale.md lines 440-455: StepName is the target, Action
    # aws:executeAutomation, Inputs the target parameter.
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(sleep("s"), parameters={"Value": {"type": "String"}}))
    execution_id = ssm.start_automation_execution(
        DocumentName=name,
        TargetParameterName="Value",
        Targets=[{"Key": "ParameterValues", "Values": ["one", "two", "three"]}],
        MaxConcurrency="2",
    )["AutomationExecutionId"]
    execution = wait_done(ssm, execution_id)
    steps = steps_by_name(execution)
    assert sorted(steps) == ["one", "three", "two"]
    for value, step in steps.items():
        assert step["Action"] == "aws:executeAutomation"
        assert step["StepStatus"] == "Success"
        assert step["Inputs"] == {"Value": value}
        assert step["ExecutionEndTime"] >= step["ExecutionStartTime"]
    described = ssm.describe_automation_step_executions(AutomationExecutionId=execution_id)
    assert len(described["StepExecutions"]) == 3


def create(ssm, document, document_format="YAML"):
    import uuid

    import yaml

    content = json.dumps(document) if document_format == "JSON" else yaml.safe_dump(document)
    return ssm.create_document(
        Name=f"Sem-{uuid.uuid4().hex[:10]}",
        Content=content,
        DocumentType="Automation",
        DocumentFormat=document_format,
    )


def refused_at_creation(ssm, document, document_format="YAML") -> str:
    with pytest.raises(ClientError) as err:
        create(ssm, document, document_format)
    assert err.value.response["Error"]["Code"] == "InvalidDocumentContent"
    return err.value.response["Error"]["Message"]


@pytest.mark.parametrize("runtime", ["python3.6", "python3.7", "python3.8", "python2.7", "ruby"])
def test_retired_and_unknown_script_runtimes_are_refused_at_creation(client, runtime):
    # Today's automation-action-executeScript page: since 4 December 2024 runbooks using
    # Python 3.6, 3.7 or 3.8 can't be created or updated.
    ssm = client("ssm")
    step = script()
    step["inputs"]["Runtime"] = runtime
    assert runtime in refused_at_creation(ssm, runbook(step))


def test_script_is_refused_in_a_json_runbook(client):
    # automation-action-executeScript.md line 183: Script "is not supported for JSON
    # runbooks. JSON runbooks must provide script content using the Attachment".
    ssm = client("ssm")
    assert "JSON" in refused_at_creation(ssm, runbook(script()), "JSON")


def test_a_powershell_script_is_accepted_but_fails_as_not_supported_here(client):
    # Accepted by AWS (PowerShell 7.4, Script required, no Handler); the embedded AWS has no
    # PowerShell to run it.
    ssm = client("ssm")
    step = {
        "name": "script",
        "action": "aws:executeScript",
        "inputs": {"Runtime": "PowerShell 7.4", "Script": "Write-Output 'hi'"},
    }
    execution = run(ssm, step)
    failed = steps_by_name(execution)["script"]
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert "not supported by the embedded AWS" in failed["FailureMessage"]


def approve(**props):
    step = {
        "name": "approve",
        "action": "aws:approve",
        "inputs": {"Approvers": ["alice", "bob"]},
    }
    inputs = props.pop("inputs", {})
    step["inputs"].update(inputs)
    return {**step, **props}


def test_an_approval_timeout_over_30_days_is_refused_at_creation(client):
    # automation-action-approve.md line 6: "the maximum value is 30 days (2592000 seconds)".
    ssm = client("ssm")
    assert "2592000" in refused_at_creation(ssm, runbook(approve(timeoutSeconds=2592001)))
    create(ssm, runbook(approve(timeoutSeconds=2592000)))  # the maximum itself is allowed


def test_more_required_approvals_than_approvers_is_refused_at_creation(client):
    # automation-action-approve.md, MinRequiredApprovals: approvals from that many of the
    # Approvers; more than are listed could never be met.
    ssm = client("ssm")
    message = refused_at_creation(ssm, runbook(approve(inputs={"MinRequiredApprovals": 3})))
    assert "MinRequiredApprovals" in message


def test_more_required_approvals_than_approvers_given_at_start_fails_the_step(client):
    # The same, when the approvers come from a parameter (known only at start).
    ssm = client("ssm")
    step = approve(inputs={"Approvers": "{{Approvers}}", "MinRequiredApprovals": 2})
    name = create_runbook(ssm, runbook(step, parameters={"Approvers": {"type": "StringList"}}))
    execution = wait_done(ssm, start(ssm, name, Approvers=["alice"]))
    failed = steps_by_name(execution)["approve"]
    assert failed["StepStatus"] == "Failed"
    assert "MinRequiredApprovals" in failed["FailureMessage"]
