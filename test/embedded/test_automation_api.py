"""The Automation API's request and response shapes (botocore's SSM model) and its errors.

Every response is checked raw against the operation's output shape; every error uses the
code botocore's model lists for the operation, with a message that names the field.
"""

from __future__ import annotations

import botocore.session
import pytest
from botocore.exceptions import ClientError

from automation_support import create_runbook, runbook, start, wait_done, wait_until
from shape_check import checked
from winupdate.local.automation import document_checks
from winupdate.local.automation import exceptions as automation_exceptions
from winupdate.local.errors import AwsError

SLEEP = {"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT10S"}}
HOLD = {"name": "hold", "action": "aws:pause", "inputs": {}}


def test_every_automation_response_matches_its_output_shape(client):
    ssm = client("ssm")
    name = create_runbook(
        ssm, runbook(HOLD, SLEEP, parameters={"P": {"type": "String", "default": "x"}})
    )
    execution_id = checked(ssm, "StartAutomationExecution", DocumentName=name)[
        "AutomationExecutionId"
    ]
    wait_until(ssm, execution_id, {"Waiting"})
    checked(ssm, "GetAutomationExecution", AutomationExecutionId=execution_id)
    checked(
        ssm,
        "DescribeAutomationExecutions",
        Filters=[{"Key": "ExecutionId", "Values": [execution_id]}],
    )
    checked(ssm, "DescribeAutomationStepExecutions", AutomationExecutionId=execution_id)
    checked(ssm, "SendAutomationSignal", AutomationExecutionId=execution_id, SignalType="Resume")
    done = wait_done(ssm, execution_id)
    assert done["AutomationExecutionStatus"] == "Success"
    checked(ssm, "GetAutomationExecution", AutomationExecutionId=execution_id)
    other = start(ssm, name)
    checked(ssm, "StopAutomationExecution", AutomationExecutionId=other)
    assert wait_done(ssm, other)["AutomationExecutionStatus"] == "Cancelled"


def test_rate_controlled_parent_matches_its_output_shape(client):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(SLEEP, parameters={"V": {"type": "String"}}))
    parent = checked(
        ssm,
        "StartAutomationExecution",
        DocumentName=name,
        TargetParameterName="V",
        Targets=[{"Key": "ParameterValues", "Values": ["a", "b"]}],
        MaxConcurrency="50%",
        MaxErrors="1",
    )["AutomationExecutionId"]
    wait_done(ssm, parent)
    execution = checked(ssm, "GetAutomationExecution", AutomationExecutionId=parent)
    assert execution["AutomationExecution"]["ProgressCounters"]["TotalSteps"] == 2


def test_describe_filters_select_by_status_prefix_and_parent(client):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(HOLD), prefix="FilterMe")
    execution_id = start(ssm, name)
    wait_until(ssm, execution_id, {"Waiting"})
    found = ssm.describe_automation_executions(
        Filters=[
            {"Key": "DocumentNamePrefix", "Values": [name]},
            {"Key": "ExecutionStatus", "Values": ["Waiting"]},
        ]
    )["AutomationExecutionMetadataList"]
    assert [e["AutomationExecutionId"] for e in found] == [execution_id]
    none = ssm.describe_automation_executions(
        Filters=[
            {"Key": "DocumentNamePrefix", "Values": [name]},
            {"Key": "ExecutionStatus", "Values": ["Success"]},
        ]
    )["AutomationExecutionMetadataList"]
    assert none == []
    ssm.stop_automation_execution(AutomationExecutionId=execution_id)


def test_describe_pages_with_next_token(client):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(SLEEP), prefix="Paged")
    ids = {start(ssm, name) for _ in range(3)}
    pages = ssm.get_paginator("describe_automation_executions").paginate(
        Filters=[{"Key": "DocumentNamePrefix", "Values": [name]}], PaginationConfig={"PageSize": 2}
    )
    seen = [e["AutomationExecutionId"] for p in pages for e in p["AutomationExecutionMetadataList"]]
    assert sorted(seen) == sorted(ids)


def error_of(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def test_unknown_document_is_automation_definition_not_found(client):
    error = error_of(lambda: client("ssm").start_automation_execution(DocumentName="NoSuchDoc"))
    assert error["Code"] == "AutomationDefinitionNotFoundException"
    assert "NoSuchDoc" in error["Message"]


def test_unknown_document_version_is_its_own_error(client):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(SLEEP))
    error = error_of(lambda: ssm.start_automation_execution(DocumentName=name, DocumentVersion="9"))
    assert error["Code"] == "AutomationDefinitionVersionNotFoundException"
    assert "9" in error["Message"]


def test_unknown_execution_is_automation_execution_not_found(client):
    ssm = client("ssm")
    missing = "00000000-0000-0000-0000-000000000000"
    for call in (
        lambda: ssm.get_automation_execution(AutomationExecutionId=missing),
        lambda: ssm.describe_automation_step_executions(AutomationExecutionId=missing),
        lambda: ssm.stop_automation_execution(AutomationExecutionId=missing),
        lambda: ssm.send_automation_signal(AutomationExecutionId=missing, SignalType="Approve"),
    ):
        error = error_of(call)
        assert error["Code"] == "AutomationExecutionNotFoundException"
        assert missing in error["Message"]


def test_signal_to_an_ended_execution_is_invalid(client):
    ssm = client("ssm")
    execution_id = start(ssm, create_runbook(ssm, runbook(SLEEP)))
    wait_done(ssm, execution_id)
    error = error_of(
        lambda: ssm.send_automation_signal(AutomationExecutionId=execution_id, SignalType="Resume")
    )
    assert error["Code"] == "InvalidAutomationSignalException"
    assert "ended" in error["Message"]


def test_stopping_an_ended_execution_is_an_invalid_status_update(client):
    ssm = client("ssm")
    execution_id = start(ssm, create_runbook(ssm, runbook(SLEEP)))
    wait_done(ssm, execution_id)
    error = error_of(lambda: ssm.stop_automation_execution(AutomationExecutionId=execution_id))
    assert error["Code"] == "InvalidAutomationStatusUpdateException"


def test_unknown_filter_key_is_invalid_filter_key(client):
    error = error_of(
        lambda: client("ssm").describe_automation_executions(
            Filters=[{"Key": "Colour", "Values": ["blue"]}]
        )
    )
    assert error["Code"] in ("InvalidFilterKey", "ValidationException")


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("schemaVersion: '0.3'\nmainSteps: []\n", "mainSteps"),
        ("schemaVersion: '2.2'\nmainSteps:\n- name: a\n  action: aws:sleep\n", "schemaVersion"),
        (
            "schemaVersion: '0.3'\nmainSteps:\n- name: a\n  action: aws:sleep\n  nextStep: zz\n",
            "zz",
        ),
        ("schemaVersion: '0.3'\nmainSteps:\n- name: a\n  action: aws:sleepy\n", "aws:sleepy"),
        (
            "schemaVersion: '0.3'\nmainSteps:\n- name: a\n  action: aws:sleep\n"
            "- name: a\n  action: aws:sleep\n",
            "a",
        ),
        ("schemaVersion: '0.3'\nmainSteps: [\n", "YAML"),
    ],
)
def test_malformed_runbook_is_refused_at_create_document_naming_the_field(client, content, named):
    error = error_of(
        lambda: client("ssm").create_document(
            Name="Malformed", Content=content, DocumentType="Automation", DocumentFormat="YAML"
        )
    )
    assert error["Code"] == "InvalidDocumentContent"
    assert named in error["Message"]


def test_every_error_code_the_runtime_raises_is_in_the_ssm_model():
    model = botocore.session.get_session().get_service_model("ssm")
    known = {shape.name for shape in model.error_shapes}
    raised = {
        cls("x").code
        for module in (automation_exceptions, document_checks)
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, AwsError) and cls is not AwsError
    }
    assert "InvalidDocumentContent" in raised
    assert raised - known == set()
