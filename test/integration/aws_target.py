"""The AWS the integration suite runs against: the embedded AWS, or the account of the
current credentials (``--sandbox``). The endpoint and the timeouts are the only
differences; emulator-only controls (faults) are refused against a real account.

DESIGN.md, "One code path, one switch": in sandbox mode nothing here names an endpoint.
boto3 and Terraform's AWS provider read ``AWS_ENDPOINT_URL`` from the environment, unset
for real AWS, so pointing it at a ``winupdate local`` server runs the sandbox code path
against the embedded AWS (``test_sandbox_switch.py`` does).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3

from winupdate.local.control_client import ControlClient
from winupdate.terraform import aws_endpoint_env

SANDBOX_ENV = "WINUPDATE_SANDBOX"
DEFAULT_REGION = "us-east-1"
# The public parameter naming the latest Windows Server 2022 image (the embedded AWS serves
# it too, with an image of its own).
WINDOWS_IMAGE_PARAMETER = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"


@dataclass(frozen=True)
class Timeouts:
    """Wall seconds. On AWS an AMI of a Windows root volume and Windows Update each take
    tens of minutes; the embedded AWS at test speed ends a whole run in seconds."""

    run: float  # Start and everything it started, until all have ended
    step: float  # a run reaching its approval step
    instance: float  # an instance state change, an SSM agent coming Online
    poll: float  # between two reads (AWS throttles tight loops)
    settle: float  # SNS -> SQS delivery after the run ended
    cleanup: float  # instances terminated, pending images ended


EMBEDDED_TIMEOUTS = Timeouts(run=90, step=30, instance=30, poll=0.1, settle=0, cleanup=60)
SANDBOX_TIMEOUTS = Timeouts(run=3 * 3600, step=900, instance=1800, poll=2, settle=10, cleanup=3600)


@dataclass(frozen=True)
class Target:
    sandbox: bool
    region: str
    #: The embedded AWS's URL; None in sandbox mode (boto3 reads AWS_ENDPOINT_URL itself).
    endpoint: str | None
    session: boto3.session.Session
    timeouts: Timeouts

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint)

    def terraform_env(self) -> dict[str, str]:
        """Laid over the process environment for Terraform: credentials and endpoint of
        the embedded AWS, or only the region (the rest is the caller's environment)."""
        if self.sandbox:
            return {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        assert self.endpoint is not None
        return aws_endpoint_env(self.endpoint, self.region)

    def wait_until(
        self,
        check: Callable[[], Any],
        timeout: float,
        what: Callable[[], str],
        poll: float | None = None,
    ) -> Any:
        """``check()`` every poll interval until it returns something truthy, which is
        returned; after ``timeout`` wall seconds an AssertionError says ``what()``."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"after {timeout:g} s: {what()}")
            time.sleep(self.timeouts.poll if poll is None else poll)

    def control(self) -> ControlClient:
        """The emulator-only controls; tests that need them skip in sandbox mode."""
        if self.sandbox or self.endpoint is None:
            raise RuntimeError("emulator-only control used against a real account")
        return ControlClient(self.endpoint)


def embedded_target(endpoint: str, region: str = DEFAULT_REGION) -> Target:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )
    return Target(False, region, endpoint, session, EMBEDDED_TIMEOUTS)


def sandbox_target() -> Target:
    """The current credentials' account; boto3's own chain finds credentials and endpoint."""
    session = boto3.session.Session()
    region = session.region_name or DEFAULT_REGION
    session = boto3.session.Session(region_name=region)
    return Target(True, region, None, session, SANDBOX_TIMEOUTS)


def sandbox_requested(option: bool) -> bool:
    return option or os.environ.get(SANDBOX_ENV, "").strip().lower() in ("1", "true", "yes")


def approver_arn(caller_arn: str) -> str:
    """The IAM ARN aws:approve and the module's ``approvers`` take for the STS caller.

    ``arn:aws:sts::…:user/x`` (moto's answer for test credentials) is the user
    ``arn:aws:iam::…:user/x``; ``arn:aws:sts::…:assumed-role/R/session`` is the role R.
    """
    user = re.fullmatch(r"arn:([\w-]+):sts::(\d{12}):user/(.+)", caller_arn)
    if user:
        return f"arn:{user[1]}:iam::{user[2]}:user/{user[3]}"
    role = re.fullmatch(r"arn:([\w-]+):sts::(\d{12}):assumed-role/([^/]+)/.+", caller_arn)
    if role:
        return f"arn:{role[1]}:iam::{role[2]}:role/{role[3]}"
    return caller_arn


def cost_warning(account: str, caller: str, region: str, endpoint: str | None) -> str:
    where = endpoint or "AWS"
    return (
        f"SANDBOX MODE: the integration suite creates real, billed resources in account "
        f"{account} ({caller}), region {region}, endpoint {where}: three t3.medium Windows "
        "Server 2022 instances for one to three hours, about ten AMIs with their EBS "
        "snapshots, Windows Update runs, an SNS topic, an SQS queue, IAM roles and a KMS key "
        "(destroyed with a 30-day deletion window, billed until then). Everything is removed "
        "at the end, also when a test fails; needs a default VPC whose subnets reach the "
        "Systems Manager endpoints. Expect a few US dollars."
    )


def unique_stem(prefix: str = "Wu") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"
