"""Benchmark: the seed's approved run over three instances (two tagged), on a server process.

Reports wall time from the approval to the last execution's end, AWS calls per tagged
instance (calls made by the runbooks' steps), and the server's peak memory (VmHWM).
Issue goal: under 10 s of wall time at the test speed. Run with `make bench`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "embedded"))
from seed_support import all_executions, seed_account

from winupdate.local.control_client import ControlClient

SPEED = 600
ACTIVE = {"Pending", "InProgress", "Waiting", "Cancelling"}


@pytest.fixture
def server():
    process = subprocess.Popen(
        [sys.executable, "-m", "winupdate.cli", "local", "--port", "0", "--speed", str(SPEED)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    endpoint = re.search(r"AWS_ENDPOINT_URL=(\S+)", line).group(1)
    yield endpoint, process.pid
    process.terminate()
    process.wait(timeout=30)


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def test_seed_run_of_three_instances(server):
    endpoint, pid = server
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )

    def client(name):
        return session.client(name, endpoint_url=endpoint)

    ssm = client("ssm")
    account = seed_account(client)
    start_id = ssm.start_automation_execution(DocumentName="MY-AutomationStart")[
        "AutomationExecutionId"
    ]
    while (
        ssm.get_automation_execution(AutomationExecutionId=start_id)["AutomationExecution"][
            "AutomationExecutionStatus"
        ]
        != "Waiting"
    ):
        time.sleep(0.02)
    began = time.perf_counter()
    ssm.send_automation_signal(AutomationExecutionId=start_id, SignalType="Approve")
    while True:
        executions = all_executions(ssm)
        if all(e["AutomationExecutionStatus"] not in ACTIVE for e in executions):
            break
        time.sleep(0.05)
    wall = time.perf_counter() - began
    calls = ControlClient(endpoint).all_api_calls()
    total = sum(c["calls"] for c in calls)
    result = {
        "instances": 3,
        "tagged": 2,
        "wall_s": round(wall, 2),
        "executions": len(executions),
        "statuses": sorted({e["AutomationExecutionStatus"] for e in executions}),
        "api_calls_total": total,
        "api_calls_per_tagged_instance": round(total / 2, 1),
        "server_peak_rss_mib": round(peak_rss_mib(pid), 1),
        "speed": SPEED,
    }
    print("\nBENCH seed-run " + json.dumps(result))
    assert result["statuses"] == ["Success"]
    assert account.stopped
