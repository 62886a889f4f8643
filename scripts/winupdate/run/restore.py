"""``winupdate restore``: start the Restore runbook for one instance, approve it or say how,
follow it, and end with the runbook's own one line.

The runbook decides everything (which AMI, whether it may, whether approval is needed) and
says it in two outputs: ``ReportRestore.Summary`` when the instance was restored,
``ReportRestoreFailure.Reason`` when it refused or failed (nothing changed, or what failed).
The command prints that line rather than composing its own, so the CLI, the SNS message and
the console say the same thing.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from .approve import answer_approval
from .aws import Aws
from .drive import INTERRUPTED
from .executions import FAILED_STEP, SUCCEEDED
from .follow import Follower, RunSnapshot
from .progress import Progress, progress_for, say
from .start import DEFAULT_DOCUMENT, parameters_text, start_run
from .summary import failed_step_of, step_output

# The module names every runbook <document_prefix><Base>: the Restore runbook of the
# deployment `run` defaults to.
DEFAULT_RESTORE_DOCUMENT = DEFAULT_DOCUMENT.removesuffix("AutomationStart") + "Restore"
APPROVE_STEP = "ApproveRestore"
# What a script's failure message wraps around the exception's own text.
SCRIPT_MARKERS = ("ValueError: ", "TimeoutError: ")
TRACEBACK = re.compile(r"\.?\s*Traceback \(most recent call last\):")


@dataclass
class RestoreOptions:
    instance_id: str
    run_id: str | None = None
    image_id: str | None = None
    delete_replaced_volumes: bool = False
    approve: bool = False
    document: str = DEFAULT_RESTORE_DOCUMENT
    json: bool = False
    region: str | None = None
    interval: float = 2.0


@dataclass
class RestoreOutcome:
    execution_id: str
    status: str
    restored: bool
    #: The runbook's line: its summary when restored, its reason otherwise.
    line: str
    image_id: str | None

    def as_dict(self, document: str, instance_id: str) -> dict[str, Any]:
        return {
            "execution_id": self.execution_id,
            "document": document,
            "instance_id": instance_id,
            "status": self.status,
            "restored": self.restored,
            "summary": self.line if self.restored else None,
            "reason": None if self.restored else self.line,
            "image_id": self.image_id,
        }


def restore_parameters(options: RestoreOptions) -> dict[str, list[str]]:
    """StartAutomationExecution's Parameters; options not given are left to the runbook's
    defaults (AWS takes no empty value)."""
    parameters = {
        "InstanceId": [options.instance_id],
        "DeleteReplacedVolumes": ["true" if options.delete_replaced_volumes else "false"],
    }
    if options.image_id:
        parameters["ImageId"] = [options.image_id]
    if options.run_id:
        parameters["RunId"] = [options.run_id]
    return parameters


def one_line(reason: str) -> str:
    """A script's exception text alone: aws:executeScript's message is "Step fails when it
    is executing the script. ValueError: <text>. Traceback (most recent call last): ...",
    and a reason cut at the first newline still ends in that traceback's first words."""
    for marker in SCRIPT_MARKERS:
        if marker in reason:
            reason = reason.split(marker, 1)[1]
            break
    reason = TRACEBACK.split(reason, 1)[0]
    return reason.split("\n", 1)[0].strip()


def restore_outcome(execution: dict[str, Any], instance_id: str) -> RestoreOutcome:
    """What an ended Restore execution did, as one line."""
    status = str(execution["AutomationExecutionStatus"])
    image = step_output(execution, "CheckRestore", "ImageId")
    summary = step_output(execution, "ReportRestore", "Summary")
    outcome = RestoreOutcome(
        str(execution["AutomationExecutionId"]), status, False, "", image or None
    )
    if status in SUCCEEDED and summary:
        outcome.restored, outcome.line = True, summary
        return outcome
    steps = {s["StepName"]: s for s in execution.get("StepExecutions", [])}
    approval = steps.get(APPROVE_STEP, {})
    if approval.get("StepStatus") in FAILED_STEP:
        # Rejected, or no answer in time: the runbook publishes this and ends, unchanged.
        why = approval.get("FailureMessage") or approval["StepStatus"]
        outcome.line = f"{instance_id} was not restored: the restore was not approved ({why})"
        return outcome
    reason = step_output(execution, "ReportRestoreFailure", "Reason")
    step = step_output(execution, "ReportRestoreFailure", "FailedStep")
    if not reason:
        # The report step itself did not run or failed: the failed step's own message.
        step, why = failed_step_of(execution)
        reason = str(why or status)
    reason = one_line(reason)
    # A refusal (CheckRestore) says itself that nothing was changed; past the checks,
    # which step failed tells how far the restore got.
    if step and step not in ("CheckRestore", "unknown"):
        reason = f"the restore of {instance_id} failed at {step}: {reason}"
    outcome.line = reason
    return outcome


class RestoreCommand:
    """One ``winupdate restore``. Streams and sleep are injected for tests."""

    def __init__(
        self,
        options: RestoreOptions,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.options = options
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.sleep = sleep
        self.approval_handled = False
        self.progress: Progress = progress_for(options.json, self.stdout)

    def say(self, text: str) -> None:
        say(self.progress, self.options.json, self.stderr, text)

    def execute(self) -> int:
        o = self.options
        self.aws = Aws(o.region)
        self.caller = self.aws.caller_arn() if o.approve else ""
        parameters = restore_parameters(o)
        execution_id = start_run(self.aws, o.document, parameters)
        self.say(f"started {o.document} {execution_id} ({parameters_text(parameters)})")
        follower = Follower(self.aws, execution_id, self.on_snapshot, o.interval, self.sleep)
        try:
            snapshot = follower.run()
        except KeyboardInterrupt:
            # Never stopped from here: a restore cancelled between its volume swaps would
            # leave the instance half restored. It goes on; the console or `report` shows it.
            self.stderr.write(
                f"\ndetached; restore {execution_id} of {o.instance_id} goes on "
                f"(`winupdate report {execution_id} --out restore.html` once it has ended)\n"
            )
            return INTERRUPTED
        finally:
            self.progress.close()
        return self.finish(snapshot)

    def on_snapshot(self, snapshot: RunSnapshot) -> None:
        request = snapshot.approval
        if request is not None and not self.approval_handled:
            self.approval_handled = True
            answer_approval(self.aws, request, self.options.approve, self.caller, self.say)
        self.progress.update(snapshot)

    def finish(self, snapshot: RunSnapshot) -> int:
        o = self.options
        outcome = restore_outcome(snapshot.start, o.instance_id)
        if outcome.image_id is None and o.image_id:
            outcome.image_id = o.image_id
        if o.json:
            self.stdout.write(json.dumps(outcome.as_dict(o.document, o.instance_id)) + "\n")
            self.stdout.flush()
        elif outcome.restored:
            self.stdout.write(outcome.line + "\n")
            self.stdout.flush()
        else:
            self.stderr.write(f"winupdate restore: {outcome.line}\n")
            self.stderr.flush()
        return 0 if outcome.restored else 1
