"""`winupdate local`: one line with the endpoint when ready, clean stop on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request

import boto3


def test_local_prints_its_endpoint_serves_and_stops_cleanly_on_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-m", "winupdate.cli", "local", "--port", "0", "--speed", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"AWS_ENDPOINT_URL=(http://127\.0\.0\.1:\d+)", line)
        assert match, line
        endpoint = match.group(1)
        with urllib.request.urlopen(f"{endpoint}/_winupdate/health") as response:
            assert b'"speed": 60' in response.read()
        ssm = boto3.client(
            "ssm",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert ssm.describe_automation_executions()["AutomationExecutionMetadataList"] == []
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err


def test_local_refuses_a_bad_speed_with_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "winupdate.cli", "local", "--speed", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--speed must be positive" in result.stderr
