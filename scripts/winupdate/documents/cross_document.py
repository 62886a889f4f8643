"""Check 6, cross-document: a runbook that starts another document names one that
exists (validated together with it, or AWS-owned) and passes it only parameters it
has, including every parameter it requires.

Three ways to start a document are checked: aws:executeAutomation
(RuntimeParameters), aws:runCommand (Parameters), and ssm StartAutomationExecution /
SendCommand through the API actions (Parameters), which the seed uses.
"""

from __future__ import annotations

from typing import Any

from .actions import suggest
from .apis import API_ACTIONS
from .context import AUTOMATION, COMMAND, Context, is_aws_owned_name
from .findings import Finding
from .loader import DataPath, Source
from .model import StepRef, all_steps

_API_CALLS = {"StartAutomationExecution": AUTOMATION, "SendCommand": COMMAND}


def _call(step: StepRef) -> tuple[str, str] | None:
    """(parameters input, expected document type) when ``step`` starts a document."""
    if step.action == "aws:executeAutomation":
        return "RuntimeParameters", AUTOMATION
    if step.action == "aws:runCommand":
        return "Parameters", COMMAND
    if step.action in API_ACTIONS and str(step.inputs.get("Service", "")).lower() == "ssm":
        kind = _API_CALLS.get(str(step.inputs.get("Api", "")))
        if kind:
            return "Parameters", kind
    return None


def check(doc: Source, ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    for step in all_steps(doc):
        call = _call(step)
        if call is not None:
            found += _document(doc, ctx, step, *call)
    return found


def _document(
    doc: Source, ctx: Context, step: StepRef, params_key: str, kind: str
) -> list[Finding]:
    at: DataPath = (*step.where, "inputs")
    name = step.inputs.get("DocumentName")
    # A variable, an ARN or a shared document from another account is only known at run time.
    if not isinstance(name, str) or "{{" in name or name.startswith("arn:"):
        return []
    info = ctx.documents.get(name)
    if info is None and is_aws_owned_name(name) and not suggest(name, ctx.documents, 0.9):
        # A reserved name is AWS's own: it exists, with parameters not known here. Only one
        # a letter or two from a known document is worth a word (a typo, most likely).
        return []
    if info is None:
        # The account may hold it: only a run that cannot find it fails.
        return [
            doc.value_finding(
                "WU601",
                (*at, "DocumentName"),
                f"step {step.name}: document {name!r} is not among the validated documents; "
                "a run fails unless the account has it",
                suggest(name, ctx.documents) or "validate it together with this runbook",
            )
        ]
    if info.type is not None and info.type != kind:
        return [
            doc.value_finding(
                "WU604",
                (*at, "DocumentName"),
                f"step {step.name}: {name} is a {info.type} document; {step.action} "
                + (
                    "starts an Automation runbook"
                    if kind == AUTOMATION
                    else "runs a Command document"
                ),
                "use aws:runCommand for Command documents, aws:executeAutomation for runbooks",
            )
        ]
    if info.parameters is None:
        return []
    passed: Any = step.inputs.get(params_key, {})
    if isinstance(passed, str) and "{{" in passed:
        return []  # the whole map is a variable
    passed = passed if isinstance(passed, dict) else {}
    found = []
    for param in passed:
        if param not in info.parameters:
            found.append(
                doc.finding(
                    "WU602",
                    (*at, params_key, param),
                    f"step {step.name}: {name} has no parameter {param!r}",
                    suggest(param, info.parameters)
                    or f"its parameters: {', '.join(info.parameters) or 'none'}",
                )
            )
    target = step.inputs.get("TargetParameterName")
    for param, required in info.parameters.items():
        if required and param not in passed and param != target:
            found.append(
                doc.value_finding(
                    "WU603",
                    (*at, "DocumentName"),
                    f"step {step.name}: {name} requires parameter {param}, which is not passed",
                    f"add {param} under {params_key}",
                )
            )
    return found
