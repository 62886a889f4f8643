"""Check 1, structure: the shape AWS checks at CreateDocument, and a little more.

Top-level keys, parameters and the properties every step shares are those of the
SSM User Guide ("Data elements and parameters" for schema 0.3, and "Properties
shared by all actions" in automation-actions.md).
"""

from __future__ import annotations

import re
from dataclasses import replace
from difflib import get_close_matches
from typing import Any

from ..local.automation import document_rules
from ..local.automation.document_rules import (
    parameter_base_type,
)
from ..local.automation.registry import specs
from ..local.automation.variables import PLACEHOLDER
from .context import Context, is_aws_owned_name
from .findings import WARNING, Finding, graded
from .java_regex import JavaPatternError, compile_java
from .loader import Source

# The rules AWS applies at CreateDocument are the embedded AWS's (``document_rules``):
# one table, read here and by CreateDocument, reported with the same messages.
STEP_NAME = document_rules.STEP_NAME
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
    found += create_document_findings(doc)
    found += _parameters(doc, data.get("parameters"))
    return found


def create_document_findings(doc: Source) -> list[Finding]:
    """What CreateDocument refuses (``document_rules``), as findings with the same messages.

    One exception: an action the reference does not list is a warning in a document with
    an AWS-reserved name (AWS's own use aws:putServerUpgradeMetrics, aws:shareSQLMedia, and
    AWS runs them for itself); nobody else can create a document so named.
    """
    found = []
    for broken in document_rules.violations(doc.data):
        make = doc.finding if broken.on_key else doc.value_finding
        finding = make(broken.code, broken.where, broken.message, broken.hint)
        if broken.code == "WU201" and is_aws_owned_name(doc.name):
            action = doc.data
            for part in broken.where:
                action = action[part]
            if not document_rules.suggest(action, specs(), 0.9):
                message = broken.message.replace(
                    " is not an Automation action",
                    " is not in the Automation actions reference; "
                    "only AWS's own documents may use it",
                )
                hint = "its inputs and outputs are not checked"
                finding = graded(replace(finding, message=message, hint=hint), WARNING)
        found.append(finding)
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
    """Defaults, allowedValues and allowedPattern; the rest is ``document_rules``'."""
    if not isinstance(params, dict):
        return []
    found = []
    for name, spec in params.items():
        if not isinstance(spec, dict):
            continue
        base = parameter_base_type(spec.get("type", "String"))
        if base is not None:
            found += _default(doc, name, spec, base)
    return found


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
