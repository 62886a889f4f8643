"""Check 1, structure: the shape AWS checks at CreateDocument, and a little more.

Top-level keys, parameters and the properties every step shares are those of the
SSM User Guide ("Data elements and parameters" for schema 0.3, and "Properties
shared by all actions" in automation-actions.md).
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from typing import Any

from ..local.automation.variables import PLACEHOLDER
from .context import Context
from .findings import WARNING, Finding, graded
from .java_regex import JavaPatternError, compile_java
from .loader import Source

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
PARAMETER_TYPES = ("String", "StringList", "Integer", "Boolean", "MapList", "StringMap")
# AWS also types parameters by resource ("AWS::EC2::Instance::Id", "List<AWS::EC2::Image::Id>"):
# strings and lists of strings whose values the console helps to pick.
AWS_RESOURCE_TYPE = re.compile(r"^AWS::\w+::\w+(::\w+)*$")
AWS_RESOURCE_LIST_TYPE = re.compile(r"^List<AWS::\w+::\w+(::\w+)*>$")
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
# Step names end up in "{{ Step.Output }}" and "step:Step": no dots, colons or spaces.
STEP_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# A Terraform templatefile marker that is not the "$${" escape.
TEMPLATE_MARKER = re.compile(r"(?<!\$)\$\{")
# documents-schemas-features.md: "Documents of type Command can use schema version 1.2,
# 2.0, and 2.2"; Automation "must use schema version 0.3".
OTHER_SCHEMA_VERSIONS = {"1.2": "Command", "2.0": "Command", "2.2": "Command"}
# Change Manager templates are schemaVersion 0.3 too; these keys are theirs alone.
CHANGE_TEMPLATE_KEYS = ("templateInformation", "executableRunBooks", "emergencyChange")


def other_kind(data: Any) -> str | None:
    """The kind of document ``data`` is when it is plainly not an Automation runbook."""
    if not isinstance(data, dict):
        return None
    if any(key in data for key in CHANGE_TEMPLATE_KEYS):
        return "a Change Manager template"
    kind = OTHER_SCHEMA_VERSIONS.get(str(data.get("schemaVersion")))
    return f"a {kind} document" if kind else None


def check(doc: Source, ctx: Context) -> list[Finding]:
    found: list[Finding] = [
        doc.finding("WU105", where, f"key {where[-1]!r} appears twice; YAML keeps only the last")
        for where, _ in doc.duplicates
    ]
    if not ctx.rendered:
        found += _template_markers(doc)
    data = doc.data
    if not isinstance(data, dict):
        return [*found, doc.finding("WU102", (), "the document must be a mapping with mainSteps")]
    version = data.get("schemaVersion")
    kind = other_kind(data)
    if kind is not None:
        # One line instead of a list of errors that only say it is not a runbook.
        notice = doc.value_finding(
            "WU103",
            ("schemaVersion",),
            f"{kind} (schemaVersion {version!r}), not an Automation runbook: not checked",
            "validate Automation runbooks (schemaVersion '0.3') only",
        )
        return [*found, graded(notice, WARNING)]
    if str(version) != "0.3":
        found.append(
            doc.value_finding(
                "WU103",
                ("schemaVersion",),
                f"schemaVersion is {version!r}; Automation runbooks are '0.3'",
                "schemaVersion: '0.3' (quoted, so YAML keeps it a string)",
            )
        )
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            found.append(
                doc.finding(
                    "WU104", (key,), f"unknown top-level key {key!r}", _suggest(key, TOP_LEVEL_KEYS)
                )
            )
    found += _parameters(doc, data.get("parameters"))
    found += _steps(doc, data.get("mainSteps"), ("mainSteps",))
    return found


def _template_markers(doc: Source) -> list[Finding]:
    match = TEMPLATE_MARKER.search(doc.text)
    if match is None:
        return []
    line = doc.text.count("\n", 0, match.start()) + 1
    col = match.start() - (doc.text.rfind("\n", 0, match.start()) + 1) + 1
    finding = doc.finding(
        "WU106",
        (),
        "the file has Terraform template markers (${...}); values here are not what AWS gets",
        "validate the module's documents with --rendered",
    )
    return [type(finding)(**{**finding.as_dict(), "line": line, "col": col})]


def _suggest(name: Any, choices: Any) -> str:
    close = get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


# --- parameters ----------------------------------------------------------------------


def _parameters(doc: Source, params: Any) -> list[Finding]:
    if params is None:
        return []
    if not isinstance(params, dict):
        return [
            doc.finding("WU110", ("parameters",), "parameters must be a mapping of name to spec")
        ]
    found = []
    for name, spec in params.items():
        where = ("parameters", name)
        if not isinstance(spec, dict):
            found.append(
                doc.finding("WU110", where, f"parameter {name} must be a mapping with a type")
            )
            continue
        for key in spec:
            if key not in PARAMETER_PROPERTIES:
                found.append(
                    doc.finding(
                        "WU111",
                        (*where, key),
                        f"parameter {name}: unknown property {key!r}",
                        _suggest(key, PARAMETER_PROPERTIES),
                    )
                )
        kind = spec.get("type", "String")
        base = parameter_base_type(kind)
        if base is None:
            found.append(
                doc.value_finding(
                    "WU110",
                    (*where, "type"),
                    f"parameter {name}: unknown type {kind!r}",
                    _suggest(kind, PARAMETER_TYPES) or f"one of {', '.join(PARAMETER_TYPES)}",
                )
            )
            continue
        found += _default(doc, name, spec, base)
    return found


def parameter_base_type(kind: Any) -> str | None:
    """The plain type a parameter type behaves as (AWS::... types are strings)."""
    if kind in PARAMETER_TYPES:
        return kind
    if isinstance(kind, str) and AWS_RESOURCE_TYPE.match(kind):
        return "String"
    if isinstance(kind, str) and AWS_RESOURCE_LIST_TYPE.match(kind):
        return "StringList"
    return None


def _default(doc: Source, name: str, spec: dict[str, Any], base: str) -> list[Finding]:
    where = ("parameters", name)
    allowed = spec.get("allowedValues")
    found = []
    if allowed is not None and not isinstance(allowed, list):
        found.append(
            doc.value_finding(
                "WU113",
                (*where, "allowedValues"),
                f"parameter {name}: allowedValues must be a list",
            )
        )
        allowed = None
    pattern = spec.get("allowedPattern")
    compiled = None
    if pattern is not None:
        try:
            compiled = compile_java(str(pattern))
        except JavaPatternError as err:
            found.append(
                doc.value_finding(
                    "WU114",
                    (*where, "allowedPattern"),
                    f"parameter {name}: allowedPattern is not a Java regular expression: {err}",
                    "AWS compiles it with java.util.regex when the runbook is used",
                )
            )
    if "default" not in spec:
        return found
    default = spec["default"]
    # A run-time reference is resolved by Automation; its type is only known then.
    if isinstance(default, str) and PLACEHOLDER.search(default):
        return found
    problem = type_problem(default, base)
    if problem:
        return [
            *found,
            doc.value_finding(
                "WU112",
                (*where, "default"),
                f"parameter {name}: default {default!r} is {problem}, not {article(base)}",
                _default_hint(default, base),
            ),
        ]
    # An empty default stands for "no value": the guide's own example pairs default ''
    # with an allowedPattern it does not match (documents-syntax-data-elements-parameters.md),
    # and the pattern is applied to "the user input". A default that misses either is only a
    # problem for a run that is not given a value, so it is a warning.
    values = [v for v in (default if base == "StringList" else [default]) if v != ""]
    if allowed is not None:
        for value in values:
            if value not in allowed:
                finding = doc.value_finding(
                    "WU113",
                    (*where, "default"),
                    f"parameter {name}: default {value!r} is not one of allowedValues {allowed}",
                    _suggest(value, allowed) or "a run given no value for it fails to start",
                )
                found.append(graded(finding, WARNING))
    if compiled is not None:
        for value in values:
            if isinstance(value, str) and compiled.accepts(value) is False:
                finding = doc.value_finding(
                    "WU114",
                    (*where, "default"),
                    f"parameter {name}: default {value!r} "
                    f"does not match allowedPattern {pattern!r}",
                    "a run given no value for it fails to start; change the default or the pattern",
                )
                found.append(graded(finding, WARNING))
    return found


def type_problem(value: Any, base: str) -> str:
    """What ``value`` is when it is not a literal of parameter type ``base`` ('' when it is)."""
    what = describe(value)
    if base == "String":
        ok = isinstance(value, str)
    elif base == "Integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif base == "Boolean":
        ok = isinstance(value, bool)
    elif base == "StringList":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        what = "a list with an item that is not text" if isinstance(value, list) else what
    elif base == "StringMap":
        ok = isinstance(value, dict)
    elif base == "MapList":
        ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
        what = "a list with an item that is not a mapping" if isinstance(value, list) else what
    else:
        ok = True
    return "" if ok else what


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "empty" if value is None else type(value).__name__


def article(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "AEIOU" else f"a {kind}"


def _default_hint(value: Any, base: str) -> str:
    if isinstance(value, str) and TEMPLATE_MARKER.search(value):
        return "this is a Terraform template value: validate with --rendered"
    return {
        "String": "quote it: default: '...'",
        "Integer": "write a whole number without quotes",
        "Boolean": "write true or false without quotes",
        "StringList": "write a YAML list of strings",
        "StringMap": "write a mapping",
        "MapList": "write a list of mappings",
    }[base]


# --- steps ---------------------------------------------------------------------------


def _steps(doc: Source, steps: Any, where: tuple[Any, ...]) -> list[Finding]:
    if not isinstance(steps, list) or not steps:
        return [doc.finding("WU102", where, "mainSteps must be a non-empty list of steps")]
    found: list[Finding] = []
    seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        at = (*where, index)
        if not isinstance(step, dict):
            found.append(doc.value_finding("WU120", at, f"step #{index + 1} must be a mapping"))
            continue
        name, action = step.get("name"), step.get("action")
        if not isinstance(name, str) or not isinstance(action, str):
            missing = " and ".join(
                k for k, v in (("name", name), ("action", action)) if not isinstance(v, str)
            )
            found.append(
                doc.value_finding("WU120", at, f"step #{index + 1} has no {missing} (a string)")
            )
        if isinstance(name, str):
            if name in seen:
                found.append(
                    doc.value_finding(
                        "WU121",
                        (*at, "name"),
                        f"step name {name} is used twice (also step #{seen[name] + 1})",
                        "give every step a unique name",
                    )
                )
            seen.setdefault(name, index)
            if not STEP_NAME.match(name):
                found.append(
                    doc.value_finding(
                        "WU122",
                        (*at, "name"),
                        f"step name {name!r} may use only letters, digits, _ and -",
                        "step names appear in {{Step.Output}} and step:Step",
                    )
                )
        label = name if isinstance(name, str) else f"#{index + 1}"
        for key in step:
            if key not in STEP_PROPERTIES:
                found.append(
                    doc.finding(
                        "WU123",
                        (*at, key),
                        f"step {label}: unknown property {key!r}",
                        _suggest(key, STEP_PROPERTIES),
                    )
                )
        found += _common_properties(doc, step, at, label)
    return found


def _common_properties(
    doc: Source, step: dict[str, Any], at: tuple[Any, ...], label: str
) -> list[Finding]:
    found = []

    def bad(key: str, message: str, hint: str = "") -> None:
        found.append(doc.value_finding("WU124", (*at, key), f"step {label}: {message}", hint))

    on_failure = step.get("onFailure", "Abort")
    if not (on_failure in ("Abort", "Continue") or _is_step_ref(on_failure)):
        bad("onFailure", f"onFailure is {on_failure!r}", "Abort, Continue or step:<name>")
    on_cancel = step.get("onCancel", "Abort")
    if not (on_cancel == "Abort" or _is_step_ref(on_cancel)):
        bad("onCancel", f"onCancel is {on_cancel!r}", "Abort or step:<name>")
    attempts = step.get("maxAttempts", 1)
    if not _is_int(attempts) or int(attempts) < 1:
        bad("maxAttempts", f"maxAttempts is {attempts!r}", "a whole number, 1 or more")
    timeout = step.get("timeoutSeconds", 1)
    if not _is_int(timeout) or int(timeout) < 1:
        hint = (
            "validate with --rendered"
            if isinstance(timeout, str) and "${" in timeout
            else ("a whole number of seconds")
        )
        bad("timeoutSeconds", f"timeoutSeconds is {timeout!r}", hint)
    for key in ("isEnd", "isCritical"):
        value = step.get(key, False)
        if not (
            isinstance(value, bool)
            or (isinstance(value, str) and value.lower() in ("true", "false"))
        ):
            bad(key, f"{key} is {value!r}", "true or false")
    if "nextStep" in step and not isinstance(step["nextStep"], str):
        bad("nextStep", f"nextStep is {step['nextStep']!r}", "the name of a step")
    if "inputs" in step and not isinstance(step["inputs"], dict):
        bad("inputs", "inputs must be a mapping")
    if "outputs" in step and not isinstance(step["outputs"], list):
        bad("outputs", "outputs must be a list of Name/Selector/Type mappings")
    return found


def _is_step_ref(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("step:") and bool(value[5:].strip())


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().isdigit()
