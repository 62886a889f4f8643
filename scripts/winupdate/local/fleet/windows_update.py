"""What AWS-InstallWindowsUpdates does on an instance: select, install, report.

The output follows the log that the script writes on the instance
(``Install-AwsUwiWindowsUpdates.log``, quoted in the seed), one line per event::

    01/09/2020 09:56:40 UTC | Info | Searching for Windows Updates.
    01/09/2020 09:56:42 UTC | Info | Found 4 available Windows Updates.
    01/09/2020 09:56:42 UTC | Info | KB5034439 | Critical | SecurityUpdates | <title>
    01/09/2020 09:56:42 UTC | Info | Installing 4 updates.
    01/09/2020 09:59:42 UTC | Info | Installed 4 updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .catalogue import Update, normalise_kb
from .durations import Durations


@dataclass(frozen=True)
class Selection:
    """The parameters of AWS-InstallWindowsUpdates, parsed."""

    action: str = "Install"
    #: AllowReboot defaults to True; the script skips the restart only on ``False``
    #: (``if ($allowReboot -ieq 'False') { ... -NoReboot }``).
    allow_reboot: bool = True
    severities: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    include_kbs: frozenset[str] = frozenset()
    exclude_kbs: frozenset[str] = frozenset()
    published_days_old: int | None = None
    published_after: float | None = None
    published_before: float | None = None

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> Selection:
        """Parse SendCommand's ``Parameters`` (values are lists of strings)."""

        def one(name: str) -> str:
            value = parameters.get(name, "")
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            return str(value).strip()

        def items(name: str) -> frozenset[str]:
            return frozenset(v.strip() for v in one(name).split(",") if v.strip())

        days = one("PublishedDaysOld")
        return cls(
            action=one("Action") or "Install",
            allow_reboot=one("AllowReboot").lower() != "false",
            severities=items("SeverityLevels"),
            categories=items("Categories"),
            include_kbs=frozenset(normalise_kb(k) for k in items("IncludeKbs")),
            exclude_kbs=frozenset(normalise_kb(k) for k in items("ExcludeKbs")),
            published_days_old=int(days) if days else None,
            published_after=_date(one("PublishedDateAfter")),
            published_before=_date(one("PublishedDateBefore")),
        )

    def matches(self, update: Update, now: float) -> bool:
        if self.severities and update.severity not in self.severities:
            return False
        if self.categories and update.category not in self.categories:
            return False
        if self.include_kbs and update.kb not in self.include_kbs:
            return False
        if update.kb in self.exclude_kbs:
            return False
        if (
            self.published_days_old is not None
            and update.published > now - 86400 * self.published_days_old
        ):
            return False
        if self.published_after is not None and update.published < self.published_after:
            return False
        return not (self.published_before is not None and update.published > self.published_before)

    def select(self, pending: list[Update], now: float) -> list[Update]:
        return [u for u in pending if self.matches(u, now)]


@dataclass(frozen=True)
class Install:
    """One AWS-InstallWindowsUpdates invocation when nothing goes wrong: what it finds and
    how long each part takes. The fleet runs it and the fleet benchmark's ideal adds it up,
    so both agree on what an install costs."""

    selection: Selection
    found: list[Update]
    durations: Durations

    @classmethod
    def plan(
        cls, selection: Selection, pending: list[Update], durations: Durations, start: float
    ) -> Install:
        # The search decides what is found, so PublishedDaysOld counts from its end.
        return cls(selection, selection.select(pending, start + durations.scan), durations)

    @property
    def installs(self) -> bool:
        return self.selection.action != "Scan" and bool(self.found)

    @property
    def search_seconds(self) -> float:
        return self.durations.scan

    @property
    def install_seconds(self) -> float:
        return self.durations.update_per_kb * len(self.found) if self.installs else 0.0

    @property
    def needs_reboot(self) -> bool:
        # An update that fails to install leaves nothing to finish at a restart.
        return self.installs and any(u.reboot_required for u in self.found if not u.fails)

    @property
    def reboots(self) -> bool:
        return self.needs_reboot and self.selection.allow_reboot

    @property
    def seconds(self) -> float:
        """From the agent starting the invocation to its end."""
        restart = self.durations.reboot if self.reboots else 0.0
        return self.search_seconds + self.install_seconds + restart


def _date(value: str) -> float | None:
    """``MM/DD/YYYY`` as the document's allowedPattern has it."""
    if not value:
        return None
    return datetime.strptime(value, "%m/%d/%Y").replace(tzinfo=UTC).timestamp()


class Log:
    """Lines stamped with modelled time, in the script's log format."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, when: float, message: str) -> None:
        self.add(when, "Info", message)

    def error(self, when: float, message: str) -> None:
        self.add(when, "Error", message)

    def add(self, when: float, level: str, message: str) -> None:
        stamp = datetime.fromtimestamp(when, tz=UTC).strftime("%m/%d/%Y %H:%M:%S")
        self.lines.append(f"{stamp} UTC | {level} | {message}")

    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")


def update_line(update: Update) -> str:
    return f"{update.kb} | {update.severity} | {update.category} | {update.title}"
