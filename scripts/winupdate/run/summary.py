"""What a finished run did to each instance: status, AMIs, updates, duration, failure."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from .aws import Aws
from .errors import ExecutionNotFound
from .executions import FAILED_STEP, SUCCEEDED, get_execution, output_execution_ids
from .follow import RunSnapshot
from .progress import duration

FOUND = re.compile(r"Found\s+(\d+)\s+available\s+Windows\s+Updates?", re.IGNORECASE)
FILTERED = re.compile(r"There\s+are\s+(\d+)\s+Windows\s+Updates?\s+after\s+filtering", re.I)
# AWS-InstallWindowsUpdates' "Installed: <title>" per update (its script's Logger).
INSTALLED = re.compile(r"\|\s*Installed:\s*(.+?)(?:\s*\[Reboot\s+Required\])?\s*$", re.I | re.M)
# Exit 3010 ends the script's first run with this line; the agent runs it again after
# the restart, and that run's counts are of what is left.
REBOOTING = "Windows Updates were successfully installed. Rebooting."
KB = re.compile(r"KB\d{6,8}", re.IGNORECASE)
PHASES = ("UpdateBefore", "UpdateAfter")
# The per-instance runbook's rollback (aws:executeAutomation of the Restore runbook), run when
# the update or a post-update hook failed and rollback_on_failure is on.
ROLLBACK_STEP = "RestoreImageBeforeOnFailure"
AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")
# How deep to follow executions started by an instance's steps (the seed: Process →
# CreateImage / WindowsUpdate; the module: none).
MAX_DEPTH = 2


def is_recovery(step_name: str) -> bool:
    """Steps of a failure path (the module's *OnFailure, ReportFailure; the seed's
    PublishSNSNotificationFailure): their failures are not the reason."""
    return step_name.endswith(("OnFailure", "Failure"))


#: Characters of a failure's reason in the table (the JSON keeps it whole).
REASON_WIDTH = 120


@dataclass
class Ami:
    image_id: str
    name: str


@dataclass
class InstanceResult:
    instance_id: str
    execution_id: str
    status: str
    before: Ami | None = None
    after: Ami | None = None
    updates_found: int | None = None
    updates_installed: int | None = None
    #: The KB ids of the updates found: installed, or what an Install would apply (Scan).
    updates: list[str] = field(default_factory=list)
    #: AWS-InstallWindowsUpdates' Action of the run: Install, or Scan (a dry run).
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    failed_step: str | None = None
    failure_reason: str | None = None
    related_executions: list[str] = field(default_factory=list)
    #: The AMI before the instance was put back to after its run failed (its rollback).
    rolled_back_to: str | None = None
    #: Why the rollback failed, when it ran and failed.
    rollback_failure: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCEEDED

    @property
    def dry_run(self) -> bool:
        return self.action == "Scan"

    @property
    def failure_text(self) -> str | None:
        """The failure column: the failed step and why, and what its rollback did."""
        return self.failure_line(None)

    def failure_line(self, reason_width: int | None = REASON_WIDTH) -> str | None:
        """The failure text with the reason cut to its first line and ``reason_width``
        characters (a failed command's reason carries its whole output), for the table."""
        reason = self.failure_reason
        if reason and reason_width is not None:
            first = reason.strip().splitlines()[0] if reason.strip() else reason
            reason = first if len(first) <= reason_width else first[: reason_width - 1] + "…"
        if not self.failed_step:
            return reason
        if self.rolled_back_to:
            return f"failed at {self.failed_step} ({reason}), rolled back to {self.rolled_back_to}"
        text = f"{self.failed_step}: {reason}"
        if self.rollback_failure:
            text += f"; rollback failed: {self.rollback_failure}"
        return text

    @property
    def duration_seconds(self) -> float | None:
        if self.start and self.end:
            return (self.end - self.start).total_seconds()
        return None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"] = self.start.isoformat() if self.start else None
        out["end"] = self.end.isoformat() if self.end else None
        out["duration_seconds"] = self.duration_seconds
        out["succeeded"] = self.succeeded
        out["dry_run"] = self.dry_run
        return out


def _tree(aws: Aws, execution: dict[str, Any]) -> list[dict[str, Any]]:
    """The execution and the executions its steps started, full records, depth first."""
    seen = {execution["AutomationExecutionId"]}
    out = [execution]
    frontier = [(execution, 0)]
    while frontier:
        current, depth = frontier.pop()
        if depth >= MAX_DEPTH:
            continue
        for step in current.get("StepExecutions", []):
            for child_id in output_execution_ids(step):
                if child_id in seen:
                    continue
                seen.add(child_id)
                try:
                    child = get_execution(aws, child_id)
                except ExecutionNotFound:
                    continue  # an output that only looked like an execution id
                out.append(child)
                frontier.append((child, depth + 1))
    return out


def _updates(tree: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """Updates found and installed: declared outputs first, the command's output second."""
    found: int | None = None
    installed: int | None = None
    for execution in tree:
        for step in execution.get("StepExecutions", []):
            outputs = step.get("Outputs") or {}
            for key, values in outputs.items():
                if not values or not str(values[0]).isdigit():
                    continue
                if key.endswith("Found"):
                    found = int(values[0])
                elif key.endswith("Installed"):
                    installed = int(values[0])
            text = "\n".join(outputs.get("Output", []))
            if text:
                first_run = text.split(REBOOTING, 1)[0]
                hits = FILTERED.findall(first_run) or FOUND.findall(first_run)
                if hits and found is None:
                    found = int(hits[-1])
                titles = set(INSTALLED.findall(text))
                if titles and installed is None:
                    installed = len(titles)
    return found, installed


def _kbs(tree: list[dict[str, Any]]) -> list[str]:
    """The KB ids of the updates found: a declared ``KBs`` output (comma-separated, or
    ``none``) first, the KB ids in the update command's output second."""
    declared: list[str] | None = None
    mentioned: set[str] = set()
    for execution in tree:
        for step in execution.get("StepExecutions", []):
            outputs = step.get("Outputs") or {}
            for key, values in outputs.items():
                if key.endswith("KBs") and values:
                    text = str(values[0])
                    declared = [] if text == "none" else [k for k in text.split(",") if k]
            for text in outputs.get("Output", []):
                mentioned.update(m.upper() for m in KB.findall(text))
    return declared if declared is not None else sorted(mentioned)


def _action(execution: dict[str, Any]) -> str | None:
    values = (execution.get("Parameters") or {}).get("Action") or []
    return str(values[0]) if values else None


def _images(aws: Aws, instance_id: str, execution_ids: set[str]) -> dict[str, Ami]:
    """The instance's before/after AMIs made by one of ``execution_ids``: by the name rule
    ``<InstanceId>_<Phase>_<ExecutionId>`` or by the AutomationExecutionId tag."""
    ec2 = aws.client("ec2")
    with aws.errors(f"reading the images of {instance_id}"):
        images = ec2.describe_images(
            Owners=["self"],
            Filters=[{"Name": "name", "Values": [f"{instance_id}_{p}_*" for p in PHASES]}],
        )["Images"]
    found: dict[str, tuple[str, Ami]] = {}
    for image in images:
        name = image.get("Name", "")
        tags = {t["Key"]: t["Value"] for t in image.get("Tags", [])}
        phase = next((p for p in PHASES if f"_{p}_" in name), tags.get("Phase"))
        made_by = name.rsplit("_", 1)[-1]
        if phase and (
            made_by in execution_ids or tags.get("AutomationExecutionId") in execution_ids
        ):
            created = image.get("CreationDate", "")
            if phase not in found or created > found[phase][0]:
                found[phase] = (created, Ami(image["ImageId"], name))
    return {phase: ami for phase, (_, ami) in found.items()}


def failed_step_of(execution: dict[str, Any]) -> tuple[str | None, str | None]:
    """(the step that failed, why) of an ended execution; a failure path's own failure is
    the reason only when nothing else failed."""
    if execution["AutomationExecutionStatus"] in SUCCEEDED:
        return None, None
    steps = execution.get("StepExecutions", [])
    failed = [s for s in steps if s.get("StepStatus") in FAILED_STEP]
    culprit = next((s for s in failed if not is_recovery(s["StepName"])), None) or (
        failed[0] if failed else None
    )
    if culprit is None:
        return None, execution.get("FailureMessage") or execution["AutomationExecutionStatus"]
    reason = (
        culprit.get("FailureMessage")
        or (culprit.get("FailureDetails") or {}).get("FailureType")
        or culprit["StepStatus"]
    )
    return culprit["StepName"], reason


def step_output(execution: dict[str, Any], step_name: str, name: str) -> str | None:
    """A step's output, only if the step ran and succeeded: AWS fills the execution's
    output of a step that never ran with a placeholder sentence."""
    step = next(
        (s for s in execution.get("StepExecutions", []) if s.get("StepName") == step_name), None
    )
    if step is None or step.get("StepStatus") not in SUCCEEDED:
        return None
    values = (step.get("Outputs") or {}).get(name) or (execution.get("Outputs") or {}).get(
        f"{step_name}.{name}"
    )
    return str(values[0]) if values else None


def rollback_of(
    execution: dict[str, Any], tree: list[dict[str, Any]]
) -> tuple[str | None, str | None]:
    """(the AMI rolled back to, why the rollback failed) of a per-instance execution; both
    None when no rollback ran."""
    step = next(
        (s for s in execution.get("StepExecutions", []) if s.get("StepName") == ROLLBACK_STEP),
        None,
    )
    if step is None:
        return None, None
    child_ids = set(output_execution_ids(step))
    children = [
        e
        for e in tree
        if e["AutomationExecutionId"] in child_ids
        or (
            e.get("ParentAutomationExecutionId") == execution["AutomationExecutionId"]
            and str(e.get("DocumentName", "")).endswith("Restore")
        )
    ]
    if step.get("StepStatus") in SUCCEEDED:
        candidates = [step_output(execution, "CreateImageBefore", "ImageId")]
        candidates += [step_output(child, "CheckRestore", "ImageId") for child in children]
        image = next((c for c in candidates if c and AMI_ID.match(c)), None)
        return image or "its AMI before", None
    if step.get("StepStatus") not in FAILED_STEP:
        return None, None  # still running, or skipped
    for child in children:
        reason = step_output(child, "ReportRestoreFailure", "Reason")
        if reason:
            return None, reason
    return None, step.get("FailureMessage") or step["StepStatus"]


def instance_result(aws: Aws, instance_id: str, execution_id: str) -> InstanceResult:
    execution = get_execution(aws, execution_id)
    tree = _tree(aws, execution)
    ids = {e["AutomationExecutionId"] for e in tree}
    images = _images(aws, instance_id, ids)
    found, installed = _updates(tree)
    failed_step, reason = failed_step_of(execution)
    rolled_back_to, rollback_failure = rollback_of(execution, tree)
    return InstanceResult(
        instance_id=instance_id,
        execution_id=execution_id,
        status=execution["AutomationExecutionStatus"],
        before=images.get("UpdateBefore"),
        after=images.get("UpdateAfter"),
        updates_found=found,
        updates_installed=installed,
        updates=_kbs(tree),
        action=_action(execution),
        start=execution.get("ExecutionStartTime"),
        end=execution.get("ExecutionEndTime"),
        failed_step=failed_step,
        failure_reason=reason,
        related_executions=sorted(ids - {execution_id}),
        rolled_back_to=rolled_back_to,
        rollback_failure=rollback_failure,
    )


def collect_results(aws: Aws, snapshot: RunSnapshot) -> list[InstanceResult]:
    return [instance_result(aws, i.instance_id, i.execution_id) for i in snapshot.instances]


def run_failure(snapshot: RunSnapshot) -> str | None:
    """Why the Start run itself failed (rejected approval, a failed step), if it did."""
    if snapshot.status in SUCCEEDED:
        return None
    step, reason = failed_step_of(snapshot.start)
    return f"{step}: {reason}" if step else reason


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def render_table(results: list[InstanceResult]) -> str:
    """One row per instance, columns sized to their content."""
    header = (
        "instance",
        "status",
        "AMI before",
        "AMI after",
        "found",
        "installed",
        "KBs",
        "duration",
        "failure",
    )
    rows = [header]
    for r in results:
        seconds = r.duration_seconds
        failure = r.failure_line()
        rows.append(
            (
                r.instance_id,
                r.status,
                f"{r.before.image_id} {r.before.name}" if r.before else "-",
                f"{r.after.image_id} {r.after.name}" if r.after else "-",
                _cell(r.updates_found),
                # A scan installs nothing: its KBs are what an Install would apply.
                "- (scan)" if r.dry_run else _cell(r.updates_installed),
                ",".join(r.updates) or "-",
                duration(seconds) if seconds is not None else "-",
                _cell(failure),
            )
        )
    return aligned_table(rows)


def scan_line(scans: list[InstanceResult]) -> str:
    """What a scan (dry run) found, in one line: how many updates each instance would get."""
    found = sum(r.updates_found or 0 for r in scans)
    per_instance = ", ".join(f"{r.instance_id} {_cell(r.updates_found)}" for r in scans)
    return (
        f"scan (dry run): nothing was installed; an Install would apply {found} updates "
        f"({per_instance})"
    )


def aligned_table(rows: list[tuple[str, ...]]) -> str:
    """``rows`` (the first is the header) as text columns sized to their content."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_json(snapshot: RunSnapshot, results: list[InstanceResult]) -> dict[str, Any]:
    return {
        "execution_id": snapshot.execution_id,
        "document": snapshot.start.get("DocumentName"),
        "status": snapshot.status,
        "failure": run_failure(snapshot),
        "process_execution_ids": [p["AutomationExecutionId"] for p in snapshot.processes],
        "instances": [r.as_dict() for r in results],
        "succeeded": snapshot.succeeded,
    }
