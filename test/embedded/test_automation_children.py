"""Child executions: aws:executeAutomation, waits on a child's status, and rate control
(automation-action-executeAutomation.md, automation-action-waitForAwsResourceProperty.md,
running-automations-scale-controls.md, running-automations-map-targets.md)."""

import time

import pytest
from botocore.exceptions import ClientError

from automation_support import create_runbook, runbook, start, steps_by_name, wait_done

FAIL_IF_BAD = {
    "schemaVersion": "0.3",
    "parameters": {"Value": {"type": "String"}},
    "mainSteps": [
        {
            "name": "choose",
            "action": "aws:branch",
            "inputs": {
                "Choices": [{"NextStep": "ok", "Variable": "{{Value}}", "StringEquals": "good"}],
                "Default": "bad",
            },
        },
        {
            "name": "bad",
            "action": "aws:executeAwsApi",
            "inputs": {"Service": "ec2", "Api": "DescribeImages", "ImageIds": ["ami-00000000"]},
            "isEnd": True,
        },
        {"name": "ok", "action": "aws:sleep", "inputs": {"Duration": "PT30S"}, "isEnd": True},
    ],
}


def test_failed_child_is_noticed_at_once_by_execute_automation(client):
    # automation-action-executeAutomation.md: the step waits for the child and fails with it.
    ssm = client("ssm")
    child = create_runbook(ssm, FAIL_IF_BAD, prefix="Child")
    parent = create_runbook(
        ssm,
        runbook(
            {
                "name": "run",
                "action": "aws:executeAutomation",
                "timeoutSeconds": 3600,
                "inputs": {"DocumentName": child, "RuntimeParameters": {"Value": ["bad"]}},
            }
        ),
    )
    execution_id = start(ssm, parent)
    execution = wait_done(ssm, execution_id)
    step = steps_by_name(execution)["run"]
    assert execution["AutomationExecutionStatus"] == "Failed"
    # Far less than the 3600 s timeout of modelled time passed.
    elapsed = (step["ExecutionEndTime"] - step["ExecutionStartTime"]).total_seconds()
    assert elapsed < 300
    child_id = step["Outputs"]["ExecutionId"][0]
    child_run = ssm.get_automation_execution(AutomationExecutionId=child_id)["AutomationExecution"]
    assert child_run["ParentAutomationExecutionId"] == execution_id
    assert child_run["AutomationExecutionStatus"] == "Failed"


def test_wait_for_success_keeps_polling_a_failed_child_until_its_timeout(client):
    # automation-action-waitForAwsResourceProperty.md: the action waits for a DesiredValue;
    # a terminal Failed is just another value, so the step times out (the seed's flaw).
    ssm = client("ssm")
    child = create_runbook(ssm, FAIL_IF_BAD, prefix="Child")
    parent = create_runbook(
        ssm,
        runbook(
            {
                "name": "startChild",
                "action": "aws:executeAwsApi",
                "inputs": {
                    "Service": "ssm",
                    "Api": "StartAutomationExecution",
                    "DocumentName": child,
                    "Parameters": {"Value": ["bad"]},
                },
                "outputs": [
                    {"Name": "Id", "Selector": "$.AutomationExecutionId", "Type": "String"}
                ],
            },
            {
                "name": "await",
                "action": "aws:waitForAwsResourceProperty",
                "timeoutSeconds": 900,
                "inputs": {
                    "Service": "ssm",
                    "Api": "GetAutomationExecution",
                    "AutomationExecutionId": "{{ startChild.Id }}",
                    "PropertySelector": "$.AutomationExecution.AutomationExecutionStatus",
                    "DesiredValues": ["Success"],
                },
            },
        ),
    )
    execution = wait_done(ssm, start(ssm, parent))
    step = steps_by_name(execution)["await"]
    assert step["StepStatus"] == "TimedOut"
    elapsed = (step["ExecutionEndTime"] - step["ExecutionStartTime"]).total_seconds()
    assert elapsed >= 900


def rate_controlled(ssm, values, concurrency, errors=None):
    name = create_runbook(ssm, FAIL_IF_BAD, prefix="Fleet")
    params = {
        "DocumentName": name,
        "TargetParameterName": "Value",
        "Targets": [{"Key": "ParameterValues", "Values": values}],
        "MaxConcurrency": concurrency,
    }
    if errors is not None:
        params["MaxErrors"] = errors
    return ssm.start_automation_execution(**params)["AutomationExecutionId"]


def children_of(ssm, parent_id):
    listed = ssm.describe_automation_executions(
        Filters=[{"Key": "ParentExecutionId", "Values": [parent_id]}]
    )["AutomationExecutionMetadataList"]
    return sorted(listed, key=lambda e: e["ExecutionStartTime"])


def test_rate_control_runs_one_child_per_target_with_the_target_value(client):
    ssm = client("ssm")
    parent_id = rate_controlled(ssm, ["good", "good", "good"], "2")
    parent = wait_done(ssm, parent_id)
    assert parent["AutomationExecutionStatus"] == "Success"
    assert parent["ResolvedTargets"]["ParameterValues"] == ["good", "good", "good"]
    assert parent["ProgressCounters"]["SuccessSteps"] == 3
    children = children_of(ssm, parent_id)
    assert len(children) == 3
    assert {c["Target"] for c in children} == {"good"}
    assert all(c["AutomationExecutionStatus"] == "Success" for c in children)


def test_rate_control_never_exceeds_max_concurrency(client):
    ssm = client("ssm")
    parent_id = rate_controlled(ssm, ["good"] * 8, "3")
    peak = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = [
            c for c in children_of(ssm, parent_id) if c["AutomationExecutionStatus"] == "InProgress"
        ]
        peak = max(peak, len(running))
        if ssm.get_automation_execution(AutomationExecutionId=parent_id)["AutomationExecution"][
            "AutomationExecutionStatus"
        ] not in ("InProgress", "Pending"):
            break
        time.sleep(0.02)
    assert 1 <= peak <= 3
    assert len(children_of(ssm, parent_id)) == 8


def test_error_threshold_stops_sending_to_more_targets(client):
    # running-automations-scale-controls.md: with an error threshold of 0, "the system stops
    # running the automation on additional targets after the first error result".
    ssm = client("ssm")
    parent_id = rate_controlled(ssm, ["bad", "good", "good", "good"], "1", errors="0")
    parent = wait_done(ssm, parent_id)
    assert parent["AutomationExecutionStatus"] == "Failed"
    assert len(children_of(ssm, parent_id)) == 1


def test_percentage_concurrency_and_errors_are_a_share_of_the_targets(client):
    # "10%" of 10 targets allows one error; the second stops the run.
    ssm = client("ssm")
    parent_id = rate_controlled(ssm, ["bad", "bad"] + ["good"] * 8, "10%", errors="10%")
    parent = wait_done(ssm, parent_id)
    assert parent["AutomationExecutionStatus"] == "Failed"
    assert len(children_of(ssm, parent_id)) == 2
    assert parent["MaxConcurrency"] == "10%"


def test_tag_targets_resolve_to_tagged_instances(client):
    ssm, ec2 = client("ssm"), client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    tagged = ec2.run_instances(
        ImageId=image,
        MinCount=2,
        MaxCount=2,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "RcTest", "Value": "ON"}]}
        ],
    )["Instances"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)
    name = create_runbook(
        ssm,
        runbook(
            {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}},
            parameters={"InstanceId": {"type": "String"}},
        ),
    )
    parent_id = ssm.start_automation_execution(
        DocumentName=name,
        TargetParameterName="InstanceId",
        Targets=[{"Key": "tag:RcTest", "Values": ["ON"]}],
    )["AutomationExecutionId"]
    parent = wait_done(ssm, parent_id)
    assert sorted(parent["ResolvedTargets"]["ParameterValues"]) == sorted(
        i["InstanceId"] for i in tagged
    )


def test_targets_without_target_parameter_name_are_refused(client):
    ssm = client("ssm")
    name = create_runbook(ssm, FAIL_IF_BAD, prefix="Fleet")
    with pytest.raises(ClientError) as err:
        ssm.start_automation_execution(
            DocumentName=name, Targets=[{"Key": "ParameterValues", "Values": ["good"]}]
        )
    assert err.value.response["Error"]["Code"] == "InvalidAutomationExecutionParametersException"
    assert "TargetParameterName" in err.value.response["Error"]["Message"]
