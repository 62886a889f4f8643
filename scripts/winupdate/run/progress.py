"""Live progress of a run: redrawn in place on a terminal, periodic plain lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from .follow import InstanceProgress, RunSnapshot

BAR_WIDTH = 24


def duration(seconds: float) -> str:
    """``3m05s``, ``1h02m``: short enough for a progress line."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = int(width * done / total) if total else 0
    return "[" + "#" * filled + "-" * (width - filled) + f"] {done}/{total} done"


def instance_line(instance: InstanceProgress, snapshot: RunSnapshot) -> str:
    where = instance.current_step if instance.active else None
    step = where or instance.status
    return f"  {instance.instance_id:<20} {step:<36} {duration(instance.elapsed(snapshot.now))}"


def status_lines(snapshot: RunSnapshot) -> list[str]:
    """The whole display: the run's line, one line per instance, the fleet's bar."""
    head = f"run {snapshot.execution_id}: {snapshot.status}"
    if snapshot.approval is not None:
        head += f" (waiting for approval at step {snapshot.approval.step_name})"
    lines = [head]
    lines += [instance_line(i, snapshot) for i in snapshot.instances]
    failed = f", {snapshot.failed} failed" if snapshot.failed else ""
    lines.append(f"  {bar(snapshot.finished, snapshot.total)}{failed}")
    return lines


class Progress:
    """Base: shows nothing (``--json``)."""

    def update(self, snapshot: RunSnapshot) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class TtyProgress(Progress):
    """Redraws the same lines in place with ANSI cursor moves."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.drawn = 0

    def _erase(self) -> None:
        if self.drawn:
            # Up to the first line we drew, then clear to the end of the screen.
            self.out.write(f"\x1b[{self.drawn}F\x1b[J")
        self.drawn = 0

    def update(self, snapshot: RunSnapshot) -> None:
        lines = status_lines(snapshot)
        self._erase()
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()
        self.drawn = len(lines)

    def note(self, text: str) -> None:
        # A note goes above the live block and stays.
        self._erase()
        self.out.write(text + "\n")
        self.out.flush()

    def close(self) -> None:
        self.drawn = 0


class PlainProgress(Progress):
    """Plain lines for logs (CI): printed when something changed, or every ``every`` s."""

    def __init__(
        self, out: TextIO, every: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.out = out
        self.every = every
        self.clock = clock
        self.last_state: tuple[object, ...] | None = None
        self.last_time = -every

    def update(self, snapshot: RunSnapshot) -> None:
        state = (
            snapshot.status,
            tuple((i.instance_id, i.status, i.current_step) for i in snapshot.instances),
        )
        now = self.clock()
        if state == self.last_state and now - self.last_time < self.every:
            return
        self.last_state, self.last_time = state, now
        stamp = snapshot.now.strftime("%H:%M:%S")
        self.out.write("\n".join(f"{stamp} {line}" for line in status_lines(snapshot)) + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def progress_for(json_output: bool, stdout: TextIO) -> Progress:
    """Nothing drawn when stdout is JSON; a redrawn bar on a terminal; lines otherwise."""
    if json_output:
        return Progress()
    if stdout.isatty():
        return TtyProgress(stdout)
    return PlainProgress(stdout)


def say(progress: Progress, json_output: bool, stderr: TextIO, text: str) -> None:
    """A message for people: above the progress, or on stderr when stdout is JSON."""
    if json_output:
        stderr.write(text + "\n")
        stderr.flush()
    else:
        progress.note(text)
