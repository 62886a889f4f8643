"""The scheduler: one thread drives every execution's generator in modelled time.

A runner yields the modelled time at which it wants to resume; ``wake`` brings a
waiting runner forward (a signal arrived, a child ended). The scheduler never
holds its lock while a runner runs, because runners call the embedded AWS over
HTTP and those requests take the service's lock.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import traceback
from collections.abc import Callable, Generator
from typing import Any

from ..clock import Clock

Runner = Generator[float, None, None]


class Engine:
    """``idle`` (virtual time only): when the engine has nothing due, it asks
    ``idle.next_event()`` for the next modelled process outside the engine (the fleet's),
    ``idle.quiet()`` whether no request is being answered, and after moving the clock
    calls ``idle.advanced()`` so those processes catch up."""

    def __init__(
        self,
        clock: Clock,
        on_crash: Callable[[str, BaseException], None],
        idle: Any = None,
    ):
        self.clock = clock
        self._on_crash = on_crash
        self._idle = idle
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, str, int]] = []
        self._seq = itertools.count()
        self._runners: dict[str, Runner] = {}
        self._tokens: dict[str, int] = {}
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._running: str | None = None
        self._woken_while_running = False

    def start(self) -> None:
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="automation-engine", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for runner in self._runners.values():
            runner.close()
        self._runners.clear()

    def submit(self, key: str, runner: Runner) -> None:
        with self._cond:
            self._runners[key] = runner
            self._schedule(key, self.clock.now())

    def wake(self, key: str) -> None:
        with self._cond:
            if key == self._running:
                # Its next yield must not supersede this wake: remember it.
                self._woken_while_running = True
            elif key in self._runners:
                self._schedule(key, self.clock.now())

    @property
    def active(self) -> int:
        return len(self._runners)

    def _schedule(self, key: str, at: float) -> None:
        token = self._tokens.get(key, 0) + 1
        self._tokens[key] = token
        heapq.heappush(self._heap, (at, next(self._seq), key, token))
        self._cond.notify_all()

    def _next_due(self) -> str | None:
        while True:
            with self._cond:
                if self._stopped:
                    return None
                while self._heap and self._heap[0][3] != self._tokens.get(self._heap[0][2]):
                    heapq.heappop(self._heap)  # superseded by a later schedule or a wake
                if self._heap and self._heap[0][0] <= self.clock.now():
                    self._running = heapq.heappop(self._heap)[2]
                    self._woken_while_running = False
                    return self._running
                mine = self._heap[0][0] if self._heap else None
                if not self.clock.virtual:
                    delay = mine - self.clock.now() if mine is not None else 3600.0
                    self.clock.wait(self._cond, delay)
                    continue
            # Virtual time, nothing due: jump to the next wake-up anywhere, if nothing is
            # being answered right now (outside the lock: the fleet has its own).
            others = self._idle.next_event() if self._idle is not None else None
            when = min((t for t in (mine, others) if t is not None), default=None)
            if when is not None and (self._idle is None or self._idle.quiet()):
                self.clock.advance_to(when)
                if self._idle is not None:
                    self._idle.advanced()
                continue
            with self._cond:
                self.clock.wait(self._cond, 0.0)

    def _loop(self) -> None:
        while (key := self._next_due()) is not None:
            runner = self._runners.get(key)
            if runner is None:
                continue
            try:
                at = next(runner)
            except StopIteration:
                with self._cond:
                    self._runners.pop(key, None)
                    self._running = None
                continue
            except Exception as err:  # a bug in the runtime must not stop every execution
                traceback.print_exc()
                with self._cond:
                    self._runners.pop(key, None)
                    self._running = None
                self._on_crash(key, err)
                continue
            with self._cond:
                if self._woken_while_running:
                    at = min(at, self.clock.now())
                self._running = None
                self._schedule(key, at)
