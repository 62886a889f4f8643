"""A run's timeline: one row per instance, one bar per step, each step given a kind.

Kinds come from what a step does (its action and inputs) and from its name, so the seed's
runbooks (steps that start child runbooks and wait for them) and the module's (one step per
action) both come out right. A script's code is not read: it mentions phases and states for
its own reasons (the Restore runbook's check names UpdateBefore), not because of what the
step is.

A rollback is drawn as one bar: the per-instance run's ``RestoreImageBeforeOnFailure`` step
(aws:executeAutomation of the Restore runbook) spans the whole child execution, so the
Process row shows it in the rollback colour without drawing the child's steps over it;
``winupdate report <restore execution id>`` draws the Restore execution's own steps (its
``SwapDataVolumes`` … ``CheckRootVolume`` in the same colour).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .aws import Aws
from .errors import RunInProgress
from .executions import ACTIVE, FAILED_STEP, Discovery
from .follow import take_snapshot

KINDS = {
    "ami_before": "AMI before",
    "hook": "hook",
    "start": "start",
    "update": "update",
    "ami_after": "AMI after",
    "restore": "stop/restore",
    "rollback": "restore from AMI",
    "other": "other",
}
COLOURS = {
    "ami_before": "#4e79a7",
    "hook": "#edc948",
    "start": "#59a14f",
    "update": "#f28e2b",
    "ami_after": "#76b7b2",
    "restore": "#b07aa1",
    # Strong and unlike every other kind: a rollback is the event of a run to notice.
    "rollback": "#7b1fa2",
    "other": "#bab0ac",
}
FAILED_COLOUR = "#d62728"

# The per-instance runbook's rollback step and the Restore runbook's steps that put the
# AMI's volumes back (its checks, approval, state and report steps keep their own kinds).
ROLLBACK_STEPS = frozenset(
    {
        "RestoreImageBeforeOnFailure",
        "SwapDataVolumes",
        "StartForRootVolume",
        "ReplaceRootVolume",
        "WaitForRootVolume",
        "CheckRootVolume",
    }
)
# The module's AMI steps, whose inputs name the AMI by id (CreateImageBefore.ImageId) rather
# than by phase: CreateImageBefore, WaitForImageBefore, CheckImageBefore and the After ones.
IMAGE_STEP = re.compile(r"^(Create|WaitFor|Check|Await)\w*Image(?P<phase>Before|After)")
# Parse/Install/Scan steps of the update (ParseUpdateResults, ScanUpdates, ParseScanResults).
UPDATE_STEP = re.compile(r"Update|Scan")


def _text(name: str, inputs: dict[str, Any]) -> str:
    shown = {k: v for k, v in inputs.items() if k != "Script"}
    return name + " " + json.dumps(shown, ensure_ascii=False)


def step_kind(step: dict[str, Any]) -> str:
    """The kind of a step execution (a DescribeAutomationStepExecutions record)."""
    name = step.get("StepName", "")
    action = step.get("Action", "")
    inputs = step.get("Inputs") or {}
    text = _text(name, inputs)
    api = str(inputs.get("Api", "")).strip('"').lower()
    if api == "publish" or "Publish" in name or "Report" in name or action == "aws:approve":
        return "other"
    if name in ROLLBACK_STEPS or "ReplaceRootVolume" in text:
        return "rollback"
    if "Hook" in name:
        return "hook"
    image = IMAGE_STEP.match(name)
    if image:
        return "ami_before" if image.group("phase") == "Before" else "ami_after"
    if "UpdateBefore" in text:
        return "ami_before"
    if "UpdateAfter" in text:
        return "ami_after"
    # The failure and cancel paths put the instance back as it was found, whichever way.
    recovery = name.endswith(("Failure", "Cancel"))
    if action == "aws:changeInstanceState":
        state = str(inputs.get("DesiredState", "")).strip('"')
        return "start" if state == "running" and not recovery else "restore"
    if recovery and api in ("startinstances", "stopinstances"):
        return "restore"
    if "InstallWindowsUpdates" in text or "WindowsUpdate" in text:
        return "update"
    if any(k in text for k in ("StartEC2", "StartInstance", "WaitForAgent", "PingStatus")):
        return "start"
    # RestoreState*: the instance's state put back; CheckRestore only checks.
    if "Stop" in name or name.startswith("RestoreState"):
        return "restore"
    if UPDATE_STEP.search(name):
        return "update"
    return "other"


@dataclass
class StepBar:
    name: str
    kind: str
    status: str
    start: datetime
    end: datetime

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STEP


@dataclass
class InstanceRow:
    instance_id: str
    execution_id: str
    status: str
    bars: list[StepBar] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.instance_id} ({self.status})"


@dataclass
class Timeline:
    execution_id: str
    document: str
    status: str
    rows: list[InstanceRow]

    @property
    def start(self) -> datetime | None:
        starts = [b.start for r in self.rows for b in r.bars]
        return min(starts) if starts else None

    @property
    def end(self) -> datetime | None:
        ends = [b.end for r in self.rows for b in r.bars]
        return max(ends) if ends else None


def _step_executions(aws: Aws, execution_id: str) -> list[dict[str, Any]]:
    ssm = aws.client("ssm")
    with aws.errors(f"reading the steps of {execution_id}"):
        pages = ssm.get_paginator("describe_automation_step_executions").paginate(
            AutomationExecutionId=execution_id
        )
        return [s for page in pages for s in page.get("StepExecutions", [])]


def load_timeline(aws: Aws, execution_id: str) -> Timeline:
    """The timeline of an ended run (Start, Process or per-instance execution id).

    A run still in progress is :class:`RunInProgress`: its picture would be wrong.
    """
    snapshot = take_snapshot(aws, execution_id, Discovery(aws))
    if not snapshot.done:
        raise RunInProgress(
            f"run {execution_id} is still {snapshot.status} ({snapshot.finished}/"
            f"{snapshot.total} instances done); report it when it has ended"
        )
    rows: list[InstanceRow] = []
    for instance in snapshot.instances:
        row = InstanceRow(instance.instance_id, instance.execution_id, instance.status)
        for step in _step_executions(aws, instance.execution_id):
            began = step.get("ExecutionStartTime")
            if began is None or step.get("StepStatus") in ACTIVE | {"Pending"}:
                continue
            ended = step.get("ExecutionEndTime") or began
            row.bars.append(
                StepBar(step["StepName"], step_kind(step), step["StepStatus"], began, ended)
            )
        rows.append(row)
    # Rows in the order the instances began, as rate control released them.
    rows.sort(
        key=lambda r: (r.bars[0].start.timestamp() if r.bars else float("inf"), r.instance_id)
    )
    return Timeline(
        execution_id, str(snapshot.start.get("DocumentName", "")), snapshot.status, rows
    )
