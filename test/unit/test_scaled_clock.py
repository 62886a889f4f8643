"""The scaled clock runs `speed` times the wall, less the garbage collector's pauses: a full
collection stops every thread (no AWS service would have paused), and at 600 modelled
seconds a wall second a 0.2 s collection would be two modelled minutes, long enough to
time out a step in flight (aws:executeAwsApi runs at most 25 s)."""

from __future__ import annotations

import gc
import time

from winupdate.local.clock import ScaledClock


def test_the_scaled_clock_runs_speed_times_the_wall():
    clock = ScaledClock(600)
    began, wall = clock.now(), time.monotonic()
    time.sleep(0.05)
    modelled, elapsed = clock.now() - began, time.monotonic() - wall
    assert 0.9 * 600 * 0.05 <= modelled <= 600 * elapsed + 1


def test_a_garbage_collection_is_not_modelled_time():
    clock = ScaledClock(600)
    objects = [[i] for i in range(1_500_000)]  # enough to make a full collection take a while
    began, wall = clock.now(), time.monotonic()
    gc.collect()
    paused = time.monotonic() - wall
    modelled = clock.now() - began
    assert paused > 0.01, "the collection was too quick to tell"
    # Only the moments around the collection count, not the collection itself.
    assert modelled < 600 * paused / 4, (modelled, paused)
    del objects
