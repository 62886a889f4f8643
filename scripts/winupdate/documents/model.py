"""The parts of a runbook every check reads: its steps, the edges between them, and
a forward "must" analysis over those edges (what holds on every path to a step).

Checks work on the raw data, not on the runtime's ``Runbook``: the runtime stops at
the first problem, the validator keeps going past malformed parts to report all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .loader import DataPath, Source

END = "<end>"  # isEnd: true
FALL_OFF = "<fall-off>"  # the run passes the last step without isEnd
ABORT = "<abort>"  # onFailure/onCancel Abort

LOOP = "aws:loop"
BRANCH = "aws:branch"


@dataclass(frozen=True)
class StepRef:
    index: int
    name: str
    action: str
    raw: dict[str, Any]
    where: DataPath
    loop: str | None = None  # the aws:loop step holding this one, if nested

    @property
    def inputs(self) -> dict[str, Any]:
        inputs = self.raw.get("inputs")
        return inputs if isinstance(inputs, dict) else {}

    @property
    def declared_outputs(self) -> list[dict[str, Any]]:
        outputs = self.raw.get("outputs")
        return [o for o in outputs if isinstance(o, dict)] if isinstance(outputs, list) else []


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _refs(items: Any, where: DataPath, loop: str | None) -> list[StepRef]:
    if not isinstance(items, list):
        return []
    refs = []
    for index, raw in enumerate(items):
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            action = raw.get("action")
            refs.append(
                StepRef(
                    index,
                    raw["name"],
                    action if isinstance(action, str) else "",
                    raw,
                    (*where, index),
                    loop,
                )
            )
    return refs


def main_steps(doc: Source) -> list[StepRef]:
    data = doc.data if isinstance(doc.data, dict) else {}
    return _refs(data.get("mainSteps"), ("mainSteps",), None)


def nested_steps(step: StepRef) -> list[StepRef]:
    """The steps of an aws:loop (its Steps input)."""
    if step.action != LOOP:
        return []
    return _refs(step.inputs.get("Steps"), (*step.where, "inputs", "Steps"), step.name)


def all_steps(doc: Source) -> Iterator[StepRef]:
    for step in main_steps(doc):
        yield step
        yield from nested_steps(step)


def parameters(doc: Source) -> dict[str, Any]:
    data = doc.data if isinstance(doc.data, dict) else {}
    params = data.get("parameters")
    return params if isinstance(params, dict) else {}


def failure_target(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith("step:"):
        return value[5:].strip()
    return None


@dataclass
class Graph:
    """Edges between the main steps: where a run goes when a step succeeds, fails, is cancelled."""

    steps: list[StepRef]
    by_name: dict[str, StepRef] = field(default_factory=dict)
    success: dict[str, list[str]] = field(default_factory=dict)
    failure: dict[str, list[str]] = field(default_factory=dict)
    cancel: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, doc: Source) -> Graph:
        steps = main_steps(doc)
        graph = cls(steps, {s.name: s for s in steps})
        for position, step in enumerate(steps):
            following = steps[position + 1].name if position + 1 < len(steps) else FALL_OFF
            graph.success[step.name] = _success_edges(step, following)
            graph.failure[step.name] = _failure_edges(step, following)
            cancel = failure_target(step.raw.get("onCancel"))
            graph.cancel[step.name] = [cancel] if cancel else []
            if step.action == LOOP:
                graph._leave_loop(step)
        return graph

    def _leave_loop(self, loop: StepRef) -> None:
        """Nested steps may leave their loop for a main step (automation-action-loop.html:
        the loop "inherits" its steps' onFailure); those jumps are the loop's own edges."""
        for inner in nested_steps(loop):
            for key, edges in (("onFailure", self.failure), ("onCancel", self.cancel)):
                target = failure_target(inner.raw.get(key))
                if target in self.by_name and target not in edges[loop.name]:
                    edges[loop.name].append(target)
            for target in _success_edges(inner, FALL_OFF):
                if target in self.by_name and target not in self.success[loop.name]:
                    self.success[loop.name].append(target)

    def first(self) -> str | None:
        return self.steps[0].name if self.steps else None

    def edges(self, name: str) -> list[str]:
        return [
            *self.success.get(name, ()),
            *self.failure.get(name, ()),
            *self.cancel.get(name, ()),
        ]


def _plain_next(step: StepRef, following: str) -> list[str]:
    if is_true(step.raw.get("isEnd")):
        return [END]
    next_step = step.raw.get("nextStep")
    return [next_step] if isinstance(next_step, str) else [following]


def _success_edges(step: StepRef, following: str) -> list[str]:
    if step.action != BRANCH:
        return _plain_next(step, following)
    # automation-action-branch.md: the next step is the first matching choice's
    # NextStep, else Default; nextStep and isEnd do not apply to a branch.
    targets = []
    choices = step.inputs.get("Choices")
    for choice in choices if isinstance(choices, list) else ():
        if isinstance(choice, dict) and isinstance(choice.get("NextStep"), str):
            targets.append(choice["NextStep"])
    if isinstance(step.inputs.get("Default"), str):
        targets.append(step.inputs["Default"])
    return targets


def _failure_edges(step: StepRef, following: str) -> list[str]:
    on_failure = step.raw.get("onFailure", "Abort")
    if on_failure == "Continue":
        return _plain_next(step, following)
    target = failure_target(on_failure)
    return [target] if target else [ABORT]


def every_run_reaches(graph: Graph, name: str) -> bool:
    """Whether no run can end well without passing ``name``: every path from the first
    step to a successful end (isEnd, or past the last step) goes through it. A run that
    fails before it fails anyway, so a step that surely fails makes the run fail."""
    first = graph.first()
    if first is None or first == name:
        return first is not None
    seen: set[str] = set()
    pending = [first]
    while pending:
        current = pending.pop()
        if current in seen or current == name:
            continue
        seen.add(current)
        edges = [*graph.success[current], *graph.failure[current]]
        if END in edges or FALL_OFF in edges:
            return False
        pending.extend(t for t in graph.edges(current) if t in graph.by_name)
    return True


def may_hold(graph: Graph, produced: Callable[[StepRef], set[str]]) -> dict[str, set[str]]:
    """For every reachable step, the facts that hold on some path into it.

    Generous on purpose (it decides what is surely missing): a step counts as
    producing its facts whether it succeeds or fails, since a failed step may still
    record outputs (aws:runCommand's Status, for one).
    """
    first = graph.first()
    if first is None:
        return {}
    holding: dict[str, set[str]] = {first: set()}
    pending = [first]
    while pending:
        name = pending.pop()
        after = holding[name] | produced(graph.by_name[name])
        for target in graph.edges(name):
            if target not in graph.by_name:
                continue
            known = holding.get(target)
            if known is None or not after <= known:
                holding[target] = (known or set()) | after
                pending.append(target)
    return holding


def must_hold(graph: Graph, produced: Callable[[StepRef], set[str]]) -> dict[str, set[str]]:
    """For every reachable step, the facts that hold on every path into it.

    ``produced(step)`` is what a step makes true when it succeeds (its outputs, "a
    message was sent"); a failed or cancelled step produces nothing. Unreachable
    steps are absent from the result.
    """
    first = graph.first()
    if first is None:
        return {}
    holding: dict[str, set[str]] = {first: set()}
    pending = [first]
    while pending:
        name = pending.pop()
        step = graph.by_name[name]
        before = holding[name]
        after = before | produced(step)
        flows = [(t, after) for t in graph.success[name]]
        flows += [(t, before) for t in (*graph.failure[name], *graph.cancel[name])]
        for target, facts in flows:
            if target not in graph.by_name:
                continue
            known = holding.get(target)
            merged = set(facts) if known is None else known & facts
            if known is None or merged != known:
                holding[target] = merged
                pending.append(target)
    return holding
