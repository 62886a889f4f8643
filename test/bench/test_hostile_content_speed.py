"""Benchmark: hostile content is refused at once and in little memory.

``winupdate validate`` and the runtime's parser bound YAML alias bombs, merge-key bombs and
nesting deeper than ``MAX_DEPTH`` (``content_limits``); the unit tests pin *what* is refused,
this measures *how fast* and *how small*. The goals (1 s and 20 MiB for an alias bomb, 2 s for
5,000 levels of nesting) are the ones the validator issue set; each case is timed as the best of
three runs so one slow moment of a shared machine does not decide it.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest

from hostile_content import alias_bomb, merge_key_bomb, nested
from winupdate.content_limits import ContentError, safe_load
from winupdate.local.automation.runbook import RunbookError, parse_content


def deep(depth: int = 5000) -> str:
    return nested(depth)


def measured(refuse: Callable[[], None]) -> tuple[float, int]:
    """Best wall time of three refusals, and the peak traced memory of one."""
    times = []
    for _ in range(3):
        began = time.perf_counter()
        refuse()
        times.append(time.perf_counter() - began)
    tracemalloc.start()
    try:
        refuse()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return min(times), peak


def refused_by_validate(text: str) -> Callable[[], None]:
    def refuse() -> None:
        with pytest.raises(ContentError):
            safe_load(text)

    return refuse


def refused_by_runtime(text: str, content_format: str) -> Callable[[], None]:
    def refuse() -> None:
        with pytest.raises(RunbookError):
            parse_content(text, content_format)

    return refuse


@pytest.mark.parametrize(
    "case,refuse,seconds,mebibytes",
    [
        ("alias bomb (9**9)", refused_by_validate(alias_bomb()), 1.0, 20),
        ("merge-key bomb (2**20)", refused_by_validate(merge_key_bomb(20)), 1.0, 20),
        ("nesting 5000 (YAML)", refused_by_validate(deep()), 2.0, 64),
        (
            "nesting 5000 (JSON)",
            refused_by_validate('{"x": ' + "[" * 5000 + "]" * 5000 + "}"),
            2.0,
            64,
        ),
        ("runtime alias bomb", refused_by_runtime(alias_bomb(), "YAML"), 1.0, 20),
        (
            "runtime nesting (JSON)",
            refused_by_runtime('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "JSON"),
            1.0,
            64,
        ),
    ],
)
def test_hostile_content_is_refused_fast_and_small(case, refuse, seconds, mebibytes):
    best, peak = measured(refuse)
    print(f"\nBENCH hostile {case}: {best * 1000:.1f} ms, peak {peak / 2**20:.1f} MiB")
    assert best < seconds and peak < mebibytes * 2**20
