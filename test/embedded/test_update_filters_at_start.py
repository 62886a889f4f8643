"""The update filters are checked before anything changes, on the module's own runbooks as
Terraform renders them.

A filter AWS-InstallWindowsUpdates refuses (``--severity-levels Bogus``) used to reach it
only at InstallUpdates, after every tagged instance had been imaged and rebooted. Now each
runbook declares AWS-InstallWindowsUpdates' allowedPattern on its filter parameters, which
StartAutomationExecution checks (documents-syntax-data-elements-parameters.md, allowedPattern;
the embedded AWS: automation/parameters.py), `winupdate run` checks them before any call,
and the Start runbook's first step refuses a KB that is both included and excluded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from cli_run_support import aws_env, cli, unique
from module_support import deploy_module_runbooks
from seed_support import wait_for_agents, wait_for_state, windows_image

from automation_support import instance_run_ids, messages, service_role, steps_by_name, wait_done

ROOT = Path(__file__).parents[2]
PREFIX = "FLT-"


@pytest.fixture(scope="module")
def module_account(client):
    """The module's four runbooks (prefix FLT-), deployed with require_approval = false,
    their Parameter Store entries and topic, one tagged running Windows instance, and a role
    the runs may assume."""
    ssm, ec2 = client("ssm"), client("ec2")
    tag = unique("Filters")
    # Whether a run asks is a deployment fact (no run-time parameter): these runs do not.
    variables = deploy_module_runbooks(
        client, PREFIX, tag, "AutomationFilters", RequireApproval=False
    )
    topic = variables["topic"]
    instance = ec2.run_instances(
        ImageId=windows_image(ec2),
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": tag, "Value": "ON"}]}],
    )["Instances"][0]["InstanceId"]
    wait_for_state(ec2, [instance], "running")
    wait_for_agents(ssm, [instance], "Online")
    role = service_role(client("iam"), "FiltersAutomation")
    return {"tag": tag, "instance": instance, "role": role, "topic": topic}


def images_of(ec2, instance: str) -> list[str]:
    found = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "tag:InstanceId", "Values": [instance]}]
    )["Images"]
    return [i["ImageId"] for i in found]


def executions_of(ssm, document: str) -> int:
    pages = ssm.get_paginator("describe_automation_executions").paginate(
        Filters=[{"Key": "DocumentNamePrefix", "Values": [document]}]
    )
    return sum(len(p["AutomationExecutionMetadataList"]) for p in pages)


BAD_FILTERS = [
    ("SeverityLevels", "Bogus"),
    ("Categories", "SecurityUpdate"),
    ("IncludeKbs", "KB12345678"),
    ("ExcludeKbs", "kb5005565"),
    ("PublishedDaysOld", "soon"),
    ("PublishedDateAfter", "2025-01-31"),
    ("PublishedDateBefore", "31/01/2025"),
]


@pytest.mark.parametrize("document", ["AutomationStart", "AutomationProcess"])
@pytest.mark.parametrize(("name", "value"), BAD_FILTERS, ids=[f[0] for f in BAD_FILTERS])
def test_a_bad_filter_is_refused_at_start_and_no_ami_is_made(
    client, module_account, document, name, value
):
    ssm, ec2 = client("ssm"), client("ec2")
    account = module_account
    parameters = {name: [value], "AutomationAssumeRole": [account["role"]]}
    if document == "AutomationProcess":
        parameters["InstanceId"] = [account["instance"]]
    else:
        parameters.update(TargetTag=[account["tag"]])
    before = executions_of(ssm, f"{PREFIX}{document}")
    with pytest.raises(ClientError) as raised:
        ssm.start_automation_execution(DocumentName=f"{PREFIX}{document}", Parameters=parameters)
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidAutomationExecutionParametersException"
    assert name in error["Message"] and value in error["Message"]
    assert executions_of(ssm, f"{PREFIX}{document}") == before
    assert images_of(ec2, account["instance"]) == []


def test_run_with_a_bad_severity_starts_nothing_and_makes_no_ami(client, endpoint, module_account):
    ssm, ec2 = client("ssm"), client("ec2")
    document = f"{PREFIX}AutomationStart"
    before = executions_of(ssm, document)
    with aws_env(endpoint):
        result = cli(
            "run",
            "--document",
            document,
            "--severity-levels",
            "Bogus",
            "--parameter",
            f"TargetTag={module_account['tag']}",
            "--approve",
        )
    assert result.code == 2 and result.out == ""
    (line,) = result.err.strip().splitlines()
    assert line.startswith("winupdate: SeverityLevels 'Bogus' is not what AWS-InstallWindowsUpd")
    assert executions_of(ssm, document) == before
    assert images_of(ec2, module_account["instance"]) == []


def test_a_kb_both_included_and_excluded_ends_the_start_run_before_approval_and_any_change(
    client, endpoint, module_account
):
    """Started past the CLI (a console, a scheduled task): the Start runbook's own check."""
    ssm, ec2 = client("ssm"), client("ec2")
    execution_id = ssm.start_automation_execution(
        DocumentName=f"{PREFIX}AutomationStart",
        Parameters={
            "TargetTag": [module_account["tag"]],
            "IncludeKbs": ["KB5005565,KB5005570"],
            "ExcludeKbs": ["5005565"],
            "AutomationAssumeRole": [module_account["role"]],
        },
    )["AutomationExecutionId"]
    execution = wait_done(ssm, execution_id)
    assert execution["AutomationExecutionStatus"] == "Failed"
    steps = steps_by_name(execution)
    assert steps["CheckFilters"]["StepStatus"] == "Failed"
    assert (
        "KB5005565 is in both IncludeKbs and ExcludeKbs" in steps["CheckFilters"]["FailureMessage"]
    )
    # CheckFilters is first: the approval was never decided, nothing started.
    ran = {name for name, step in steps.items() if step["StepStatus"] != "Pending"}
    assert ran == {"CheckFilters", "ReportFailure"}, {n: s["StepStatus"] for n, s in steps.items()}
    children = ssm.describe_automation_executions(
        Filters=[{"Key": "ParentExecutionId", "Values": [execution_id]}]
    )["AutomationExecutionMetadataList"]
    assert children == []
    assert images_of(ec2, module_account["instance"]) == []
    # Exactly one message says why (DESIGN.md: every path that ends a run sends one).
    sent = [m for m in messages(endpoint, module_account["topic"]) if execution_id in m["Message"]]
    assert len(sent) == 1 and "KB5005565 is in both" in sent[0]["Message"]


def test_the_start_runbook_forwards_every_filter_to_each_instance_and_its_update(
    client, module_account
):
    ssm = client("ssm")
    filters = {
        "SeverityLevels": "Critical,Important,Moderate,Low,Unspecified",
        "Categories": "SecurityUpdates,CriticalUpdates",
        "IncludeKbs": "KB5005565",
        "ExcludeKbs": "5005566",
        "PublishedDaysOld": "0",
        "PublishedDateAfter": "01/01/2000",
        "PublishedDateBefore": "12/31/2099",
    }
    execution_id = ssm.start_automation_execution(
        DocumentName=f"{PREFIX}AutomationStart",
        Parameters={
            **{k: [v] for k, v in filters.items()},
            "TargetTag": [module_account["tag"]],
            "AutomationAssumeRole": [module_account["role"]],
        },
    )["AutomationExecutionId"]
    execution = wait_done(ssm, execution_id, wall_timeout=120)
    assert execution["AutomationExecutionStatus"] == "Success", execution.get("FailureMessage")

    (process,) = instance_run_ids(ssm, execution)
    run = ssm.get_automation_execution(AutomationExecutionId=process)["AutomationExecution"]
    assert run["Parameters"]["InstanceId"] == [module_account["instance"]]
    for name, value in filters.items():
        assert run["Parameters"][name] == [value], name
    # Step inputs are JSON text in GetAutomationExecution, as AWS shows them.
    sent = json.loads(steps_by_name(run)["InstallUpdates"]["Inputs"]["Parameters"])
    assert {name: sent[name] for name in filters} == filters
