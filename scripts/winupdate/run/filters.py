"""The update filters of a run, checked before any call to AWS.

A filter value that AWS-InstallWindowsUpdates refuses used to surface only at the update
step, after every instance had been imaged (and rebooted for it). The module's runbooks
refuse it when the run starts (their parameters' allowedPattern); ``winupdate run`` refuses
it before it sends anything, with a message that says what the filter takes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import BadParameter

_CATEGORIES = (
    "Application|Connectors|CriticalUpdates|DefinitionUpdates|DeveloperKits|Drivers|"
    "FeaturePacks|Guidance|Microsoft|SecurityUpdates|ServicePacks|Tools|UpdateRollups|Updates"
)
_KBS = r"(^$)|^((KB){0,1}[0-9]{1,7})(,((KB){0,1}[0-9]{1,7}))*$"
_DATE = r"(^$)|^(0[1-9]|1[012])[- \/.](0[1-9]|[12][0-9]|3[01])[- \/.]((?:19|20)\d\d)$"


@dataclass(frozen=True)
class Filter:
    pattern: str
    takes: str


# AWS-InstallWindowsUpdates' parameters' allowedPattern, as AWS serves the document today
# (a unit test compares them with the AWS-owned document and with the module's runbooks).
FILTERS: dict[str, Filter] = {
    "SeverityLevels": Filter(
        r"(^$)|^(Critical|Important|Low|Moderate|Unspecified)"
        r"(,(Critical|Important|Low|Moderate|Unspecified))*$",
        "comma-separated MSRC severities: Critical, Important, Low, Moderate, Unspecified",
    ),
    "Categories": Filter(
        rf"(^$)|^({_CATEGORIES})(,({_CATEGORIES}))*$",
        "comma-separated update categories: " + ", ".join(_CATEGORIES.split("|")),
    ),
    "IncludeKbs": Filter(_KBS, "comma-separated KB ids such as KB5005565 or 5005565 (1-7 digits)"),
    "ExcludeKbs": Filter(_KBS, "comma-separated KB ids such as KB5005565 or 5005565 (1-7 digits)"),
    "PublishedDaysOld": Filter(r"(^$)|^[0-9]\d*$", "a whole number of days"),
    "PublishedDateAfter": Filter(_DATE, "a date written MM/DD/YYYY (e.g. 01/31/2025)"),
    "PublishedDateBefore": Filter(_DATE, "a date written MM/DD/YYYY (e.g. 01/31/2025)"),
}


def check_filter_values(values: Mapping[str, str]) -> None:
    """Refuse a filter value AWS-InstallWindowsUpdates would refuse, and a KB that is both
    included and excluded; other names are not filters and are left alone."""
    for name, value in values.items():
        spec = FILTERS.get(name)
        if spec is not None and not re.search(spec.pattern, value):
            raise BadParameter(
                f"{name} {value!r} is not what AWS-InstallWindowsUpdates takes ({spec.takes}); "
                "nothing was started"
            )
    check_kb_overlap(values.get("IncludeKbs", ""), values.get("ExcludeKbs", ""))


def kb_numbers(text: str) -> set[str]:
    """KB ids as AWS-InstallWindowsUpdates takes them (KB5005565 or 5005565), as digits."""
    return {item.strip().upper().removeprefix("KB") for item in text.split(",") if item.strip()}


def check_kb_overlap(include: str, exclude: str) -> None:
    both = sorted(kb_numbers(include) & kb_numbers(exclude), key=lambda kb: (len(kb), kb))
    if both:
        named = ", ".join(f"KB{kb}" for kb in both)
        raise BadParameter(
            f"{named} is in both IncludeKbs and ExcludeKbs: keep each KB in one of them; "
            "nothing was started"
        )


def given_filters(severity_levels: str | None, extra: list[str]) -> dict[str, str]:
    """The filter values a command line gives: ``--severity-levels`` and ``--parameter``
    items naming a filter (the last one wins, as in build_parameters)."""
    values: dict[str, str] = {}
    if severity_levels is not None:
        values["SeverityLevels"] = severity_levels
    for item in extra:
        key, sep, raw = item.partition("=")
        if sep and key.strip() in FILTERS:
            values[key.strip()] = raw
    return values
