"""Fixtures of the integration suite: an AWS target, the module applied on it with unique
names, a Windows fleet, a mailbox on the module's topic; all of it removed at the end,
also when a test fails, and checked gone when the session ends.

``pytest test/integration`` runs on the embedded AWS (the session's ``embedded_aws``).
``pytest test/integration --sandbox`` (or ``WINUPDATE_SANDBOX=1``) runs the same tests
against the account of the current AWS credentials: no emulator, longer timeouts, a cost
warning first. Tests marked ``emulator_only`` (fault injection, the emulator's own
message record) are skipped there.

Fixture scopes: ``target`` and ``ledger`` per session; ``deployed``, ``mailbox`` and
``fleet`` per test module (Terraform applies once per file, the runs share one fleet).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from integration.aws_target import (
    WINDOWS_IMAGE_PARAMETER,
    Target,
    approver_arn,
    cost_warning,
    embedded_target,
    sandbox_requested,
    sandbox_target,
    unique_stem,
)
from integration.deployment import MODULE_FIXTURE, Deployment, copy_fixture
from integration.fleet_runs import SmallFleet
from integration.instances import launch_windows, wait_for_agents, wait_for_state
from integration.leftovers import Ledger, leftovers
from integration.mailbox import Mailbox, close_mailbox, open_mailbox
from winupdate.local.control_client import ControlClient
from winupdate.run.teardown import remove_instances
from winupdate.terraform import Terraform, TerraformError

# Seconds a person at a terminal has to press Ctrl-C after the cost warning.
ABORT_WINDOW = 10


# -- the switch --------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--sandbox",
        action="store_true",
        default=False,
        help="run test/integration against the account of the current AWS credentials "
        "(creates billed resources; same as WINUPDATE_SANDBOX=1)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "emulator_only(reason): needs a control only the embedded AWS has; skipped with --sandbox",
    )


def is_sandbox(config: pytest.Config) -> bool:
    return sandbox_requested(bool(config.getoption("--sandbox")))


def pytest_sessionstart(session: pytest.Session) -> None:
    """In sandbox mode: who pays, before anything is created; no credentials, no run."""
    if not is_sandbox(session.config):
        return
    target = sandbox_target()
    try:
        caller = target.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as err:
        pytest.exit(
            f"--sandbox needs AWS credentials for a sandbox account: {err}".replace("\n", " "),
            returncode=2,
        )
    warning = cost_warning(
        caller["Account"], caller["Arn"], target.region, os.environ.get("AWS_ENDPOINT_URL")
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(warning, yellow=True, bold=True)
    else:
        print(warning, file=sys.stderr)
    if sys.stdin.isatty():
        print(f"Ctrl-C within {ABORT_WINDOW} s to abort.", file=sys.stderr, flush=True)
        time.sleep(ABORT_WINDOW)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not is_sandbox(config):
        return
    for item in items:
        marker = item.get_closest_marker("emulator_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "needs the embedded AWS"
            item.add_marker(pytest.mark.skip(reason=f"emulator-only: {reason}"))


# -- the target and what the session created ------------------------------------------------
@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    if is_sandbox(request.config):
        return sandbox_target()
    return embedded_target(request.getfixturevalue("embedded_aws").endpoint)


@pytest.fixture(scope="session")
def endpoint(target: Target) -> str | None:
    """The embedded AWS's URL, None in sandbox mode (the root fixture would start one)."""
    return target.endpoint


@pytest.fixture(scope="session")
def session(target: Target) -> Any:
    return target.session


@pytest.fixture(scope="session")
def client(target: Target) -> Callable[[str], Any]:
    """``client("ssm")``: a boto3 client of the target."""
    return target.client


@pytest.fixture(scope="session")
def ledger(target: Target) -> Iterator[Ledger]:
    """Names and ids the suite created; at the end, assert that none of it is left."""
    book = Ledger()
    yield book
    # A real account reports a deleted queue or role for a while after the delete.
    deadline = time.monotonic() + target.timeouts.settle * 6
    while True:
        remaining = leftovers(target.client, book)
        if not remaining or time.monotonic() > deadline:
            break
        time.sleep(target.timeouts.poll)
    assert not remaining, "the integration suite left resources behind: " + "; ".join(remaining)


# -- the module --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def deployed(
    request: pytest.FixtureRequest, tmp_path_factory, target: Target, ledger: Ledger
) -> Deployment:
    """The module applied once per test module, every name unique to it; destroyed at the
    end unless a test did (the finalizer is in place before the apply, which may fail
    half-way). A test module may set ``DEPLOYMENT_VARIABLES`` (a dict of the fixture's
    input variables, such as ``maintenance_window_fan_out``) to deploy it otherwise,
    ``DEPLOYMENT_FIXTURE`` (another Terraform root under fixtures/), and
    ``around_deployment(target)``, a context manager entered before the apply and left
    after the destroy (e.g. schedules unpaused meanwhile)."""
    fixture = getattr(request.module, "DEPLOYMENT_FIXTURE", MODULE_FIXTURE)
    workdir = copy_fixture(fixture, tmp_path_factory.mktemp("module") / fixture.name)
    stem = unique_stem()
    ledger.stems.add(stem)
    approver = approver_arn(target.client("sts").get_caller_identity()["Arn"])
    variables = {
        "region": target.region,
        "document_prefix": f"{stem}-",
        "target_tag_key": f"{stem}Update",
        "target_tag_value": "ON",
        "parameter_path_prefix": f"/{stem}/",
        "approvers": [approver],
        **getattr(request.module, "DEPLOYMENT_VARIABLES", {}),
    }
    env = target.terraform_env()
    tf = Terraform(workdir, env=env, variables=variables)
    deployment = Deployment(tf, workdir, env, variables, {}, approver, stem)

    around = getattr(request.module, "around_deployment", None)
    surrounding = contextlib.ExitStack()
    if around is not None:
        surrounding.enter_context(around(target))

    def destroy() -> None:
        with surrounding:
            if deployment.tf.state_resources():
                destroy_once_more_after_a_dropped_connection(deployment.tf)

    request.addfinalizer(destroy)
    tf.init()
    tf.apply()
    deployment.outputs = tf.output()
    if deployment.outputs.get("kms_key_arn"):
        ledger.kms_keys.add(deployment.outputs["kms_key_arn"])
    return deployment


# What the provider's HTTP client says when a connection went away under it: a transport
# failure on a loaded machine (seen once on CI, in a destroy's read), not an AWS answer.
DROPPED_CONNECTION = ("use of closed network connection", "connection reset by peer")


def destroy_once_more_after_a_dropped_connection(tf: Terraform) -> None:
    """``terraform destroy``; run again once, as a user would, when it failed only because a
    connection dropped. Whatever is left after that fails the session's ledger check."""
    try:
        tf.destroy()
    except TerraformError as err:
        if not any(words in str(err) for words in DROPPED_CONNECTION):
            raise
        tf.destroy()


@pytest.fixture(scope="module")
def mailbox(request: pytest.FixtureRequest, deployed: Deployment, target: Target) -> Mailbox:
    """An SQS queue subscribed to the module's topic: every message, in both modes."""
    box = open_mailbox(
        target.client("sqs"),
        target.client("sns"),
        deployed.topic,
        f"{deployed.stem}-messages",
        target.timeouts.settle,
    )

    def close() -> None:
        problems = close_mailbox(box)
        assert not problems, problems

    request.addfinalizer(close)
    return box


# -- the fleet ---------------------------------------------------------------------------------
@dataclass
class Fleet:
    running: str
    stopped: str
    untagged: str
    image: str

    @property
    def tagged(self) -> tuple[str, str]:
        return (self.running, self.stopped)

    @property
    def all(self) -> tuple[str, str, str]:
        return (self.running, self.stopped, self.untagged)


@pytest.fixture(scope="module")
def fleet(
    request: pytest.FixtureRequest, deployed: Deployment, target: Target, ledger: Ledger
) -> Fleet:
    """Tagged running, tagged stopped (registered with SSM before it was stopped), untagged;
    launched from the image the public Windows Server 2022 parameter names, with the
    module's instance profile. The finalizer terminates them and removes every AMI and
    snapshot a run made of them."""
    image = target.client("ssm").get_parameter(Name=WINDOWS_IMAGE_PARAMETER)["Parameter"]["Value"]
    launched: list[str] = []

    def remove() -> None:
        problems = remove_instances(
            target.client("ec2"),
            launched,
            timeout=target.timeouts.cleanup,
            poll=target.timeouts.poll,
        )
        assert not problems, problems

    request.addfinalizer(remove)
    profile = deployed.outputs["instance_profile_name"]
    key = deployed.tag_key
    common = {"WinUpdateTestStem": deployed.stem}
    ids = []
    for tags in (
        {key: "ON", "Name": "module-running"},
        {key: "ON", "Name": "module-stopped"},
        {"Name": "module-untagged"},
    ):
        instance = launch_windows(target, image, profile, {**tags, **common}, ledger)
        launched.append(instance)
        ids.append(instance)
    running, stopped, untagged = ids
    wait_for_state(target, ids, "running")
    wait_for_agents(target, ids, "Online")
    target.client("ec2").stop_instances(InstanceIds=[stopped])
    wait_for_state(target, [stopped], "stopped")
    return Fleet(running, stopped, untagged, image)


# -- the sandbox switch, rehearsed against a `winupdate local` of its own ------------------------
SWITCH_TEST = "test_sandbox_switch.py::test_the_sandbox_switch_runs_the_same_tests"
# The rejected run: the module applied, the fleet launched from the public Windows image
# parameter, a run, its messages read from SQS, everything removed and checked gone.
REHEARSED_TEST = (
    "test/integration/test_module_on_embedded_aws.py"
    "::test_a_rejected_run_sends_one_message_that_says_so"
)


class SandboxRehearsal:
    """``pytest REHEARSED_TEST --sandbox`` in a child process, with ``AWS_ENDPOINT_URL``
    pointing at a ``winupdate local`` server in another: the sandbox code path, no account.

    Speed 60, not the suite's 600: sandbox mode polls every 2 s, as it must against AWS,
    and the module's 600 s approval window must outlast a few polls (10 s of wall time).
    """

    def __init__(self, basetemp: Path) -> None:
        port = _free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.server = subprocess.Popen(
            [sys.executable, "-m", "winupdate.cli", "local", "--port", str(port), "--speed", "60"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.child: subprocess.Popen[str] | None = None
        ready = self.server.stdout.readline() if self.server.stdout else ""
        if "embedded AWS ready" not in ready:
            self.stop()
            raise AssertionError(f"winupdate local did not start: {ready}")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AWS_", "WINUPDATE_SANDBOX", "PYTEST_"))
        }
        env.update(
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
        )
        self.child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pytest",
                REHEARSED_TEST,
                "--sandbox",
                "-p",
                "no:cacheprovider",
                "--basetemp",
                str(basetemp),
            ],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def result(self, timeout: float = 600) -> tuple[int, str, str]:
        assert self.child is not None
        output, _ = self.child.communicate(timeout=timeout)
        return self.child.returncode, output, self.endpoint

    def stop(self) -> None:
        for process in (self.child, self.server):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def sandbox_rehearsal(tmp_path_factory) -> Iterator[SandboxRehearsal]:
    rehearsal = SandboxRehearsal(tmp_path_factory.mktemp("sandbox") / "basetemp")
    yield rehearsal
    rehearsal.stop()


@pytest.fixture(autouse=True, scope="session")
def _start_sandbox_rehearsal_early(request: pytest.FixtureRequest, target: Target) -> None:
    """Start the rehearsal with the first integration test when the switch test will run."""
    if target.sandbox or shutil.which("terraform") is None:
        return
    if any(SWITCH_TEST in item.nodeid for item in request.session.items):
        request.getfixturevalue("sandbox_rehearsal")


# -- a fleet per test (fleet_runs) -------------------------------------------------------
@pytest.fixture(scope="module")
def launched(request: pytest.FixtureRequest, target: Target) -> list[str]:
    """Every instance the file launched; terminated with their AMIs at the end."""
    ids: list[str] = []

    def remove() -> None:
        problems = remove_instances(
            target.client("ec2"), ids, timeout=target.timeouts.cleanup, poll=target.timeouts.poll
        )
        assert not problems, problems

    request.addfinalizer(remove)
    return ids


@pytest.fixture(scope="module")
def windows_image(target: Target) -> str:
    return target.client("ssm").get_parameter(Name=WINDOWS_IMAGE_PARAMETER)["Parameter"]["Value"]


@pytest.fixture
def control(target: Target) -> Iterator[ControlClient]:
    """Fault injection; every fault cleared after the test, also when it fails."""
    client = target.control()
    client.clear_faults()
    yield client
    client.clear_faults()


@pytest.fixture
def make_fleet(
    request: pytest.FixtureRequest,
    deployed: Deployment,
    target: Target,
    ledger: Ledger,
    launched: list[str],
    windows_image: str,
) -> Callable[..., SmallFleet]:
    """``make_fleet(faulted="stopped", healthy="running", others=("running",))``; with
    ``data_volume_gib``, each instance has a data volume (``instances.DATA_DEVICE``)."""

    def make(
        faulted: str,
        healthy: str = "running",
        others: tuple[str, ...] = (),
        data_volume_gib: int | None = None,
    ) -> SmallFleet:
        ec2 = target.client("ec2")
        # The module's role may touch only instances tagged with the deployed value (and its
        # Start runbook accepts no other): a test's fleet is the only one carrying it, the
        # earlier tests' instances lose the tag.
        value = deployed.variables["target_tag_value"]
        if launched:
            ec2.delete_tags(Resources=list(launched), Tags=[{"Key": deployed.tag_key}])
        name = re.sub(r"[^A-Za-z0-9]", "", request.node.name)[-40:]
        wanted = [faulted, healthy, *others]
        ids = []
        for n, _ in enumerate(wanted):
            tags = {
                deployed.tag_key: value,
                "Name": f"matrix-{name}-{n}",
                "WinUpdateTestStem": deployed.stem,
            }
            instance = launch_windows(
                target,
                windows_image,
                deployed.outputs["instance_profile_name"],
                tags,
                ledger,
                data_volume_gib=data_volume_gib,
            )
            launched.append(instance)
            ids.append(instance)
        wait_for_agents(target, ids, "Online")
        stopped = [i for i, s in zip(ids, wanted, strict=True) if s == "stopped"]
        if stopped:
            ec2.stop_instances(InstanceIds=stopped)
            wait_for_state(target, stopped, "stopped")
        return SmallFleet(value, ids[0], ids[1], ids[2:], dict(zip(ids, wanted, strict=True)))

    return make
