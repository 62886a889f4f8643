"""Benchmark: validating the module's four documents and the seed's four, after start-up.

The issue asks for under 1 s once botocore's models are loaded (each service's
model is read once per process). Prints the time; asserts only that bound.
"""

from __future__ import annotations

import time
from pathlib import Path

from winupdate.documents.validate import validate_paths

ROOT = Path(__file__).resolve().parents[2]


def test_validating_documents_and_seed_takes_under_a_second():
    def once() -> float:
        start = time.perf_counter()
        validate_paths([ROOT / "documents"], rendered=True)
        validate_paths([ROOT / "test" / "fixtures" / "seed"])
        return time.perf_counter() - start

    warm_up = once()  # loads the ec2, ssm and sns models
    best = min(once() for _ in range(5))
    print(f"\nvalidate documents + seed: {best * 1000:.1f} ms (first run {warm_up * 1000:.0f} ms)")
    assert best < 1.0
