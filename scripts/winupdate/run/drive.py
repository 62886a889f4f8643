"""``winupdate run``: start the Start runbook, approve or say how, follow, summarize."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from .approve import answer_approval
from .aws import Aws
from .filters import check_filter_values, check_kb_overlap, given_filters
from .follow import Follower, RunSnapshot, stop_run
from .progress import Progress, progress_for, say
from .start import (
    DEFAULT_DOCUMENT,
    build_parameters,
    document_parameters,
    parameters_text,
    start_run,
)
from .summary import collect_results, render_table, run_failure, run_json, scan_line

INTERRUPTED = 130  # what a shell reports for a command ended by Ctrl-C


@dataclass
class RunOptions:
    document: str = DEFAULT_DOCUMENT
    severity_levels: str | None = None
    max_concurrency: str | None = None
    max_errors: str | None = None
    parameters: list[str] = field(default_factory=list)
    approve: bool = False
    json: bool = False
    region: str | None = None
    interval: float = 2.0


def ask_stop_or_detach(stdin: TextIO, stderr: TextIO) -> str:
    """Ask on the terminal; no terminal (CI, a pipe) or no answer means detach."""
    if not stdin.isatty():
        return "detach"
    stderr.write("\nStop the run (s) or detach and leave it running (d)? [s/d] ")
    stderr.flush()
    try:
        answer = stdin.readline().strip().lower()
    except (EOFError, KeyboardInterrupt):
        return "detach"
    return "stop" if answer.startswith("s") else "detach"


# The Start runbook's approval of a later wave (wave_approval).
LATER_WAVE_APPROVAL = "ApproveWave"


class RunCommand:
    """One ``winupdate run``. Streams, the prompt and sleep are injected for tests."""

    def __init__(
        self,
        options: RunOptions,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        ask: Callable[[], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.options = options
        # Looked up now, not at import: tests and callers redirect sys.stdout.
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.ask = ask or (lambda: ask_stop_or_detach(sys.stdin, self.stderr))
        self.sleep = sleep
        # The approvals answered or announced, by step execution: a run with waves
        # (wave_approval) asks again before each later wave.
        self.approvals_seen: set[str] = set()
        self.progress: Progress = progress_for(options.json, self.stdout)

    def say(self, text: str) -> None:
        say(self.progress, self.options.json, self.stderr, text)

    def execute(self) -> int:
        o = self.options
        # Before anything is sent: a bad filter would otherwise only fail at the update
        # step, after every instance was imaged.
        check_filter_values(given_filters(o.severity_levels, o.parameters))
        aws = Aws(o.region)
        self.aws = aws
        self.caller = aws.caller_arn()
        declared = document_parameters(aws, o.document)
        parameters = build_parameters(
            declared,
            o.document,
            {
                "SeverityLevels": o.severity_levels,
                "MaxConcurrency": o.max_concurrency,
                "MaxErrors": o.max_errors,
            },
            o.parameters,
            warn=lambda text: self.stderr.write(f"winupdate: warning: {text}\n"),
        )
        # The KBs the run would use, the runbook's defaults included.
        kbs = {
            name: ",".join(parameters[name]) if name in parameters else declared[name].default
            for name in ("IncludeKbs", "ExcludeKbs")
            if name in parameters or (name in declared and declared[name].default)
        }
        check_kb_overlap(kbs.get("IncludeKbs") or "", kbs.get("ExcludeKbs") or "")
        execution_id = start_run(aws, o.document, parameters)
        self.say(f"started {o.document} {execution_id} ({parameters_text(parameters)})")
        follower = Follower(aws, execution_id, self.on_snapshot, o.interval, self.sleep)
        try:
            snapshot = follower.run()
        except KeyboardInterrupt:
            return self.interrupted(follower)
        finally:
            self.progress.close()
        try:
            return self.finish(snapshot)
        except KeyboardInterrupt:
            # The run has ended; only our summary was cut short.
            self.stderr.write(f"interrupted; `winupdate report {execution_id}` draws the run\n")
            return INTERRUPTED

    def on_snapshot(self, snapshot: RunSnapshot) -> None:
        request = snapshot.approval
        if request is not None and request.step_execution_id not in self.approvals_seen:
            self.approvals_seen.add(request.step_execution_id)
            later_wave = request.step_name == LATER_WAVE_APPROVAL
            if later_wave:
                # For somebody who has read how the wave before it went (its request carries
                # the counts): --approve answers the run's own approval only, never this one,
                # whether or not the run asked one first.
                self.say(f"{request.step_name}: the next wave waits for its approval")
            answer_approval(
                self.aws, request, self.options.approve and not later_wave, self.caller, self.say
            )
        self.progress.update(snapshot)

    def interrupted(self, follower: Follower) -> int:
        choice = self.ask()
        snapshot = follower.poll() if choice == "stop" else None
        if snapshot is not None:
            stopped = stop_run(self.aws, snapshot)
            cancelled = ", ".join(stopped) or "nothing (it had ended)"
            self.say(f"stopping run {follower.execution_id}: cancelled {cancelled}")
        else:
            self.say(
                f"detached; run {follower.execution_id} goes on. Read it back with "
                f"`winupdate report {follower.execution_id} --out run.html` once it has ended"
            )
        return INTERRUPTED

    def finish(self, snapshot: RunSnapshot) -> int:
        results = collect_results(self.aws, snapshot)
        if self.options.json:
            self.stdout.write(json.dumps(run_json(snapshot, results), indent=2) + "\n")
        else:
            failure = run_failure(snapshot)
            line = f"run {snapshot.execution_id}: {snapshot.status}"
            if failure:
                line += f" ({failure})"
            self.stdout.write(line + "\n")
            if results:
                self.stdout.write(render_table(results) + "\n")
                scans = [r for r in results if r.dry_run]
                if scans:
                    self.stdout.write(scan_line(scans) + "\n")
            else:
                self.stdout.write("no instance was updated\n")
        self.stdout.flush()
        return 0 if snapshot.succeeded else 1
