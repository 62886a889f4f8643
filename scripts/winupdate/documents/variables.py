"""Check 5, variables: every ``{{ name }}`` resolves when the step runs.

A name resolves to a parameter, to an output of a step that succeeded on every
path to this one (a failed step produces no outputs, so an onFailure jump does not
carry them), to a system variable (automation-variables.md), to a runbook variable
(``variable:``), or, in a parameter default only, to Parameter Store (``ssm:``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..local.automation.registry import spec
from ..local.automation.variables import PLACEHOLDER
from .actions import suggest
from .context import Context
from .findings import ERROR, Finding, graded
from .loader import DataPath, Source
from .model import (
    LOOP,
    Graph,
    StepRef,
    all_steps,
    every_run_reaches,
    may_hold,
    must_hold,
    nested_steps,
    parameters,
)

SYSTEM_VARIABLES = {
    "automation": ("EXECUTION_ID", "DOCUMENT_NAME"),
    "global": ("ACCOUNT_ID", "REGION", "AWS_PARTITION", "DATE", "DATE_TIME"),
}


def placeholders(value: Any, where: DataPath) -> Iterator[tuple[DataPath, str]]:
    """(where, name) of every ``{{ name }}`` in ``value``, strings of keys included."""
    if isinstance(value, str):
        for name in PLACEHOLDER.findall(value):
            yield where, name
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from placeholders(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from placeholders(item, (*where, index))


def step_outputs(step: StepRef) -> set[str]:
    """Output names a step has when it succeeds: its action's and the ones it declares."""
    action = spec(step.action)
    names = {o.name for o in action.outputs} if action else set()
    names |= {o["Name"] for o in step.declared_outputs if isinstance(o.get("Name"), str)}
    return names


def produced(step: StepRef) -> set[str]:
    """Facts ``Step.Output`` a successful step adds (a loop adds its nested steps' too)."""
    facts = {f"{step.name}.{name}" for name in step_outputs(step)}
    for inner in nested_steps(step):
        facts |= {f"{inner.name}.{name}" for name in step_outputs(inner)}
    return facts


class _Resolver:
    def __init__(self, doc: Source, graph: Graph | None = None) -> None:
        self.doc = doc
        self.graph = graph
        self.params = parameters(doc)
        data = doc.data if isinstance(doc.data, dict) else {}
        declared = data.get("variables")
        self.variables = declared if isinstance(declared, dict) else {}
        self.steps = {s.name: s for s in all_steps(doc)}
        self.used: set[str] = set()

    def resolve(
        self,
        name: str,
        where: DataPath,
        step: str,
        available: set[str],
        possible: set[str],
        main_step: str = "",
    ) -> Finding | None:
        doc = self.doc
        if name in self.params:
            self.used.add(name)
            return None
        prefix, colon, rest = name.partition(":")
        if colon:
            if prefix == "ssm":
                return doc.value_finding(
                    "WU504",
                    where,
                    f"{step}: {{{{{name}}}}} reads Parameter Store outside a parameter default",
                    f"add a parameter with default: '{{{{{name}}}}}' and use that",
                )
            if prefix in SYSTEM_VARIABLES:
                if rest in SYSTEM_VARIABLES[prefix]:
                    return None
                return doc.value_finding(
                    "WU506",
                    where,
                    f"{step}: {{{{{name}}}}} is not a system variable",
                    suggest(rest, SYSTEM_VARIABLES[prefix])
                    or f"{prefix}: {', '.join(SYSTEM_VARIABLES[prefix])}",
                )
            if prefix == "variable":
                if rest in self.variables:
                    return None
                return doc.value_finding(
                    "WU506",
                    where,
                    f"{step}: runbook variable {rest!r} is not declared",
                    "declare it under the top-level variables key",
                )
        if "." in name:
            owner, _, output = name.partition(".")
            if owner in self.steps and spec(self.steps[owner].action) is None:
                return None  # an action the registry does not know: its outputs are unknown
            if owner not in self.steps:
                return doc.value_finding(
                    "WU501",
                    where,
                    f"{step}: {{{{{name}}}}}: there is no step {owner!r}",
                    suggest(owner, self.steps) or "name a step that runs before this one",
                )
            if output not in step_outputs(self.steps[owner]):
                known = sorted(step_outputs(self.steps[owner]))
                return doc.value_finding(
                    "WU503",
                    where,
                    f"{step}: step {owner} has no output {output!r}",
                    suggest(output, known)
                    or (
                        f"its outputs: {', '.join(known)}"
                        if known
                        else "declare it under the step's outputs"
                    ),
                )
            if name not in possible:
                # No path runs the producer first: the step can never succeed, and when
                # every run must pass it, every run fails. Otherwise only runs that take
                # it fail (AWS's own runbooks have such uses on rare failure paths).
                finding = doc.value_finding(
                    "WU502",
                    where,
                    f"{step}: {{{{{name}}}}} is set on no path to this step",
                    f"{owner} never runs before it; move the use after {owner}",
                )
                certain = self.graph is not None and every_run_reaches(self.graph, main_step)
                return graded(finding, ERROR) if certain else finding
            if name not in available:
                # AWS does not check this; a run fails only if it takes such a path.
                return doc.value_finding(
                    "WU502",
                    where,
                    f"{step}: {{{{{name}}}}} is not set on every path to this step",
                    f"a path reaches it without {owner} succeeding first",
                )
            return None
        hint = suggest(name, self.params)
        if hint:
            # A misspelt use of a parameter: reporting the parameter unused as well would
            # be the same mistake twice.
            self.used.add(hint.split("'")[1])
        return doc.value_finding(
            "WU501",
            where,
            f"{step}: {{{{{name}}}}} is not a parameter, step output or system variable",
            hint or "declare it under parameters",
        )


def check(doc: Source, ctx: Context) -> list[Finding]:
    graph = Graph.of(doc)
    resolver = _Resolver(doc, graph)
    holding = must_hold(graph, produced)
    possible = may_hold(graph, produced)
    found: list[Finding] = []
    for step in graph.steps:
        if step.name not in holding:
            continue  # unreachable (WU402): what it could see is undefined
        found += _uses(resolver, step, holding[step.name], possible[step.name], step.name)
        if step.action == LOOP:
            inner_facts = holding[step.name] | produced(step)
            inner_possible = possible[step.name] | produced(step)
            for inner in nested_steps(step):
                found += _uses(resolver, inner, inner_facts, inner_possible, step.name)
            # LoopCondition is read after each pass, when the nested steps have run.
            condition = step.inputs.get("LoopCondition")
            where = (*step.where, "inputs", "LoopCondition")
            for at, name in placeholders(condition, where):
                problem = resolver.resolve(
                    name, at, f"step {step.name}", inner_facts, inner_possible, step.name
                )
                found += [problem] if problem else []
    data = doc.data if isinstance(doc.data, dict) else {}
    for where, name in placeholders(data.get("assumeRole"), ("assumeRole",)):
        problem = resolver.resolve(name, where, "assumeRole", set(), set())
        found += [problem] if problem else []
    found += _defaults(doc, resolver)
    for name in resolver.params:
        if name not in resolver.used:
            found.append(
                doc.finding(
                    "WU505",
                    ("parameters", name),
                    f"parameter {name} is never used",
                    "use it as {{ " + name + " }} or delete it",
                )
            )
    return found


def _uses(
    resolver: _Resolver, step: StepRef, available: set[str], possible: set[str], main_step: str
) -> list[Finding]:
    found = []
    inputs = step.inputs
    if step.action == LOOP:  # nested steps are checked on their own, with the loop's outputs
        inputs = {k: v for k, v in inputs.items() if k not in ("Steps", "LoopCondition")}
    for where, name in placeholders(inputs, (*step.where, "inputs")):
        problem = resolver.resolve(name, where, f"step {step.name}", available, possible, main_step)
        if problem:
            found.append(problem)
    return found


def _defaults(doc: Source, resolver: _Resolver) -> list[Finding]:
    """A default may read Parameter Store and the system variables (AWS's own runbooks
    default names to ``..._{{global:DATE_TIME}}`` and roles to ``{{global:ACCOUNT_ID}}``);
    automation-variables.md lists one parameter referring to another as unsupported,
    though AWS-UpdateLinuxAmi does it, so that is a warning."""
    found = []
    for name, spec_ in resolver.params.items():
        if not isinstance(spec_, dict):
            continue
        for where, ref in placeholders(spec_.get("default"), ("parameters", name, "default")):
            prefix, colon, rest = ref.partition(":")
            if prefix == "ssm" and rest:
                continue
            if colon and rest in SYSTEM_VARIABLES.get(prefix, ()):
                continue
            if not colon and ref in resolver.params and ref != name:
                resolver.used.add(ref)
                found.append(
                    doc.value_finding(
                        "WU508",
                        where,
                        f"parameter {name}: its default refers to parameter {ref}",
                        "the guide lists this as unsupported; pass the value at start instead",
                    )
                )
                continue
            found.append(
                doc.value_finding(
                    "WU501",
                    where,
                    f"parameter {name}: a default can reference {{{{ssm:<name>}}}}, a system "
                    f"variable or another parameter, not {{{{{ref}}}}}",
                    "put a literal value or an {{ssm:...}} reference here",
                )
            )
    return found
