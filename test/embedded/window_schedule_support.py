"""Maintenance windows fired by their schedule on a virtual clock, in a child process.

``python window_schedule_support.py`` starts ``EmbeddedAws(virtual=True)`` (the session's
embedded AWS is a scaled one, and only one runs per process), plays each scenario and
prints what boto3 read back as JSON; ``test_window_schedules.py`` asserts on it. Virtual
time starts on Thursday 2026-01-01T00:00Z (``clock.VIRTUAL_EPOCH``).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automation_support import create_runbook, runbook
from winupdate.local.control_client import ControlClient
from winupdate.local.server import EmbeddedAws


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%MZ")


def main() -> None:
    aws = EmbeddedAws(port=0, virtual=True)
    endpoint = aws.start()
    try:
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=aws.region
        )
        ssm = session.client("ssm", endpoint_url=endpoint)
        control = ControlClient(endpoint)
        print(json.dumps(play(aws, ssm, control), default=str))
    finally:
        aws.stop()


def window(ssm: Any, name: str, schedule: str, tasks: list[tuple[str, int]], **extra: Any) -> str:
    window_id = ssm.create_maintenance_window(
        Name=name,
        Schedule=schedule,
        Duration=extra.pop("Duration", 2),
        Cutoff=extra.pop("Cutoff", 0),
        AllowUnassociatedTargets=False,
        **extra,
    )["WindowId"]
    for document, priority in tasks:
        ssm.register_task_with_maintenance_window(
            WindowId=window_id,
            TaskArn=document,
            TaskType="AUTOMATION",
            Priority=priority,
            TaskInvocationParameters={"Automation": {"Parameters": {}}},
        )
    return window_id


def follow(aws: EmbeddedAws, control: ControlClient, until: float) -> None:
    """Let the clock follow schedules up to ``until``; return once it got there and every
    window execution has ended (or after 60 s of wall time)."""
    control._request("POST", "maintenance-windows/schedules", {"FollowUntil": until})
    deadline = time.monotonic() + 60
    store_mod = __import__("winupdate.local.maintenance_windows.models", fromlist=["store_of"])
    store = store_mod.store_of(aws)
    while time.monotonic() < deadline:
        scheduler = aws.service("maintenance-windows")
        due = scheduler.next_event()
        running = any(not r.is_terminal for r in store.executions.values())
        if due is None and not running:
            break
        time.sleep(0.05)
    control._request("POST", "maintenance-windows/schedules", {"FollowUntil": None})


def executions(ssm: Any, window_id: str) -> list[dict[str, Any]]:
    runs = ssm.describe_maintenance_window_executions(WindowId=window_id)["WindowExecutions"]
    out = []
    for run in sorted(runs, key=lambda r: r["StartTime"]):
        tasks = ssm.describe_maintenance_window_execution_tasks(
            WindowExecutionId=run["WindowExecutionId"]
        )["WindowExecutionTaskIdentities"]
        invocations = [
            i
            for t in tasks
            for i in ssm.describe_maintenance_window_execution_task_invocations(
                WindowExecutionId=run["WindowExecutionId"], TaskId=t["TaskExecutionId"]
            )["WindowExecutionTaskInvocationIdentities"]
        ]
        out.append(
            {
                "Start": iso(run["StartTime"].timestamp()),
                "Status": run["Status"],
                "StatusDetails": run.get("StatusDetails"),
                "Tasks": [(t["TaskArn"], t["Status"]) for t in tasks],
                "Invocations": [(i["Status"], bool(i.get("ExecutionId"))) for i in invocations],
            }
        )
    return out


def next_time(ssm: Any, window_id: str) -> dict[str, Any]:
    got = ssm.get_maintenance_window(WindowId=window_id).get("NextExecutionTime")
    listed = [
        w.get("NextExecutionTime")
        for w in ssm.describe_maintenance_windows()["WindowIdentities"]
        if w["WindowId"] == window_id
    ]
    return {"Get": got, "Describe": listed[0] if listed else "missing"}


def play(aws: EmbeddedAws, ssm: Any, control: ControlClient) -> dict[str, Any]:
    nap = create_runbook(
        ssm, runbook({"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT10M"}})
    )
    long_nap = create_runbook(
        ssm, runbook({"name": "nap", "action": "aws:sleep", "inputs": {"Duration": "PT90M"}})
    )
    out: dict[str, Any] = {"epoch": iso(aws.clock.now())}

    # Nothing followed: the clock does not jump to a window's time on its own.
    idle = window(ssm, "mw-idle", "cron(0 3 * * ? *)", [(nap, 1)])
    before = aws.clock.now()
    time.sleep(1.0)
    ssm.get_maintenance_window(WindowId=idle)
    out["idle"] = {
        "moved": aws.clock.now() - before,
        "runs": executions(ssm, idle),
        "next": next_time(ssm, idle),
    }
    ssm.delete_maintenance_window(WindowId=idle)

    # Patch Tuesday + 2 in Tokyo, and the other windows, followed to 2026-02-20.
    tokyo = window(
        ssm,
        "mw-tokyo",
        "cron(0 3 ? * TUE#2 *)",
        [(nap, 1)],
        ScheduleTimezone="Asia/Tokyo",
        ScheduleOffset=2,
    )
    hourly = window(ssm, "mw-hourly", "rate(1 hour)", [(nap, 1)], EndDate="2026-01-01T04:30:00Z")
    disabled = window(ssm, "mw-disabled", "rate(1 hour)", [(nap, 1)])
    ssm.update_maintenance_window(WindowId=disabled, Enabled=False)
    cutoff = window(
        ssm,
        "mw-cutoff",
        "cron(0 12 1 JAN ? 2026)",
        [(long_nap, 1), (nap, 2)],
        Duration=2,
        Cutoff=1,
    )
    out["next_before"] = {
        "tokyo": next_time(ssm, tokyo),
        "hourly": next_time(ssm, hourly),
        "disabled": next_time(ssm, disabled),
        "cutoff": next_time(ssm, cutoff),
    }
    until = datetime(2026, 2, 20, tzinfo=UTC).timestamp()
    follow(aws, control, until)
    out["clock_after"] = iso(aws.clock.now())
    out["runs"] = {
        "tokyo": executions(ssm, tokyo),
        "hourly": executions(ssm, hourly),
        "disabled": executions(ssm, disabled),
        "cutoff": executions(ssm, cutoff),
    }
    out["next_after"] = {
        "tokyo": next_time(ssm, tokyo),
        "hourly": next_time(ssm, hourly),
        "cutoff": next_time(ssm, cutoff),
    }
    # The clock stays where following stopped, with windows still to come.
    before = aws.clock.now()
    time.sleep(0.5)
    ssm.get_maintenance_window(WindowId=tokyo)
    out["moved_after"] = aws.clock.now() - before
    return out


if __name__ == "__main__":
    main()
