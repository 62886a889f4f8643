"""The CLI does what the user's environment says, and refuses options that cannot work
with one line before anything is started.

Every command imports the embedded AWS's module (the parser shows its default port); that
import must leave the process's region alone, or a profile's region is replaced by
us-east-1 and the "no AWS region" error can never appear. boto3 takes the region from
AWS_DEFAULT_REGION, else the profile's ``region`` (AWS CLI/SDK configuration files).
"""

from __future__ import annotations

import contextlib
import io
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from winupdate.cli import main


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with no AWS settings but the ones given (no region, no profile)."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **extra,
    }


def winupdate(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "winupdate.cli", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_importing_the_embedded_aws_leaves_the_region_unset(tmp_path):
    code = "import os, winupdate.local.server; print(os.environ.get('AWS_DEFAULT_REGION'))"
    done = subprocess.run(
        [sys.executable, "-c", code], env=bare_env(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"


def test_no_region_anywhere_is_one_clear_error(tmp_path):
    done = winupdate(
        bare_env(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing"),
        "run",
        "--approve",
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "winupdate: no AWS region: set AWS_DEFAULT_REGION or pass --region"
    ]


def test_the_profiles_region_is_the_one_used(tmp_path):
    (tmp_path / "config").write_text("[profile ops]\nregion = eu-west-1\n")
    (tmp_path / "credentials").write_text(
        "[ops]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    url = f"http://127.0.0.1:{closed_port()}"
    done = winupdate(bare_env(tmp_path, AWS_PROFILE="ops", AWS_ENDPOINT_URL=url), "run")
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert "cannot reach AWS in region eu-west-1" in line and url in line


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("local", "--port", "99999"), "--port must be a TCP port from 1 to 65535"),
        (("local", "--port", "-1"), "--port must be a TCP port from 1 to 65535"),
        (("local", "--speed", "nan"), "--speed must be positive and finite"),
        (("local", "--speed", "inf"), "--speed must be positive and finite"),
        (("local", "--speed", "-2"), "--speed must be positive and finite"),
        (("demo", "--speed", "0"), "--speed must be positive and finite"),
        (("run", "--interval", "0"), "--interval must be positive and finite"),
        (("run", "--interval", "nan"), "--interval must be positive and finite"),
        (("run", "--interval", "inf"), "--interval must be positive and finite"),
    ],
)
def test_an_option_that_cannot_work_is_refused_in_one_line_before_anything_starts(
    monkeypatch, argv, message
):
    # An endpoint that does not answer: reaching AWS would be a different error.
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    code, out, err = run_cli(*argv)
    assert code == 2
    assert out == ""  # no "embedded AWS ready" line: nothing was started
    (line,) = err.strip().splitlines()
    assert line.startswith(f"winupdate: {message}") and argv[-1] in line
