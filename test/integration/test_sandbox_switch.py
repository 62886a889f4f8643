"""``--sandbox`` runs the same code path as a real account would, with only the endpoint
different: here the endpoint is a ``winupdate local`` server, so the sandbox machinery
(credentials check, cost warning, no emulator fixture, messages through SQS, clean-up and
the leftover check) runs for real without an account. One small test, not the suite.

Also: the checker of leftovers finds what a test leaves behind (it must, or the
session's "nothing left" assertion would prove nothing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from integration.aws_target import unique_stem
from integration.leftovers import Ledger, leftovers

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
)


@pytest.mark.emulator_only("rehearses sandbox mode against an embedded AWS of its own")
def test_the_sandbox_switch_runs_the_same_tests_against_the_endpoint_it_is_given(
    sandbox_rehearsal,
):
    # Started in the background when the session's first integration test began
    # (conftest.py), so its minute overlaps the rest of the suite.
    returncode, output, endpoint = sandbox_rehearsal.result()
    assert returncode == 0, output[-4000:]
    assert "SANDBOX MODE: the integration suite creates real, billed resources" in output
    assert f"endpoint {endpoint}" in output
    assert "1 passed" in output, output[-2000:]


def test_the_sandbox_switch_refuses_to_start_without_credentials(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "WINUPDATE_SANDBOX", "PYTEST_"))
    }
    # No credentials anywhere: no profile file, no instance metadata.
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_DEFAULT_REGION="us-east-1",
        WINUPDATE_SANDBOX="1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "test/integration", "-p", "no:cacheprovider", "-q"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "--sandbox needs AWS credentials for a sandbox account" in output
    assert "SANDBOX MODE" not in output
    assert "passed" not in output and "Traceback" not in output


@pytest.mark.emulator_only("checks the checker by leaving resources on purpose")
def test_the_leftover_check_finds_what_a_test_left(target):
    stem = unique_stem("Leak")
    ledger = Ledger(stems={stem})
    ec2, ssm, sqs = target.client("ec2"), target.client("ssm"), target.client("sqs")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    ledger.instances.add(instance)
    ssm.put_parameter(Name=f"/{stem}/Left", Value="x", Type="String")
    queue = sqs.create_queue(QueueName=f"{stem}-left")["QueueUrl"]
    try:
        found = "\n".join(leftovers(target.client, ledger))
        assert f"instance {instance} is" in found
        assert f"parameter /{stem}/Left" in found
        assert f"{stem}-left" in found
    finally:
        ec2.terminate_instances(InstanceIds=[instance])
        ssm.delete_parameter(Name=f"/{stem}/Left")
        sqs.delete_queue(QueueUrl=queue)
    target.wait_until(
        lambda: not leftovers(target.client, ledger),
        target.timeouts.cleanup,
        what=lambda: "; ".join(leftovers(target.client, ledger)),
    )
