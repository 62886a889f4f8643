"""Helpers for the tests of `winupdate run | images | report` on the embedded AWS."""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from winupdate.cli import main

CALLER = "arn:aws:sts::123456789012:user/moto"


@dataclass
class Result:
    code: int
    out: str
    err: str


def cli(*argv: str) -> Result:
    """Run the CLI in-process, capturing both streams."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Result(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def aws_env(endpoint: str | None) -> Iterator[pytest.MonkeyPatch]:
    """The environment a user sets for the embedded AWS (the CLI reads nothing else)."""
    with pytest.MonkeyPatch.context() as mp:
        if endpoint:
            mp.setenv("AWS_ENDPOINT_URL", endpoint)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.delenv("AWS_PROFILE", raising=False)
        yield mp


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def approval_runbook(approvers: list[str]) -> dict:
    """Waits at an aws:approve step, then naps: a run to approve, stop or detach from."""
    return {
        "schemaVersion": "0.3",
        "parameters": {"SeverityLevels": {"type": "String", "default": "Critical"}},
        "mainSteps": [
            {
                "name": "AskFirst",
                "action": "aws:approve",
                "timeoutSeconds": 3600,
                "inputs": {"Approvers": approvers, "MinRequiredApprovals": 1},
            },
            {"name": "Nap", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}},
        ],
    }


def process_runbook(fail: bool) -> dict:
    """A per-instance runbook: nap, then succeed or fail with an AWS error."""
    steps: list[dict] = [{"name": "Nap", "action": "aws:sleep", "inputs": {"Duration": "PT2M"}}]
    if fail:
        steps.append(
            {
                "name": "Boom",
                "action": "aws:executeAwsApi",
                "inputs": {
                    "Service": "ec2",
                    "Api": "DescribeImages",
                    "ImageIds": ["ami-0000000000000dead"],
                },
            }
        )
    return {
        "schemaVersion": "0.3",
        "parameters": {"InstanceId": {"type": "String"}},
        "mainSteps": steps,
    }


def start_runbook(process: str, tag_key: str) -> dict:
    """Like the module's Start: rate-controlled Process runs, their id as a step output."""
    return {
        "schemaVersion": "0.3",
        "parameters": {"MaxConcurrency": {"type": "String", "default": "2"}},
        "mainSteps": [
            {
                "name": "Launch",
                "action": "aws:executeAwsApi",
                "inputs": {
                    "Service": "ssm",
                    "Api": "StartAutomationExecution",
                    "DocumentName": process,
                    "TargetParameterName": "InstanceId",
                    "Targets": [{"Key": f"tag:{tag_key}", "Values": ["ON"]}],
                    "MaxConcurrency": "{{MaxConcurrency}}",
                    "MaxErrors": "100%",
                },
                "outputs": [
                    {"Name": "ExecutionId", "Selector": "$.AutomationExecutionId", "Type": "String"}
                ],
            }
        ],
    }
