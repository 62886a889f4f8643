"""Check 2, actions: required inputs are there, values have the declared types, output
selectors parse, branches and loops are well formed.

That each step's action is in the registry (the same table the runtime runs from), its
inputs are the action's and its outputs are declared with Name, Selector and a known Type
is what CreateDocument refuses: ``document_rules``, reported by ``structure``."""

from __future__ import annotations

from typing import Any

from ..local.automation.document_rules import OUTPUT_TYPES, suggest
from ..local.automation.registry import ActionSpec, spec
from ..local.automation.selectors import SelectorError, compile_selector
from ..local.automation.variables import PLACEHOLDER
from .context import Context
from .findings import WARNING, Finding, graded
from .loader import DataPath, Source
from .model import BRANCH, LOOP, StepRef, all_steps, parameters
from .structure import article, parameter_base_type

__all__ = ["OUTPUT_TYPES", "suggest"]  # read by the other check families
LISTS = ("StringList", "MapList")

# automation-action-branch.md: the operators of a choice.
BRANCH_OPERATORS = (
    "StringEquals",
    "EqualsIgnoreCase",
    "StartsWith",
    "EndsWith",
    "Contains",
    "NumericEquals",
    "NumericGreater",
    "NumericLesser",
    "NumericGreaterOrEquals",
    "NumericLesserOrEquals",
    "BooleanEquals",
)


def check(doc: Source, ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    types = variable_types(doc)
    for step in all_steps(doc):
        action = spec(step.action)
        if action is None:
            continue  # WU201 (document_rules)
        found += _inputs(doc, step, action, types)
        found += _outputs(doc, step)
        if step.action == BRANCH:
            found += _branch(doc, step)
        elif step.action == LOOP:
            found += _loop(doc, step)
        elif step.action == "aws:executeScript":
            found += _runtime(doc, step)
    return found


# automation-action-executeScript.md once listed these; AWS no longer creates or runs
# scripts on them (the "retired" runtimes: 23 AWS runbooks still name them).
RETIRED_RUNTIMES = ("python3.6", "python3.7", "python3.8")


def _runtime(doc: Source, step: StepRef) -> list[Finding]:
    runtime = step.inputs.get("Runtime")
    if not isinstance(runtime, str) or runtime.strip() not in RETIRED_RUNTIMES:
        return []
    return [
        doc.value_finding(
            "WU209",
            (*step.where, "inputs", "Runtime"),
            f"step {step.name}: Runtime {runtime} is retired; AWS no longer runs it",
            "use python3.11",
        )
    ]


def _loop(doc: Source, step: StepRef) -> list[Finding]:
    """automation-action-loop.html: "only specify either the Iterators or LoopCondition
    input parameter", and the loop runs its Steps."""
    inputs, at = step.inputs, (*step.where, "inputs")
    found = []
    if ("Iterators" in inputs) == ("LoopCondition" in inputs):
        found.append(
            doc.finding(
                "WU208",
                at,
                f"step {step.name}: an aws:loop takes Iterators or LoopCondition, "
                + ("not both" if "Iterators" in inputs else "and has neither"),
                "Iterators for a for-each loop, LoopCondition for a do-while loop",
            )
        )
    return found


def _inputs(doc: Source, step: StepRef, action: ActionSpec, types: dict[str, str]) -> list[Finding]:
    found = []
    at = (*step.where, "inputs")
    for name in action.required_inputs:
        if name not in step.inputs:
            found.append(
                doc.finding(
                    "WU202",
                    at if "inputs" in step.raw else step.where,
                    f"step {step.name}: {step.action} requires input {name}",
                    f"add {name} under inputs",
                )
            )
    for name, value in step.inputs.items():
        declared = action.input(name)
        if declared is None:
            continue  # WU203 (document_rules) or, for an API call, WU304 (apis)
        problem = type_mismatch(value, declared.type, types)
        if problem:
            finding = doc.value_finding(
                "WU204",
                (*at, name),
                f"step {step.name}: input {name} must be {article(declared.type)}; {problem}",
                _type_hint(declared.type),
            )
            # A variable of another type is converted at run time where it can be
            # (AWS-UpdateLinuxAmi passes runInstances' StringList InstanceIds to
            # aws:createImage's String InstanceId): only its value decides.
            variable = placeholder_type(value, types)
            found.append(graded(finding, WARNING) if variable else finding)
    return found


def _type_hint(kind: str) -> str:
    return {
        "StringList": "write a YAML list, e.g. ['{{ Name }}']",
        "MapList": "write a list of mappings",
        "StringMap": "write a mapping",
        "Integer": "write a whole number",
        "Boolean": "write true or false",
        "String": "write a single string",
    }.get(kind, "")


def variable_types(doc: Source) -> dict[str, str]:
    """The type of every variable whose type the document states: parameters and step outputs."""
    types: dict[str, str] = {}
    for name, param in parameters(doc).items():
        base = parameter_base_type(param.get("type", "String")) if isinstance(param, dict) else None
        if base:
            types[name] = base
    for step in all_steps(doc):
        action = spec(step.action)
        for output in action.outputs if action else ():
            types[f"{step.name}.{output.name}"] = output.type
        for output in step.declared_outputs:
            if isinstance(output.get("Name"), str):
                types[f"{step.name}.{output['Name']}"] = str(output.get("Type", "String"))
    return types


def placeholder_type(value: Any, types: dict[str, str]) -> str | None:
    """The type of a value that is exactly one ``{{ name }}``.

    '' when it is not one placeholder, None when the variable's type is not known.
    """
    if not isinstance(value, str):
        return ""
    whole = PLACEHOLDER.fullmatch(value.strip())
    if whole is None:
        return ""
    return types.get(whole.group(1))


def type_mismatch(value: Any, kind: str, types: dict[str, str]) -> str:
    """Why ``value`` cannot be an input of type ``kind`` ('' when it can or cannot be known).

    Only what surely fails is reported: a list where one value is wanted, a single
    value where a list or mapping is wanted, words where a number or a boolean is.
    Automation turns numbers and booleans into text, so those are fine as strings.
    """
    if kind == "Any":
        return ""
    variable = placeholder_type(value, types)
    if variable is None:
        return ""
    if variable:
        wanted_list, got_list = kind in LISTS, variable in LISTS
        if wanted_list != got_list or (kind == "StringMap") != (variable == "StringMap"):
            return f"{value.strip()} is a {variable}"
        return ""
    if kind == "String":
        return "" if not isinstance(value, list | dict) else f"got a {_kind(value)}"
    if kind == "Integer":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str)
            and (value.strip().lstrip("-").isdigit() or PLACEHOLDER.search(value))
        )
        return "" if ok else f"got {value!r}"
    if kind == "Boolean":
        ok = isinstance(value, bool) or (
            isinstance(value, str)
            and (value.strip().lower() in ("true", "false") or PLACEHOLDER.search(value))
        )
        return "" if ok else f"got {value!r}"
    if kind == "StringList":
        if not isinstance(value, list):
            return f"got a {_kind(value)}"
        return (
            ""
            if all(not isinstance(v, list | dict) for v in value)
            else "an item is not a single value"
        )
    if kind == "MapList":
        if not isinstance(value, list):
            return f"got a {_kind(value)}"
        # An item may be a mapping or a variable that stands for one.
        ok = all(isinstance(v, dict) or placeholder_type(v, types) != "" for v in value)
        return "" if ok else "an item is not a mapping"
    if kind == "StringMap":
        return "" if isinstance(value, dict) else f"got a {_kind(value)}"
    return ""


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return f"single value {value!r}"


def _outputs(doc: Source, step: StepRef) -> list[Finding]:
    raw = step.raw.get("outputs")
    if not isinstance(raw, list):
        return []
    found = []
    for index, output in enumerate(raw):
        at: DataPath = (*step.where, "outputs", index)
        if not isinstance(output, dict):
            continue  # WU205 (document_rules)
        selector = output.get("Selector")
        if isinstance(selector, str) and selector:
            problem = selector_problem(selector)
            if problem:
                finding = doc.value_finding(
                    "WU206",
                    (*at, "Selector"),
                    f"step {step.name}: output Selector {selector!r} {problem}",
                    "a JSONPath such as $.Payload.Name",
                )
                found.append(selector_finding(finding, problem))
    return found


NO_ROOT = "does not start with $"


def selector_problem(selector: str) -> str:
    """Why ``selector`` is not a JSONPath ('' when it is); NO_ROOT when only its $ is missing.

    AWS's own runbooks write selectors without the root (``SnapshotId``,
    ``Stacks[0].StackStatus``) and AWS accepts them, read from the root as ``$.``.
    """
    rooted = selector if selector.startswith("$") else "$." + selector
    try:
        compile_selector(rooted)
    except SelectorError:
        return "is not a JSONPath"
    return "" if rooted == selector else NO_ROOT


def selector_finding(finding: Finding, problem: str) -> Finding:
    """A selector without its $ works, so it is a warning; one that does not parse is not."""
    return graded(finding, WARNING) if problem == NO_ROOT else finding


def _branch(doc: Source, step: StepRef) -> list[Finding]:
    choices = step.inputs.get("Choices")
    at = (*step.where, "inputs", "Choices")
    if not isinstance(choices, list) or not choices:
        return [
            doc.value_finding("WU207", at, f"step {step.name}: Choices must be a non-empty list")
        ]
    found = []
    for index, choice in enumerate(choices):
        if isinstance(choice, dict) and not isinstance(choice.get("NextStep"), str):
            found.append(
                doc.value_finding(
                    "WU207", (*at, index), f"step {step.name}: choice #{index + 1} has no NextStep"
                )
            )
        found += _choice(doc, step, choice, (*at, index), top=True)
    return found


def _choice(doc: Source, step: StepRef, choice: Any, at: DataPath, top: bool) -> list[Finding]:
    if not isinstance(choice, dict):
        return [doc.value_finding("WU207", at, f"step {step.name}: a choice must be a mapping")]
    allowed = {"Variable", *BRANCH_OPERATORS, "And", "Or", "Not"} | ({"NextStep"} if top else set())
    found = [
        doc.finding(
            "WU207",
            (*at, key),
            f"step {step.name}: a choice has no key {key!r}",
            suggest(key, sorted(allowed)),
        )
        for key in choice
        if key not in allowed
    ]
    if "And" in choice or "Or" in choice:
        key = "And" if "And" in choice else "Or"
        items = choice[key]
        if not isinstance(items, list) or not items:
            return [
                *found,
                doc.value_finding(
                    "WU207", (*at, key), f"step {step.name}: {key} needs a list of choices"
                ),
            ]
        for index, item in enumerate(items):
            found += _choice(doc, step, item, (*at, key, index), top=False)
        return found
    if "Not" in choice:
        return found + _choice(doc, step, choice["Not"], (*at, "Not"), top=False)
    operators = [k for k in choice if k in BRANCH_OPERATORS]
    if "Variable" not in choice or len(operators) != 1:
        found.append(
            doc.value_finding(
                "WU207",
                at,
                f"step {step.name}: a choice needs a Variable and exactly one operator",
                "e.g. Variable: '{{ Name }}' with StringEquals: value; "
                f"operators: {', '.join(BRANCH_OPERATORS)}",
            )
        )
    return found
