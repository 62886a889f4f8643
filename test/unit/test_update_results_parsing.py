"""The runbooks' parse of AWS-InstallWindowsUpdates' output: how many updates, and which.

What a scan reports (an Install would apply these) is only as good as this parse. The
command's stdout is its log (``MM/dd/yyyy HH:mm:ss UTC | Info | ...``, the AwsPoshLogger of
the AWS-InstallWindowsUpdates definition in ../shared/reference/aws-owned-documents/): a
``Found N available Windows Updates.`` line counted *before* the severity, KB and date
filters, one ``There are N Windows Updates after filtering on <X>.`` line per filter, then
one ``<title> - Published date: MM/dd/yyyy`` line per selected update, then (Install)
``Installed: <title>`` per update and, after exit 3010, the whole log of its run again
after the restart. The embedded AWS prints the same lines (local/fleet/windows_update.py).
Aws:runCommand's Output is cut at 2,500 characters (CommandPlugin.Output).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from winupdate.documents.render import rendered_document
from winupdate.local.fleet.catalogue import Update
from winupdate.local.fleet.durations import Durations
from winupdate.local.fleet.windows_update import Install, Log, Selection

ROOT = Path(__file__).parents[2]
PARSE_STEPS = [
    ("AutomationProcess", "ParseUpdateResults"),
    ("AutomationProcess", "ParseScanResults"),
    ("WindowsUpdate", "ParseUpdateResults"),
]


def step(document: str, name: str) -> dict[str, Any]:
    steps = yaml.safe_load(rendered_document(ROOT, document))["mainSteps"]
    return next(s for s in steps if s["name"] == name)


def parse(output: str, action: str = "Scan") -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(step("AutomationProcess", "ParseScanResults")["inputs"]["Script"], namespace)
    return namespace["parse_update_results"]({"Output": output, "Action": action}, None)


def stamped(*messages: str) -> str:
    return "".join(f"01/09/2024 09:56:{n:02d} UTC | Info | {m}\n" for n, m in enumerate(messages))


def test_every_parse_step_runs_the_same_script_with_the_same_outputs():
    scripts = {(d, n): step(d, n)["inputs"]["Script"] for d, n in PARSE_STEPS}
    assert len(set(scripts.values())) == 1, sorted(scripts)
    outputs = {(d, n): repr(step(d, n)["outputs"]) for d, n in PARSE_STEPS}
    assert len(set(outputs.values())) == 1


def test_the_scan_step_scans_without_reboot_whatever_the_parameters_say():
    parameters = step("AutomationProcess", "ScanUpdates")["inputs"]["Parameters"]
    assert parameters["Action"] == "Scan" and parameters["AllowReboot"] == "False"
    assert step("AutomationProcess", "ParseScanResults")["inputs"]["InputPayload"]["Action"] == (
        "Scan"
    )


def test_a_scan_of_the_embedded_fleet_counts_and_lists_each_update():
    updates = [
        Update(
            "KB5034439", "Cumulative Update (KB5034439)", "Critical", "SecurityUpdates", 0, True
        ),
        Update("KB5034441", "Update for Windows (KB5034441)", "Important", "Updates", 0, False),
    ]
    log = Log()
    Selection(action="Scan").search(log, updates, 0, 20)
    result = parse(log.text())
    assert result["Found"] == 2 and result["Installed"] == 0
    assert result["KBs"] == "KB5034439,KB5034441"
    assert result["Updates"].splitlines() == [
        "- Cumulative Update (KB5034439) - Published date: 01/01/1970",
        "- Update for Windows (KB5034441) - Published date: 01/01/1970",
    ]


def test_the_real_scripts_count_is_the_one_left_after_its_last_filter():
    output = stamped(
        "Searching for Windows Updates.",
        "Found 5 available Windows Updates.",
        "Filtering on Severity. (Post-Search)",
        "There are 3 Windows Updates after filtering on Severity.",
        "Filtering on ExcludeKbs. (Post-Search)",
        "There are 2 Windows Updates after filtering on ExcludeKbs.",
        "2024-01 Cumulative Update for Windows Server 2022 (KB5034129) - Published date: "
        "01/09/2024",
        "2024-01 Servicing Stack Update for Windows Server 2022 (KB5034439) - Published date: "
        "01/09/2024",
    )
    result = parse(output)
    assert result["Found"] == 2
    assert result["KBs"] == "KB5034129,KB5034439"
    assert result["Updates"].splitlines() == [
        "- 2024-01 Cumulative Update for Windows Server 2022 (KB5034129) - Published date: "
        "01/09/2024",
        "- 2024-01 Servicing Stack Update for Windows Server 2022 (KB5034439) - Published date: "
        "01/09/2024",
    ]


def test_a_cut_output_says_how_many_updates_it_does_not_show():
    output = stamped(
        "Found 4 available Windows Updates.", "A (KB5034439) - Published date: 01/09/2024"
    )
    output += "\n---Output truncated---"
    result = parse(output)
    lines = result["Updates"].splitlines()
    assert result["Found"] == 4
    assert lines[0] == "- A (KB5034439) - Published date: 01/09/2024"
    assert lines[1].startswith("- and 3 more that the command's output")


@pytest.mark.parametrize("action", ["Install", "Scan"])
def test_no_update_found_lists_none(action):
    result = parse(stamped("Found 0 available Windows Updates."), action)
    assert (result["Found"], result["Installed"], result["KBs"], result["Updates"]) == (
        0,
        0,
        "none",
        "none",
    )


INSTALL_RUN = (
    "Searching for Windows Updates.",
    "Found 3 available Windows Updates.",
    "Filtering on Severity. (Post-Search)",
    "There are 2 Windows Updates after filtering on Severity.",
    "2024-01 Cumulative Update (KB5034129) - Published date: 01/09/2024",
    "2024-01 Servicing Stack Update (KB5034439) - Published date: 01/09/2024",
    "Downloading Windows Updates.",
    "Successfully Downloaded: 2024-01 Cumulative Update (KB5034129) - Published date: 01/09/2024",
    "Successfully Downloaded: 2024-01 Servicing Stack Update (KB5034439) - Published date: "
    "01/09/2024",
    "2 Windows Updates will be installed.",
)


def test_an_install_counts_each_installed_line_and_its_rerun_after_the_restart_adds_nothing():
    # Exit 3010: the agent restarts the instance and runs the document again; that run
    # searches again and finds the one update the severity filter left out.
    output = stamped(
        *INSTALL_RUN,
        "Installed: 2024-01 Cumulative Update (KB5034129)",
        "Installed: 2024-01 Servicing Stack Update (KB5034439) [Reboot Required]",
        "Windows Updates were successfully installed. Rebooting.",
        "Searching for Windows Updates.",
        "Found 1 available Windows Updates.",
        "Filtering on Severity. (Post-Search)",
        "There are 0 Windows Updates after filtering on Severity.",
    )
    result = parse(output, "Install")
    assert (result["Found"], result["Installed"]) == (2, 2)
    assert result["KBs"] == "KB5034129,KB5034439"
    assert result["Summary"] == "found 2, installed 2 (KBs: KB5034129,KB5034439)"


def test_a_failed_install_counts_only_what_installed():
    output = stamped(
        *INSTALL_RUN,
        "Installed: 2024-01 Cumulative Update (KB5034129)",
        "Installation of 2024-01 Servicing Stack Update (KB5034439) resulted in error: "
        "Exception from HRESULT: 0x80240022",
        "0 download and 1 installation errors occurred.",
    )
    result = parse(output, "Install")
    assert (result["Found"], result["Installed"]) == (2, 1)
    assert result["KBs"] == "KB5034129,KB5034439"


def test_the_embedded_fleets_install_output_parses_as_the_real_one():
    durations = Durations()
    updates = [
        Update(
            "KB5034439", "Cumulative Update (KB5034439)", "Critical", "SecurityUpdates", 0, True
        ),
        Update("KB5034441", "Update (KB5034441)", "Low", "Updates", 0, False, fails=True),
    ]
    selection = Selection()
    log = Log()
    plan = Install.plan(selection, updates, durations, 0)
    selection.search(log, updates, 0, durations.scan)
    plan.download(log, durations.scan)
    plan.install(log, durations.scan)
    assert plan.exit_code == -1
    result = parse(log.text(), "Install")
    assert (result["Found"], result["Installed"], result["KBs"]) == (2, 1, "KB5034439,KB5034441")


def test_the_seeds_log_excerpt_still_parses():
    # The seed's log (../shared/seed): a search that found 4 updates, then (as a Scan) none.
    seed = (
        "01/09/2020 09:56:40 UTC | Info | Searching for Windows Updates. "
        "01/09/2020 09:56:42 UTC | Info | Found 4 available Windows Updates."
    )
    assert parse(seed)["Found"] == 4
