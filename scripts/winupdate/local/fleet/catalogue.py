"""The pending Windows updates of each instance: deterministic per instance id.

Every instance starts with 3-8 pending updates drawn from a hash of its id, so the
same instance id always sees the same KB ids, severities, categories and titles.
Publication dates are whole days before the catalogue was first built (modelled
time), so ``PublishedDaysOld`` means the same thing in every run. The first update is
always a Critical cumulative security update that needs a reboot, so every instance
has at least one reason to reboot.

Installing an update removes it from the pending list and records it as installed.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

SEVERITIES = ("Critical", "Important", "Moderate", "Low", "Unspecified")
CATEGORIES = (
    "SecurityUpdates",
    "CriticalUpdates",
    "UpdateRollups",
    "Updates",
    "DefinitionUpdates",
)
# Non-security updates carry no MSRC rating: Windows Update reports them "Unspecified".
_SECURITY_SEVERITIES = ("Critical", "Important", "Important", "Moderate", "Low")
_TITLES = {
    "SecurityUpdates": "{month} Cumulative Update for Microsoft server operating system "
    "version 21H2 for x64-based Systems ({kb})",
    "CriticalUpdates": "{month} Servicing Stack Update for Microsoft server operating system "
    "version 21H2 for x64-based Systems ({kb})",
    "UpdateRollups": "{month} Cumulative Update for .NET Framework 3.5, 4.8 and 4.8.1 for "
    "Microsoft server operating system version 21H2 for x64 ({kb})",
    "Updates": "{month} Update for Windows Server 2022 for x64-based Systems ({kb})",
    "DefinitionUpdates": "Security Intelligence Update for Microsoft Defender Antivirus - "
    "{kb} (Version 1.40{n}.{m}.0)",
}
_KB = re.compile(r"^(?:KB)?(\d+)$", re.IGNORECASE)


@dataclass
class Update:
    """One Windows update as AWS-InstallWindowsUpdates reports it."""

    kb: str
    title: str
    severity: str
    category: str
    published: float  # epoch seconds
    reboot_required: bool
    #: Emulator-only: installing this update fails (tests of failure paths).
    fails: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["published"] = datetime.fromtimestamp(self.published, tz=UTC).strftime("%Y-%m-%d")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], now: float) -> Update:
        """Build an update from the control API's JSON (missing fields get defaults)."""
        kb = normalise_kb(str(data["kb"]))
        category = data.get("category", "SecurityUpdates")
        if category not in CATEGORIES:
            raise ValueError(f"category {category!r} is not one of {', '.join(CATEGORIES)}")
        severity = data.get("severity", "Critical")
        if severity not in SEVERITIES:
            raise ValueError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        published = data.get("published")
        if published is None:
            stamp = now - 86400 * float(data.get("published_days_ago", 10))
        elif isinstance(published, int | float):
            stamp = float(published)
        else:
            stamp = datetime.strptime(str(published), "%Y-%m-%d").replace(tzinfo=UTC).timestamp()
        return cls(
            kb=kb,
            title=data.get("title") or f"Update {kb}",
            severity=severity,
            category=category,
            published=stamp,
            reboot_required=bool(data.get("reboot_required", True)),
            fails=bool(data.get("fails", False)),
        )


@dataclass
class Catalogue:
    """Pending and installed updates of one instance."""

    pending: list[Update] = field(default_factory=list)
    installed: list[Update] = field(default_factory=list)

    def install(self, updates: list[Update]) -> None:
        kbs = {u.kb for u in updates}
        self.pending = [u for u in self.pending if u.kb not in kbs]
        self.installed.extend(updates)

    def to_json(self) -> dict[str, Any]:
        return {
            "pending": [u.to_json() for u in self.pending],
            "installed": [u.to_json() for u in self.installed],
        }


def normalise_kb(value: str) -> str:
    """``KB5034439``, ``kb5034439`` and ``5034439`` all mean ``KB5034439``."""
    match = _KB.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a KB id (KB1234567 or 1234567)")
    return f"KB{match.group(1)}"


def generate(instance_id: str, now: float) -> Catalogue:
    """The catalogue an instance starts with: the same for the same id, every run."""
    seed = int.from_bytes(hashlib.sha256(instance_id.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    count = rng.randint(3, 8)
    day = datetime.fromtimestamp(now, tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    kbs = rng.sample(range(5000000, 5099999), count)
    updates = []
    for index, number in enumerate(kbs):
        kb = f"KB{number}"
        if index == 0:
            category, severity, reboot = "SecurityUpdates", "Critical", True
        else:
            category = rng.choice(CATEGORIES)
            if category == "SecurityUpdates":
                severity = rng.choice(_SECURITY_SEVERITIES)
            else:
                severity = "Unspecified"
            reboot = category in ("SecurityUpdates", "CriticalUpdates", "UpdateRollups") and (
                rng.random() < 0.8
            )
        published = day - timedelta(days=rng.randint(1, 60))
        title = _TITLES[category].format(
            month=published.strftime("%Y-%m"),
            kb=kb,
            n=rng.randint(10, 99),
            m=rng.randint(100, 999),
        )
        updates.append(
            Update(
                kb=kb,
                title=title,
                severity=severity,
                category=category,
                published=published.timestamp(),
                reboot_required=reboot,
            )
        )
    return Catalogue(pending=updates)
