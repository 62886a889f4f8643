"""What AWS-InstallWindowsUpdates does on an instance: search, filter, install, report.

The command's output is what its script prints: its logger (AwsPoshLogger.CreateMessage
in the document's PowerShell, ../shared/reference/aws-owned-documents/command/) writes
``MM/dd/yyyy HH:mm:ss UTC | <Level> | <message>`` lines, in this order::

    Filtering on Category. (Pre-Search)                  (Categories given)
    Searching for Windows Updates.
    Found 5 available Windows Updates.                   (after the category filter only)
    Filtering on Severity. (Post-Search)                 (each filter given, in this order:
    There are 2 Windows Updates after filtering on Severity.   Severity, IncludeKbs,
    <title> - Published date: 01/09/2024                 ExcludeKbs, PublishedDaysOld,
    Downloading Windows Updates.                         PublishedDateAfter/Before)
    Successfully Downloaded: <title> - Published date: 01/09/2024
    2 Windows Updates will be installed.
    Installed: <title>
    Windows Updates were successfully installed. Rebooting.     (exit 3010)

A scan (``-ListOnly``) stops after the listing. An update that fails to install logs
``Installation of <title> resulted in error: …`` and the run ends ``0 download and 1
installation errors occurred.`` with exit -1 (no restart). Exit 3010 makes the agent restart
the instance and run the document again: that run searches again (the installed updates
are gone), and an update it would install a second time (its title and KB in the state file
``state.json`` the first run wrote) ends it with ``Multiple attempts to install the same KB
failed: <title>``, exit -1. The script appends `` [Reboot Required]`` to ``Installed:`` only
when ``$installObj.RebootRequired``; but it assigns ``$installObj = $installer.Install() |
Out-Null``, which is always ``$null``, so AWS's output never carries it, nor does ours.
"""

from __future__ import annotations

from collections.abc import Callable
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

    def post_search_filters(self, now: float) -> list[tuple[str, Callable[[Update], bool]]]:
        """The filters the script applies after its search, in its order, named as it logs
        them; each only when its parameter is given (PublishedDaysOld only above 0)."""
        filters: list[tuple[str, Callable[[Update], bool]]] = []
        if self.severities:
            filters.append(("Severity", lambda u: u.severity in self.severities))
        if self.include_kbs:
            filters.append(("IncludeKbs", lambda u: u.kb in self.include_kbs))
        if self.exclude_kbs:
            filters.append(("ExcludeKbs", lambda u: u.kb not in self.exclude_kbs))
        if self.published_days_old:
            oldest = now - 86400 * self.published_days_old
            filters.append(("PublishedDaysOld", lambda u: u.published <= oldest))
        if self.published_after is not None:
            after = self.published_after
            filters.append(("PublishedDateAfter", lambda u: u.published >= after))
        if self.published_before is not None:
            before = self.published_before
            filters.append(("PublishedDateBefore", lambda u: u.published <= before))
        return filters

    def searched(self, pending: list[Update]) -> list[Update]:
        """What the search finds: the category filter is part of its query (Pre-Search)."""
        return [u for u in pending if not self.categories or u.category in self.categories]

    def select(self, pending: list[Update], now: float) -> list[Update]:
        selected = self.searched(pending)
        for _, keep in self.post_search_filters(now):
            selected = [u for u in selected if keep(u)]
        return selected

    def search(
        self, log: Log, pending: list[Update], start: float, found_at: float
    ) -> list[Update]:
        """Log the search and the filters as the script does; return what it selected."""
        if self.categories:
            log.info(start, "Filtering on Category. (Pre-Search)")
        log.info(start, "Searching for Windows Updates.")
        selected = self.searched(pending)
        log.info(found_at, f"Found {len(selected)} available Windows Updates.")
        if selected:
            for name, keep in self.post_search_filters(found_at):
                log.info(found_at, f"Filtering on {name}. (Post-Search)")
                selected = [u for u in selected if keep(u)]
                log.info(
                    found_at,
                    f"There are {len(selected)} Windows Updates after filtering on {name}.",
                )
        for update in selected:
            log.info(found_at, listing_line(update))
        return selected


@dataclass(frozen=True)
class Install:
    """One AWS-InstallWindowsUpdates invocation when nothing goes wrong: what it finds and
    how long each part takes. The fleet runs it and the fleet benchmark's ideal adds it up,
    so both agree on what an install costs."""

    selection: Selection
    found: list[Update]
    durations: Durations
    #: The state file of an earlier run of the same command (before its restart): the
    #: updates it installed, by ``update_hash``.
    state: frozenset[str] = frozenset()

    @classmethod
    def plan(
        cls,
        selection: Selection,
        pending: list[Update],
        durations: Durations,
        start: float,
        state: frozenset[str] = frozenset(),
    ) -> Install:
        # The search decides what is found, so PublishedDaysOld counts from its end.
        found = selection.select(pending, start + durations.scan)
        return cls(selection, found, durations, state)

    @property
    def repeated(self) -> list[Update]:
        """Updates the state file says this command installed already: offered again."""
        return [u for u in self.found if update_hash(u) in self.state] if self.installs else []

    @property
    def installs(self) -> bool:
        return self.selection.action != "Scan" and bool(self.found)

    @property
    def failing(self) -> list[Update]:
        return [u for u in self.found if u.fails] if self.installs else []

    @property
    def succeeding(self) -> list[Update]:
        return [u for u in self.found if not u.fails] if self.installs else []

    @property
    def search_seconds(self) -> float:
        return self.durations.scan

    @property
    def install_seconds(self) -> float:
        return self.durations.update_per_kb * len(self.found) if self.installs else 0.0

    @property
    def needs_reboot(self) -> bool:
        # An update that fails to install leaves nothing to finish at a restart.
        return any(u.reboot_required for u in self.succeeding)

    @property
    def exit_code(self) -> int:
        """-1 after any installation error or a second attempt at the same update; 3010
        (restart, run again) once anything was installed and AllowReboot is not False;
        else 0."""
        if self.failing or self.repeated:
            return -1
        if self.succeeding and self.selection.allow_reboot:
            return 3010
        return 0

    @property
    def reboots(self) -> bool:
        return self.exit_code == 3010

    @property
    def seconds(self) -> float:
        """From the agent starting the invocation to its end: after a restart, the run
        again searches (and finds nothing more to install)."""
        again = self.durations.reboot + self.search_seconds if self.reboots else 0.0
        return self.search_seconds + self.install_seconds + again

    def download(self, log: Log, when: float) -> None:
        """The download lines, and how many will be installed (nothing when none found)."""
        if not self.installs:
            return
        log.info(when, "Downloading Windows Updates.")
        for update in self.found:
            log.info(when, f"Successfully Downloaded: {listing_line(update)}")
        log.info(when, f"{len(self.found)} Windows Updates will be installed.")

    def install(self, log: Log, start: float) -> None:
        """One line per update, as each install ends, then the errors' count or the restart."""
        at = start
        for update in self.found if self.installs else []:
            at += self.durations.update_per_kb
            if update.fails:
                log.error(at, f"Installation of {update.title} resulted in error: {INSTALL_ERROR}")
            else:
                log.info(at, f"Installed: {update.title}")
        if self.failing:
            log.info(at, f"0 download and {len(self.failing)} installation errors occurred.")
        elif self.repeated:
            title = self.repeated[0].title
            log.error(at, f"Multiple attempts to install the same KB failed: {title}")
        elif self.reboots:
            log.info(at, "Windows Updates were successfully installed. Rebooting.")


#: What ``$_`` says when IUpdateInstaller.Install throws for an update: WU_E_ALL_UPDATES_FAILED
#: (0x80240022), the installer's error when the one update it was given failed.
INSTALL_ERROR = "Exception from HRESULT: 0x80240022"


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


def listing_line(update: Update) -> str:
    """``<Title> - Published date: MM/dd/yyyy`` (LastDeploymentChangeTime), as the script
    lists a selected update."""
    published = datetime.fromtimestamp(update.published, tz=UTC).strftime("%m/%d/%Y")
    return f"{update.title} - Published date: {published}"


def update_hash(update: Update) -> str:
    """What the script's state file keys an installed update by: its title and KB."""
    return f"{update.title}{update.kb}"
