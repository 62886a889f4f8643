"""Check 4, flow: every step can be reached, runs end where the author meant them to, and
no loop of steps is without a way out. That every jump lands on a step (WU401) is what
CreateDocument refuses: ``document_rules``, reported by ``structure``."""

from __future__ import annotations

from ..local.automation import document_rules
from .context import Context
from .findings import Finding
from .loader import Source
from .model import (
    BRANCH,
    FALL_OFF,
    LOOP,
    Graph,
    failure_target,
    is_true,
)


def check(doc: Source, ctx: Context) -> list[Finding]:
    graph = Graph.of(doc)
    if not graph.steps:
        return []
    # Jumps to a missing step are CreateDocument's to refuse (document_rules, WU401); with
    # one, what is unreachable is only a symptom.
    found: list[Finding] = []
    if not any(document_rules.jumps(doc.data)):
        found += _unreachable(doc, graph)
    found += _fall_off(doc, graph)
    found += _cycles(doc, graph)
    found += _failure_skips_ahead(doc, graph)
    for step in graph.steps:
        if step.action == BRANCH and "Default" not in step.inputs:
            found.append(
                doc.finding(
                    "WU406",
                    (*step.where, "inputs"),
                    f"step {step.name}: when no choice matches, the branch fails",
                    "add Default: <step> for the remaining cases",
                )
            )
        elif is_true(step.raw.get("isEnd")) and "nextStep" in step.raw:
            found.append(
                doc.value_finding(
                    "WU407",
                    (*step.where, "nextStep"),
                    f"step {step.name}: isEnd is true, "
                    f"so nextStep {step.raw['nextStep']} is never taken",
                    "drop one of them",
                )
            )
    return found


def reachable(graph: Graph) -> set[str]:
    first = graph.first()
    seen: set[str] = set()
    pending = [first] if first else []
    while pending:
        name = pending.pop()
        if name in seen or name not in graph.by_name:
            continue
        seen.add(name)
        pending.extend(graph.edges(name))
    return seen


def _unreachable(doc: Source, graph: Graph) -> list[Finding]:
    seen = reachable(graph)
    return [
        doc.value_finding(
            "WU402",
            (*step.where, "name"),
            f"step {step.name}: no path from the first step reaches it",
            "jump to it (nextStep, onFailure, a branch) or delete it",
        )
        for step in graph.steps
        if step.name not in seen
    ]


def _fall_off(doc: Source, graph: Graph) -> list[Finding]:
    seen = reachable(graph)
    return [
        doc.value_finding(
            "WU403",
            (*step.where, "name"),
            f"step {step.name}: the run ends after it only because it is the last step",
            "add isEnd: true (or nextStep) to say where the run goes",
        )
        for step in graph.steps
        if step.name in seen and FALL_OFF in (*graph.success[step.name], *graph.failure[step.name])
    ]


def _cycles(doc: Source, graph: Graph) -> list[Finding]:
    """Cycles along success edges with no branch in them: once entered, never left."""
    edges = {name: [t for t in graph.success[name] if t in graph.by_name] for name in graph.by_name}
    found = []
    for component in _strong_components(edges):
        if len(component) == 1 and component[0] not in edges[component[0]]:
            continue
        if any(graph.by_name[name].action in (BRANCH, LOOP) for name in component):
            continue
        first = min((graph.by_name[n] for n in component), key=lambda s: s.index)
        ring = " -> ".join(sorted(component, key=lambda n: graph.by_name[n].index))
        found.append(
            doc.value_finding(
                "WU404",
                (*first.where, "name"),
                f"steps {ring} loop forever: no step in the loop can leave it",
                "end the loop with an aws:branch that can go elsewhere",
            )
        )
    return found


def _strong_components(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively (a runbook may have hundreds of steps)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = edges[node]
            if position < len(successors):
                work.append((node, position + 1))
                child = successors[position]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _failure_skips_ahead(doc: Source, graph: Graph) -> list[Finding]:
    """onFailure: step:X where X lies further down the success path than the next step.

    The run then carries on as if the failed step had worked, minus the steps in
    between (the seed's StartEC2Instances jumps to runWindowsUpdate this way). Only the
    straight path counts: jumping to the step's own next step is an explicit "carry on",
    and a step behind a branch is one the run may choose, not one it carries on to.
    """
    found = []
    for step in graph.steps:
        target = failure_target(step.raw.get("onFailure"))
        direct = graph.success[step.name]
        if target is None or target not in graph.by_name or target in direct or target == step.name:
            continue
        ahead: set[str] = set()
        pending = [t for t in direct if t in graph.by_name] if step.action != BRANCH else []
        while pending:
            name = pending.pop()
            if name in ahead:
                continue
            ahead.add(name)
            if graph.by_name[name].action == BRANCH:
                continue  # past a branch the path is chosen, not carried on
            pending.extend(t for t in graph.success[name] if t in graph.by_name)
        if target in ahead:
            found.append(
                doc.value_finding(
                    "WU405",
                    (*step.where, "onFailure"),
                    f"step {step.name}: on failure the run jumps ahead to {target} "
                    "and carries on as if it had worked",
                    "send a failed step to a failure path (restore, report, end)",
                )
            )
    return found
