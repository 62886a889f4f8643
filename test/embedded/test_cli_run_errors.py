"""Bad input to `winupdate run | images | report`, approval, Ctrl-C and the live display.

Each bad input is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from cli_run_support import CALLER, approval_runbook, aws_env, cli

from automation_support import create_runbook, start, wait_done, wait_until
from winupdate.run.drive import RunCommand, RunOptions, ask_stop_or_detach
from winupdate.run.follow import InstanceProgress, RunSnapshot
from winupdate.run.progress import PlainProgress, TtyProgress

ALICE = "arn:aws:iam::123456789012:user/alice"


def one_line_error(result, *needles: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    for needle in needles:
        assert needle in lines[0], lines[0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "argv",
    [
        ("run", "--approve"),
        ("images",),
        ("report", "00000000-0000-0000-0000-000000000000", "--out", "x.png"),
    ],
)
def test_no_credentials(argv, endpoint, tmp_path):
    with aws_env(endpoint) as mp:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
        mp.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        one_line_error(cli(*argv), "no AWS credentials")


def test_unknown_region(endpoint):
    with aws_env(endpoint):
        one_line_error(cli("run", "--region", "xx-nowhere-1"), "unknown AWS region 'xx-nowhere-1'")
        one_line_error(cli("images", "--region", "xx-nowhere-1"), "unknown AWS region")


def test_endpoint_that_does_not_answer_as_a_subprocess():
    url = f"http://127.0.0.1:{closed_port()}"
    env = {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "winupdate.cli", "run", "--approve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "cannot reach AWS in region us-east-1" in done.stderr and url in done.stderr


def test_unknown_document(endpoint):
    with aws_env(endpoint):
        one_line_error(
            cli("run", "--document", "MY-DoesNotExist"),
            "document MY-DoesNotExist does not exist in us-east-1",
        )


def test_undeclared_parameter_is_a_usage_error(client, endpoint):
    name = create_runbook(client("ssm"), approval_runbook([CALLER]), prefix="CliParam")
    with aws_env(endpoint):
        result = cli("run", "--document", name, "--parameter", "Colour=blue")
    one_line_error(result, f"{name} declares no parameter Colour", "SeverityLevels")
    assert result.code == 2


def test_execution_that_does_not_exist(endpoint, tmp_path):
    with aws_env(endpoint):
        result = cli(
            "report", "00000000-0000-0000-0000-000000000000", "--out", str(tmp_path / "r.png")
        )
    one_line_error(result, "automation execution 00000000-0000-0000-0000-000000000000 does not")


def test_report_of_a_run_in_progress_is_an_error(client, endpoint, tmp_path):
    ssm = client("ssm")
    name = create_runbook(ssm, approval_runbook([ALICE]), prefix="CliBusy")
    execution = start(ssm, name)
    wait_until(ssm, execution, {"Waiting"})
    with aws_env(endpoint):
        result = cli("report", execution, "--out", str(tmp_path / "r.png"))
    ssm.stop_automation_execution(AutomationExecutionId=execution)
    one_line_error(result, f"run {execution} is still Waiting", "report it when it has ended")
    assert not (tmp_path / "r.png").exists()


def test_report_needs_png_or_html(endpoint):
    with aws_env(endpoint):
        result = cli("report", "00000000-0000-0000-0000-000000000000", "--out", "run.pdf")
    one_line_error(result, "write a .png or an .html file")
    assert result.code == 2


def test_a_caller_who_is_not_an_approver(client, endpoint):
    ssm = client("ssm")
    name = create_runbook(ssm, approval_runbook([ALICE]), prefix="CliNotMe")
    with aws_env(endpoint):
        result = cli("run", "--document", name, "--approve", "--json", "--interval", "0.05")
    one_line_error(
        cli_result_only_last_line(result),
        f"{CALLER} is not an approver of this run; approvers: {ALICE}",
    )
    runs = ssm.describe_automation_executions(
        Filters=[{"Key": "DocumentNamePrefix", "Values": [name]}]
    )["AutomationExecutionMetadataList"]
    for run in runs:
        ssm.stop_automation_execution(AutomationExecutionId=run["AutomationExecutionId"])


def cli_result_only_last_line(result):
    # --json sends the "started ..." note to stderr first; the error is the last line.
    result.err = result.err.strip().splitlines()[-1]
    return result


class Interrupt:
    """A sleep that raises KeyboardInterrupt after ``polls`` polls: Ctrl-C, deterministically."""

    def __init__(self, polls: int) -> None:
        self.polls = polls

    def __call__(self, seconds: float) -> None:
        self.polls -= 1
        if self.polls <= 0:
            raise KeyboardInterrupt


@pytest.mark.parametrize("choice", ["stop", "detach"])
def test_ctrl_c_stops_or_detaches(client, endpoint, choice):
    ssm = client("ssm")
    name = create_runbook(ssm, approval_runbook([CALLER]), prefix="CliCtrlC")
    out, err = io.StringIO(), io.StringIO()
    with aws_env(endpoint):
        command = RunCommand(
            RunOptions(document=name, interval=0.05),
            stdout=out,
            stderr=err,
            ask=lambda: choice,
            sleep=Interrupt(polls=3),
        )
        code = command.execute()
    assert code == 130
    text = out.getvalue()
    # Without --approve it says how to approve, and keeps following.
    assert "aws ssm send-automation-signal --signal-type Approve" in text
    execution = text.split(f"started {name} ", 1)[1].split()[0]
    if choice == "stop":
        assert "stopping run" in text
        ended = wait_done(ssm, execution)
        assert ended["AutomationExecutionStatus"] == "Cancelled"
    else:
        assert "detached" in text
        status = ssm.get_automation_execution(AutomationExecutionId=execution)
        assert status["AutomationExecution"]["AutomationExecutionStatus"] == "Waiting"
        ssm.stop_automation_execution(AutomationExecutionId=execution)


def test_without_a_terminal_ctrl_c_detaches():
    assert ask_stop_or_detach(io.StringIO("s\n"), io.StringIO()) == "detach"


def test_approve_then_follow_to_the_end(client, endpoint):
    ssm = client("ssm")
    name = create_runbook(ssm, approval_runbook([CALLER]), prefix="CliYes")
    with aws_env(endpoint):
        result = cli("run", "--document", name, "--approve", "--interval", "0.05")
    # A run that updated no instance is not a success for `run`.
    assert result.code == 1
    assert f"approved as {CALLER}" in result.out
    assert "run " in result.out and ": Success" in result.out
    assert "no instance was updated" in result.out


def snapshot(statuses: list[tuple[str, str, str | None]]) -> RunSnapshot:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    instances = [
        InstanceProgress(
            instance_id=i,
            execution_id=f"e-{i}",
            status=status,
            current_step=step,
            start=t0,
            end=None if step else t0 + timedelta(minutes=7),
        )
        for i, status, step in statuses
    ]
    start = {"AutomationExecutionId": "run-1", "AutomationExecutionStatus": "Success"}
    return RunSnapshot(start=start, instances=instances, now=t0 + timedelta(minutes=3, seconds=5))


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_tty_progress_redraws_in_place():
    out = FakeTty()
    tty = TtyProgress(out)
    first = snapshot([("i-1", "InProgress", "CreateImageBefore"), ("i-2", "Pending", None)])
    tty.update(first)
    assert "\x1b[" not in out.getvalue()
    assert (
        "i-1" in out.getvalue()
        and "CreateImageBefore" in out.getvalue()
        and "3m05s" in out.getvalue()
    )
    tty.update(snapshot([("i-1", "Success", None), ("i-2", "InProgress", "InstallUpdates")]))
    # Back up over the four lines drawn (run, two instances, bar) and clear them.
    assert "\x1b[4F\x1b[J" in out.getvalue()
    assert out.getvalue().rstrip().endswith("1/2 done")


def test_plain_progress_prints_changes_and_a_periodic_line():
    out, clock = io.StringIO(), [0.0]
    plain = PlainProgress(out, every=30.0, clock=lambda: clock[0])
    same = snapshot([("i-1", "InProgress", "InstallUpdates")])
    plain.update(same)
    plain.update(same)
    assert out.getvalue().count("InstallUpdates") == 1
    clock[0] = 31.0
    plain.update(same)
    assert out.getvalue().count("InstallUpdates") == 2
    plain.update(snapshot([("i-1", "Success", None)]))
    assert "\x1b[" not in out.getvalue() and "[" + "#" * 24 + "] 1/1 done" in out.getvalue()
