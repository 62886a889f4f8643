"""A finding of the runbook validator: one problem at one place, with a fix hint.

Codes are stable and grouped by check family (WU1xx structure, WU2xx actions,
WU3xx AWS APIs, WU4xx flow, WU5xx variables, WU6xx cross-document, WU7xx project
rules); the README's "Validating runbooks" table lists them. Each code has one
severity, so a code alone says whether a finding fails the run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"

# code -> (severity, what it means). The README table is written from this.
CODES: dict[str, tuple[str, str]] = {
    "WU101": (ERROR, "the file is not valid YAML or JSON"),
    "WU102": (ERROR, "the document is not a mapping with a non-empty mainSteps list"),
    "WU103": (ERROR, "schemaVersion is not '0.3'"),
    "WU104": (ERROR, "unknown top-level key"),
    "WU105": (ERROR, "a key appears twice in one mapping"),
    "WU106": (WARNING, "unrendered Terraform template markers (validate with --rendered)"),
    "WU110": (ERROR, "parameter is not a mapping, or its type is unknown"),
    "WU111": (ERROR, "unknown parameter property"),
    "WU112": (ERROR, "parameter default does not have the parameter's type"),
    "WU113": (ERROR, "parameter default is not one of allowedValues"),
    "WU114": (ERROR, "allowedPattern is not a regular expression, or the default does not match"),
    "WU120": (ERROR, "step is not a mapping with a name and an action"),
    "WU121": (ERROR, "step name used twice"),
    "WU122": (ERROR, "step name has characters Automation does not allow"),
    "WU123": (ERROR, "unknown step property"),
    "WU124": (ERROR, "step property has a value Automation rejects"),
    "WU201": (ERROR, "the action is not an Automation action"),
    "WU202": (ERROR, "a required input is missing"),
    "WU203": (ERROR, "the action has no input of that name"),
    "WU204": (ERROR, "the input's value has the wrong type"),
    "WU205": (ERROR, "an output declaration lacks Name or Selector, or has an unknown Type"),
    "WU206": (ERROR, "an output Selector is not a JSONPath"),
    "WU207": (ERROR, "an aws:branch choice is malformed"),
    "WU301": (ERROR, "Service is not a boto3 service namespace"),
    "WU302": (ERROR, "Api is not an operation of the service"),
    "WU303": (WARNING, "Api is written in snake_case; the reference writes operation names"),
    "WU304": (ERROR, "the input is not a member of the operation's request"),
    "WU305": (ERROR, "a member the operation requires is missing"),
    "WU306": (ERROR, "a request member has the wrong shape (list, map or structure)"),
    "WU307": (ERROR, "PropertySelector is not a JSONPath"),
    "WU401": (ERROR, "nextStep, onFailure, onCancel or a branch names a step that does not exist"),
    "WU402": (WARNING, "no path reaches the step"),
    "WU403": (WARNING, "the run can end after the last step without isEnd"),
    "WU404": (ERROR, "a cycle of steps with no branch to leave it"),
    "WU405": (WARNING, "onFailure jumps ahead into the success path, skipping steps"),
    "WU406": (WARNING, "aws:branch without Default fails when no choice matches"),
    "WU407": (WARNING, "isEnd: true together with nextStep (nextStep is never taken)"),
    "WU501": (ERROR, "the variable names no parameter, step output or system variable"),
    "WU502": (ERROR, "the step output is not produced on every path before this use"),
    "WU503": (ERROR, "the step produces no output of that name"),
    "WU504": (ERROR, "an {{ssm:...}} reference outside a parameter default"),
    "WU505": (WARNING, "the parameter is never used"),
    "WU506": (ERROR, "unknown automation:, global: or variable: name"),
    "WU507": (ERROR, "a document outputs entry is not a step output"),
    "WU601": (ERROR, "DocumentName is neither validated with this document nor AWS-owned"),
    "WU602": (ERROR, "the called document has no parameter of that name"),
    "WU603": (ERROR, "a parameter the called document requires is not passed"),
    "WU604": (ERROR, "the called document is of the wrong type (Command vs Automation)"),
    "WU701": (WARNING, "aws:approve topic whose name does not start with Automation"),
    "WU702": (WARNING, "a wait on a child run's status that lists only success statuses"),
    "WU703": (WARNING, "a failure path that sends no message"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    path: str
    line: int
    col: int
    message: str
    hint: str = ""

    def as_text(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.code} {self.severity} {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def severity_of(code: str) -> str:
    return CODES[code][0]
