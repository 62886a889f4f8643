"""The rules CreateDocument and UpdateDocument apply to an Automation runbook's content.

One table, two users, as for the action registry: the embedded AWS answers the first
broken rule as ``InvalidDocumentContent`` (``document_checks``), and ``winupdate
validate`` reports every broken rule as an error finding with the rule's code
(``documents.structure``), with the same message. A rule is here only when the SSM User
Guide says AWS refuses it and none of AWS's own runbooks breaks it (AWS accepted all 249
of them: test/bench/test_validate_corpus.py); what AWS may accept stays a warning of the
validator's own.

The rules read the content as parsed data, step by step, so that a validator can report
every problem with its path; the runtime's ``runbook.load_runbook`` reads only content
that passed them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from .registry import spec, specs

DataPath = tuple[str | int, ...]

# documents-syntax-data-elements-parameters.md: the top-level data elements of schema 0.3.
TOP_LEVEL_KEYS = (
    "schemaVersion",
    "description",
    "assumeRole",
    "parameters",
    "variables",
    "mainSteps",
    "outputs",
    "files",
)
# documents-syntax-data-elements-parameters.md, "parameters": the fields it accepts.
PARAMETER_PROPERTIES = (
    "type",
    "description",
    "default",
    "allowedValues",
    "allowedPattern",
    "displayType",
    "minItems",
    "maxItems",
    "minChars",
    "maxChars",
)
# Same page: "type: (Required) Allowed values include the following: String, StringList,
# Integer Boolean, MapList, and StringMap" (no Float).
PARAMETER_TYPES = ("String", "StringList", "Integer", "Boolean", "MapList", "StringMap")
# AWS also types parameters by resource ("AWS::EC2::Instance::Id", "List<AWS::EC2::Image::Id>"):
# strings and lists of strings whose values the console helps to pick (139 of AWS's own
# runbooks type a parameter AWS::IAM::Role::Arn).
AWS_RESOURCE_TYPE = re.compile(r"^AWS::\w+::\w+(::\w+)*$")
AWS_RESOURCE_LIST_TYPE = re.compile(r"^List<AWS::\w+::\w+(::\w+)*>$")
# automation-actions.md, "Properties shared by all actions".
STEP_PROPERTIES = (
    "name",
    "action",
    "description",
    "inputs",
    "outputs",
    "maxAttempts",
    "timeoutSeconds",
    "onFailure",
    "onCancel",
    "isEnd",
    "isCritical",
    "nextStep",
)
# Same page, name: "Allowed pattern: [a-zA-Z0-9_]+$" (no dots, colons, spaces or dashes).
STEP_NAME = re.compile(r"^[a-zA-Z0-9_]+$")
# Same page, onCancel: "doesn't support moving to the following actions".
NO_CANCEL_TARGET = (
    "aws:approve",
    "aws:copyImage",
    "aws:createImage",
    "aws:createStack",
    "aws:createTags",
    "aws:pause",
    "aws:runInstances",
    "aws:sleep",
)
# automation-action-executeAwsApi.md, Outputs: "Integer, Boolean, String, StringList,
# StringMap, or MapList" (the page prints that line under Selector; it is Type's).
OUTPUT_TYPES = ("String", "Integer", "Boolean", "StringList", "StringMap", "MapList")
LOOP = "aws:loop"
BRANCH = "aws:branch"


@dataclass(frozen=True)
class Violation:
    """One broken rule: the validator's code, where in the content, what AWS would say.

    ``on_key``: the problem is a key's name (an unknown property), so a finding points at
    the key; otherwise at the value.
    """

    code: str
    where: DataPath
    message: str
    hint: str = ""
    on_key: bool = False


@dataclass(frozen=True)
class Rule:
    code: str
    what: str
    reference: str  # the SSM User Guide page (and section) the rule follows
    check: Callable[[dict[str, Any]], Iterator[Violation]]


def violations(data: Any) -> list[Violation]:
    """Every rule ``data`` (a parsed runbook) breaks, in the order of RULES."""
    if not isinstance(data, dict):
        return [Violation("WU102", (), "the document must be a mapping with mainSteps")]
    return [found for rule in RULES for found in rule.check(data)]


def first_violation(data: Any) -> Violation | None:
    found = violations(data)
    return found[0] if found else None


def suggest(name: Any, choices: Any, cutoff: float = 0.6) -> str:
    """'did you mean X?' for the closest of ``choices``, case-insensitively; '' if none is close."""
    by_lower = {str(c).lower(): str(c) for c in choices}
    close = get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=cutoff)
    return f"did you mean {by_lower[close[0]]!r}?" if close else ""


def parameter_base_type(kind: Any) -> str | None:
    """The plain type a parameter type behaves as (AWS::... types are strings)."""
    if kind in PARAMETER_TYPES:
        return kind
    if isinstance(kind, str) and AWS_RESOURCE_TYPE.match(kind):
        return "String"
    if isinstance(kind, str) and AWS_RESOURCE_LIST_TYPE.match(kind):
        return "StringList"
    return None


# --- the parts of a runbook the rules walk ---------------------------------------------


@dataclass(frozen=True)
class _Step:
    raw: dict[str, Any]
    where: DataPath
    label: str  # its name, or "#n" when it has none

    @property
    def name(self) -> str | None:
        name = self.raw.get("name")
        return name if isinstance(name, str) else None

    @property
    def action(self) -> str | None:
        action = self.raw.get("action")
        return action if isinstance(action, str) else None

    @property
    def inputs(self) -> dict[str, Any]:
        inputs = self.raw.get("inputs")
        return inputs if isinstance(inputs, dict) else {}


def _step_lists(data: dict[str, Any]) -> Iterator[tuple[DataPath, list[Any]]]:
    """mainSteps, then the Steps of every aws:loop in it."""
    steps = data.get("mainSteps")
    if not isinstance(steps, list):
        return
    yield ("mainSteps",), steps
    for index, raw in enumerate(steps):
        if isinstance(raw, dict) and raw.get("action") == LOOP:
            inner = (
                raw.get("inputs", {}).get("Steps") if isinstance(raw.get("inputs"), dict) else None
            )
            if isinstance(inner, list):
                yield ("mainSteps", index, "inputs", "Steps"), inner


def _steps_of(where: DataPath, items: list[Any]) -> list[_Step]:
    steps = []
    for index, raw in enumerate(items):
        if isinstance(raw, dict):
            name = raw.get("name")
            label = name if isinstance(name, str) else f"#{index + 1}"
            steps.append(_Step(raw, (*where, index), label))
    return steps


def _all_steps(data: dict[str, Any]) -> Iterator[_Step]:
    for where, items in _step_lists(data):
        yield from _steps_of(where, items)


def _names(items: list[Any]) -> dict[str, dict[str, Any]]:
    return {
        raw["name"]: raw
        for raw in items
        if isinstance(raw, dict) and isinstance(raw.get("name"), str)
    }


def step_target(value: Any) -> str | None:
    """The step an ``onFailure``/``onCancel`` of ``step:<name>`` names (None otherwise)."""
    if isinstance(value, str) and value.startswith("step:"):
        return value[5:].strip()
    return None


# --- the rules -------------------------------------------------------------------------


def _document(data: dict[str, Any]) -> Iterator[Violation]:
    steps = data.get("mainSteps")
    if not isinstance(steps, list) or not steps:
        yield Violation("WU102", ("mainSteps",), "mainSteps must be a non-empty list of steps")


def _top_level(data: dict[str, Any]) -> Iterator[Violation]:
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            hint = suggest(key, TOP_LEVEL_KEYS)
            yield Violation("WU104", (key,), f"unknown top-level key {key!r}", hint, on_key=True)


def _parameters(data: dict[str, Any]) -> Iterator[Violation]:
    params = data.get("parameters")
    if params is None:
        return
    if not isinstance(params, dict):
        yield Violation("WU110", ("parameters",), "parameters must be a mapping of name to spec")
        return
    for name, spec_ in params.items():
        where = ("parameters", name)
        if not isinstance(spec_, dict):
            yield Violation("WU110", where, f"parameter {name} must be a mapping with a type")
            continue
        for key in spec_:
            if key not in PARAMETER_PROPERTIES:
                yield Violation(
                    "WU111",
                    (*where, key),
                    f"parameter {name}: unknown property {key!r}",
                    suggest(key, PARAMETER_PROPERTIES),
                    on_key=True,
                )
        kind = spec_.get("type", "String")
        if parameter_base_type(kind) is None:
            yield Violation(
                "WU110",
                (*where, "type"),
                f"parameter {name}: unknown type {kind!r}",
                suggest(kind, PARAMETER_TYPES) or f"one of {', '.join(PARAMETER_TYPES)}",
            )


def _step_shapes(data: dict[str, Any]) -> Iterator[Violation]:
    for where, items in _step_lists(data):
        if where != ("mainSteps",) and not _is_step_list(items):
            continue  # WU208, _loop_steps
        seen: dict[str, int] = {}
        for index, raw in enumerate(items):
            at = (*where, index)
            if not isinstance(raw, dict):
                yield Violation("WU120", at, f"step #{index + 1} must be a mapping")
                continue
            name, action = raw.get("name"), raw.get("action")
            if not isinstance(name, str) or not isinstance(action, str):
                missing = " and ".join(
                    k for k, v in (("name", name), ("action", action)) if not isinstance(v, str)
                )
                yield Violation("WU120", at, f"step #{index + 1} has no {missing} (a string)")
            if isinstance(name, str):
                if name in seen:
                    yield Violation(
                        "WU121",
                        (*at, "name"),
                        f"step name {name} is used twice (also step #{seen[name] + 1})",
                        "give every step a unique name",
                    )
                seen.setdefault(name, index)
                if not STEP_NAME.match(name):
                    yield Violation(
                        "WU122",
                        (*at, "name"),
                        f"step name {name!r} may use only letters, digits and _",
                        "automation-actions.md, name: allowed pattern [a-zA-Z0-9_]+",
                    )
            label = name if isinstance(name, str) else f"#{index + 1}"
            for key in raw:
                if key not in STEP_PROPERTIES:
                    yield Violation(
                        "WU123",
                        (*at, key),
                        f"step {label}: unknown property {key!r}",
                        suggest(key, STEP_PROPERTIES),
                        on_key=True,
                    )
            yield from _common_properties(raw, at, label)


def _common_properties(step: dict[str, Any], at: DataPath, label: str) -> Iterator[Violation]:
    def bad(key: str, message: str, hint: str = "") -> Violation:
        return Violation("WU124", (*at, key), f"step {label}: {message}", hint)

    on_failure = step.get("onFailure", "Abort")
    if not (on_failure in ("Abort", "Continue") or step_target(on_failure)):
        yield bad("onFailure", f"onFailure is {on_failure!r}", "Abort, Continue or step:<name>")
    on_cancel = step.get("onCancel", "Abort")
    if not (on_cancel == "Abort" or step_target(on_cancel)):
        yield bad("onCancel", f"onCancel is {on_cancel!r}", "Abort or step:<name>")
    attempts = step.get("maxAttempts", 1)
    if not _is_int(attempts) or int(attempts) < 1:
        yield bad("maxAttempts", f"maxAttempts is {attempts!r}", "a whole number, 1 or more")
    timeout = step.get("timeoutSeconds", 1)
    if not _is_int(timeout) or int(timeout) < 1:
        hint = (
            "validate with --rendered"
            if isinstance(timeout, str) and "${" in timeout
            else "a whole number of seconds"
        )
        yield bad("timeoutSeconds", f"timeoutSeconds is {timeout!r}", hint)
    for key in ("isEnd", "isCritical"):
        value = step.get(key, False)
        if not (
            isinstance(value, bool)
            or (isinstance(value, str) and value.lower() in ("true", "false"))
        ):
            yield bad(key, f"{key} is {value!r}", "true or false")
    if "nextStep" in step and not isinstance(step["nextStep"], str):
        yield bad("nextStep", f"nextStep is {step['nextStep']!r}", "the name of a step")
    if "inputs" in step and not isinstance(step["inputs"], dict):
        yield bad("inputs", "inputs must be a mapping")
    if "outputs" in step and not isinstance(step["outputs"], list):
        yield bad("outputs", "outputs must be a list of Name/Selector/Type mappings")


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().isdigit()


def _is_step_list(items: Any) -> bool:
    return isinstance(items, list) and bool(items) and all(isinstance(s, dict) for s in items)


def _loop_steps(data: dict[str, Any]) -> Iterator[Violation]:
    """automation-action-loop.html: Steps, "the steps to run" in each pass: a list of steps."""
    for step in _steps_of(("mainSteps",), data.get("mainSteps") or []):
        if (
            step.action == LOOP
            and "Steps" in step.inputs
            and not _is_step_list(step.inputs["Steps"])
        ):
            yield Violation(
                "WU208",
                (*step.where, "inputs", "Steps"),
                f"step {step.label}: Steps must be a list of steps",
            )


def _cancel_targets(data: dict[str, Any]) -> Iterator[Violation]:
    main = data.get("mainSteps")
    main_names = _names(main) if isinstance(main, list) else {}
    for where, items in _step_lists(data):
        names = {**main_names, **_names(items)}
        for step in _steps_of(where, items):
            target = names.get(step_target(step.raw.get("onCancel")) or "")
            if target is not None and target.get("action") in NO_CANCEL_TARGET:
                yield Violation(
                    "WU124",
                    (*step.where, "onCancel"),
                    f"step {step.label}: onCancel cannot move to {target['name']}, "
                    f"an {target['action']} step",
                    "onCancel does not support moving to "
                    + ", ".join(NO_CANCEL_TARGET)
                    + " (automation-actions.md)",
                )


def _actions(data: dict[str, Any]) -> Iterator[Violation]:
    for step in _all_steps(data):
        if step.action is None:
            continue
        action = spec(step.action)
        if action is None:
            yield Violation(
                "WU201",
                (*step.where, "action"),
                f"step {step.label}: {step.action!r} is not an Automation action",
                suggest(step.action, specs()) or "see the Automation actions reference",
            )
            continue
        if action.extra_inputs:
            continue  # the request's members are botocore's to check (WU304, at run time)
        known = [i.name for i in action.inputs]
        for name in step.inputs:
            if action.input(name) is None:
                yield Violation(
                    "WU203",
                    (*step.where, "inputs", name),
                    f"step {step.label}: {step.action} has no input {name!r}",
                    suggest(name, known) or f"its inputs: {', '.join(known)}",
                    on_key=True,
                )


def _outputs(data: dict[str, Any]) -> Iterator[Violation]:
    for step in _all_steps(data):
        raw = step.raw.get("outputs")
        if not isinstance(raw, list):
            continue
        for index, output in enumerate(raw):
            at: DataPath = (*step.where, "outputs", index)
            if not isinstance(output, dict):
                yield Violation("WU205", at, f"step {step.label}: an output must be a mapping")
                continue
            for key in ("Name", "Selector"):
                if not isinstance(output.get(key), str) or not output.get(key):
                    yield Violation(
                        "WU205", at, f"step {step.label}: output #{index + 1} has no {key}"
                    )
            kind = output.get("Type", "String")
            if kind not in OUTPUT_TYPES:
                yield Violation(
                    "WU205",
                    (*at, "Type"),
                    f"step {step.label}: output type {kind!r} is unknown",
                    suggest(kind, OUTPUT_TYPES) or f"one of {', '.join(OUTPUT_TYPES)}",
                )


def jump_targets(step: dict[str, Any], where: DataPath) -> list[tuple[DataPath, str, str]]:
    """(where, property, target) of every step name a step jumps to."""
    targets: list[tuple[DataPath, str, str]] = []
    if isinstance(step.get("nextStep"), str):
        targets.append(((*where, "nextStep"), "nextStep", step["nextStep"]))
    for key in ("onFailure", "onCancel"):
        target = step_target(step.get(key))
        if target:
            targets.append(((*where, key), key, target))
    inputs = step.get("inputs")
    if step.get("action") == BRANCH and isinstance(inputs, dict):
        choices = inputs.get("Choices")
        for index, choice in enumerate(choices if isinstance(choices, list) else ()):
            if isinstance(choice, dict) and isinstance(choice.get("NextStep"), str):
                at = (*where, "inputs", "Choices", index, "NextStep")
                targets.append((at, "NextStep", choice["NextStep"]))
        if isinstance(inputs.get("Default"), str):
            targets.append(((*where, "inputs", "Default"), "Default", inputs["Default"]))
    return targets


def jumps(data: dict[str, Any]) -> Iterator[Violation]:
    """nextStep, onFailure, onCancel and a branch's NextStep and Default name a step: a
    main step's a main step; a nested step's one of its loop or a main step (AWS's own
    runbooks send a nested step's jumps out to main steps; automation-action-loop.html:
    the loop inherits its steps' onFailure)."""
    main = data.get("mainSteps")
    main_names = set(_names(main)) if isinstance(main, list) else set()
    for where, items in _step_lists(data):
        names = main_names | set(_names(items))
        for step in _steps_of(where, items):
            for at, key, target in jump_targets(step.raw, step.where):
                if target not in names:
                    yield Violation(
                        "WU401",
                        at,
                        f"step {step.label}: {key} names {target!r}, which is not a step",
                        suggest(target, names) or f"steps: {', '.join(sorted(names))}",
                    )


def step_output_names(step: dict[str, Any]) -> set[str]:
    """Output names a step has when it succeeds: its action's and the ones it declares."""
    action = spec(step.get("action")) if isinstance(step.get("action"), str) else None
    names = {o.name for o in action.outputs} if action else set()
    outputs = step.get("outputs")
    for output in outputs if isinstance(outputs, list) else ():
        if isinstance(output, dict) and isinstance(output.get("Name"), str):
            names.add(output["Name"])
    return names


def _document_outputs(data: dict[str, Any]) -> Iterator[Violation]:
    """documents-syntax-data-elements-parameters.md, outputs: "Data generated by the
    execution of this document", e.g. "CreateImage.ImageId": each one a step's output."""
    outputs = data.get("outputs")
    if outputs is None:
        return
    if not isinstance(outputs, list):
        yield Violation("WU507", ("outputs",), "outputs must be a list of Step.Output names")
        return
    steps = {s.name: s.raw for s in _all_steps(data) if s.name is not None}
    for index, entry in enumerate(outputs):
        owner, _, output = str(entry).partition(".")
        step = steps.get(owner)
        if step is None or output not in step_output_names(step):
            known = sorted(f"{s}.{o}" for s, raw in steps.items() for o in step_output_names(raw))
            yield Violation(
                "WU507",
                ("outputs", index),
                f"output {entry!r} is not an output of any step",
                suggest(entry, known) or "write Step.Output for an output a step declares",
            )


_SYNTAX = "documents-syntax-data-elements-parameters.md"
RULES: tuple[Rule, ...] = (
    Rule("WU102", "mainSteps is a non-empty list", _SYNTAX, _document),
    Rule("WU104", "only the schema's top-level keys", _SYNTAX, _top_level),
    Rule(
        "WU110",
        "parameters are mappings of a known type, with known properties (WU110, WU111)",
        f"{_SYNTAX}, parameters",
        _parameters,
    ),
    Rule(
        "WU120",
        "steps: named, unique, allowed names, shared properties only, valid values "
        "(WU120-WU124; a loop's Steps, WU208)",
        "automation-actions.md, Properties shared by all actions",
        _step_shapes,
    ),
    Rule(
        "WU208",
        "an aws:loop's Steps is a list of steps",
        "automation-action-loop.html, Steps",
        _loop_steps,
    ),
    Rule(
        "WU124",
        "onCancel does not move to an action that cannot take it",
        "automation-actions.md, Properties shared by all actions, onCancel",
        _cancel_targets,
    ),
    Rule(
        "WU201",
        "actions are Automation actions, with their own inputs (WU201, WU203)",
        "automation-actions.md and each action's page",
        _actions,
    ),
    Rule(
        "WU205",
        "step outputs have a Name, a Selector and a known Type",
        "automation-action-executeAwsApi.md, Outputs",
        _outputs,
    ),
    Rule(
        "WU401",
        "every jump names a step",
        "automation-actions.md (nextStep, onFailure, onCancel); automation-action-branch.md",
        jumps,
    ),
    Rule(
        "WU507",
        "document outputs name step outputs",
        f"{_SYNTAX}, outputs; automation-action-outputs-inputs.md",
        _document_outputs,
    ),
)

# Every code a rule may report: these are refusals (errors) wherever they are reported.
CODES = (
    "WU102",
    "WU104",
    "WU110",
    "WU111",
    "WU120",
    "WU121",
    "WU122",
    "WU123",
    "WU124",
    "WU201",
    "WU203",
    "WU205",
    "WU208",
    "WU401",
    "WU507",
)
