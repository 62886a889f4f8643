"""Benchmark: ``winupdate validate`` over AWS's own Automation runbooks (issue 15).

AWS accepted every one of ``../shared/reference/aws-owned-runbooks/`` at CreateDocument
and runs most of them daily, so an error there is a false error. The one known exception
is WU209 (an aws:executeScript Runtime AWS no longer runs), counted apart. Prints files,
errors and warnings per code, and the time; fails on any other error. Skipped where the
folder does not exist (a user's clone has no ``../shared``); the runbooks are never
copied into the project.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from winupdate.documents.findings import ERROR
from winupdate.documents.validate import validate_paths

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "reference" / "aws-owned-runbooks"
RETIRED = "WU209"
# Errors shown true from AWS's documentation (the corpus README allows these): every run
# of this tutorial runbook fails at its first step, which calls an ec2 CreateLoadBalancer
# that EC2's API does not have (it is Elastic Load Balancing's) and reads
# createSecurityGroup.GroupId, an output no step declares (automation-action-executeAwsApi.md:
# "Outputs: ... defined by the step").
SHOWN_TRUE = {
    ("AWSDocs-IncreaseAppAvailability.json", "WU302"),
    ("AWSDocs-IncreaseAppAvailability.json", "WU503"),
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is not here")
def test_aws_owned_runbooks_have_no_false_errors():
    start = time.perf_counter()
    report = validate_paths([CORPUS])
    seconds = time.perf_counter() - start
    per_code = Counter((f.code, f.severity) for f in report.findings)
    retired_files = {f.path for f in report.findings if f.code == RETIRED}
    errors = [f for f in report.findings if f.severity == ERROR and f.code != RETIRED]
    shown_true = [f for f in errors if (Path(f.path).name, f.code) in SHOWN_TRUE]
    false_errors = [f for f in errors if f not in shown_true]

    print(f"\n{report.files} files, {seconds:.2f} s")
    print(f"errors: {len(false_errors)} false, {len(shown_true)} shown true, ", end="")
    print(f"{per_code[(RETIRED, ERROR)]} {RETIRED} (retired runtime) in {len(retired_files)} files")
    print(f"warnings: {report.warnings}")
    for (code, severity), count in sorted(per_code.items()):
        print(f"  {code} {severity:7} {count}")
    for finding in false_errors:
        print("  false error:", finding.as_text())

    assert false_errors == []
