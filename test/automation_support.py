"""Helpers for tests that run runbooks on the embedded AWS."""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from typing import Any

import yaml

ACTIVE = {"Pending", "InProgress", "Waiting", "Cancelling"}


def create_runbook(ssm: Any, document: dict[str, Any] | str, prefix: str = "Test") -> str:
    """Create an Automation document with a unique name; return the name."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    content = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    ssm.create_document(
        Name=name, Content=content, DocumentType="Automation", DocumentFormat="YAML"
    )
    return name


def runbook(*steps: dict[str, Any], parameters: dict[str, Any] | None = None, **extra: Any):
    return {
        "schemaVersion": "0.3",
        "parameters": parameters or {},
        "mainSteps": list(steps),
        **extra,
    }


def start(ssm: Any, name: str, **parameters: Any) -> str:
    params = {k: v if isinstance(v, list) else [str(v)] for k, v in parameters.items()}
    return ssm.start_automation_execution(DocumentName=name, Parameters=params)[
        "AutomationExecutionId"
    ]


def _wait(ssm: Any, execution_id: str, ready: Any, wanted: str, wall_timeout: float):
    deadline = time.monotonic() + wall_timeout
    while True:
        execution = ssm.get_automation_execution(AutomationExecutionId=execution_id)[
            "AutomationExecution"
        ]
        if ready(execution["AutomationExecutionStatus"]):
            return execution
        if time.monotonic() > deadline:
            raise AssertionError(
                f"execution {execution_id} still {execution['AutomationExecutionStatus']} "
                f"after {wall_timeout} s (wanted {wanted}); steps: "
                + ", ".join(
                    f"{s['StepName']}={s['StepStatus']}" for s in execution["StepExecutions"]
                )
            )
        time.sleep(0.05)


def wait_until(ssm: Any, execution_id: str, statuses: set[str], wall_timeout: float = 30.0):
    return _wait(ssm, execution_id, statuses.__contains__, str(sorted(statuses)), wall_timeout)


def wait_done(ssm: Any, execution_id: str, wall_timeout: float = 30.0) -> dict[str, Any]:
    return _wait(ssm, execution_id, lambda status: status not in ACTIVE, "its end", wall_timeout)


def steps_by_name(execution: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["StepName"]: s for s in execution["StepExecutions"]}


def run_window_executions(start: dict[str, Any]) -> list[str]:
    """The run window's executions a Start run waited for (fan_out window: one a wave),
    in order, once each began."""
    from winupdate.run.executions import window_executions

    return [
        value
        for step in start["StepExecutions"]
        if step["StepName"] == "GetRunWindowExecution"
        for value in window_executions(step)
    ]


def run_window_execution(start: dict[str, Any]) -> str | None:
    """The run window's latest execution a Start run waited for (its wave now)."""
    return (run_window_executions(start) or [None])[-1]


def process_id(start: dict[str, Any]) -> str | None:
    """The rate-control execution a Start run started (fan_out rate_control), once it has."""
    value = steps_by_name(start).get("RunProcesses", {}).get("Outputs", {}).get("ExecutionId")
    return value[0] if value and re.fullmatch(r"[0-9a-f-]{36}", value[0]) else None


def instance_run_ids(ssm: Any, start: dict[str, Any]) -> list[str]:
    """The per-instance runs a run of the module's Start runbook has started so far, in
    either fan-out: the run window's invocations (fan_out window, the default), or the
    children of the rate-controlled execution its RunProcesses step started (fan_out
    rate_control)."""
    from winupdate.run.executions import window_runs

    windows = run_window_executions(start)
    if windows:
        return [run for window in windows for run in window_runs(ssm, window)]
    parent = process_id(start)
    if parent is None:
        return []
    pages = ssm.get_paginator("describe_automation_executions").paginate(
        Filters=[{"Key": "ParentExecutionId", "Values": [parent]}]
    )
    return [e["AutomationExecutionId"] for p in pages for e in p["AutomationExecutionMetadataList"]]


def messages(endpoint: str, topic: str | None = None) -> list[dict[str, Any]]:
    url = f"{endpoint}/_winupdate/messages" + (f"?topic={topic}" if topic else "")
    with urllib.request.urlopen(url) as response:
        return json.load(response)


def api_calls(endpoint: str, execution_id: str) -> int:
    url = f"{endpoint}/_winupdate/automation/calls?execution_id={execution_id}"
    with urllib.request.urlopen(url) as response:
        return json.load(response)["calls"]


def trust(service: str) -> dict[str, Any]:
    """A trust policy that lets ``service`` (``ssm.amazonaws.com``) assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }


SSM_TRUST = trust("ssm.amazonaws.com")


def service_role(iam: Any, name: str, statements: list[dict[str, Any]] | None = None) -> str:
    """The ARN of a role Systems Manager may assume (created once), whose inline policy has
    ``statements`` (default: everything). automation-setup-iam.md: a service role for
    Automation or a maintenance window trusts ssm.amazonaws.com."""
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(SSM_TRUST))[
            "Role"
        ]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": statements or [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="permissions", PolicyDocument=json.dumps(policy))
    return arn


def script_role(iam: Any) -> str:
    """An unrestricted service role for a runbook whose scripts call AWS: the
    aws:executeScript page (automation-action-executeScript.md): "if the scripts you
    specify for aws:executeScript actions call AWS API operations, an AWS Identity and
    Access Management (IAM) service role (or assume role) is always required to run the
    runbook"."""
    return service_role(iam, "AutomationScripts")


def window_schedules(endpoint: str, **settings: object) -> dict:
    """Set how maintenance window schedules drive the embedded AWS (its control)."""
    request = urllib.request.Request(
        f"{endpoint}/_winupdate/maintenance-windows/schedules",
        data=json.dumps(settings).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def eventbridge_schedules(endpoint: str, **settings: object) -> dict:
    """Set how EventBridge Scheduler schedules drive the embedded AWS, and read what they
    invoked (its control)."""
    request = urllib.request.Request(
        f"{endpoint}/_winupdate/eventbridge-scheduler/schedules",
        data=json.dumps(settings).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)
