"""A finding of the runbook validator: one problem at one place, with a fix hint.

Codes are stable and grouped by check family (WU1xx structure, WU2xx actions,
WU3xx AWS APIs, WU4xx flow, WU5xx variables, WU6xx cross-document, WU7xx project
rules); the README's "Validating runbooks" table lists them. Severity is certainty:
an error means AWS refuses the document, or the step can never succeed; what may
fail on some path, or is poor style, is a warning. Each code has one severity,
except the few whose check can tell a certain case from an uncertain one (RULES).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

ERROR = "error"
WARNING = "warning"

# How sure a finding is decides its severity (README, "Validating runbooks"):
REFUSED = "refused"  # AWS refuses it at CreateDocument, or refuses every start: error
NEVER = "never works"  # the step it is in can never succeed: error
MAY_FAIL = "may fail"  # fails on some path or for some input, or AWS may accept it: warning
STYLE = "style"  # works, but is easy to misread: warning
RETIRED = "retired"  # AWS ran it once and no longer does: error, counted apart by the benchmark

# code -> (severity, what it means). The README table is written from this. A code in
# GRADED is reported at its other severity when the check knows more (see RULES).
CODES: dict[str, tuple[str, str]] = {
    "WU101": (ERROR, "the file is not valid YAML or JSON"),
    "WU102": (ERROR, "the document is not a mapping with a non-empty mainSteps list"),
    "WU103": (ERROR, "not an Automation runbook (schemaVersion, or a change template)"),
    "WU104": (ERROR, "unknown top-level key"),
    "WU105": (WARNING, "a key appears twice in one mapping"),
    "WU106": (WARNING, "unrendered Terraform template markers (validate with --rendered)"),
    "WU110": (ERROR, "parameter is not a mapping, or its type is unknown"),
    "WU111": (ERROR, "unknown parameter property"),
    "WU112": (ERROR, "parameter default does not have the parameter's type"),
    "WU113": (ERROR, "allowedValues is not a list, or the default is not one of them"),
    "WU114": (ERROR, "allowedPattern is not a Java regular expression, or the default misses it"),
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
    "WU208": (ERROR, "aws:loop is malformed (Iterators and LoopCondition, or neither)"),
    "WU209": (ERROR, "aws:executeScript Runtime that AWS no longer runs"),
    "WU301": (ERROR, "Service is not a boto3 service namespace"),
    "WU302": (ERROR, "Api is not an operation of the service"),
    "WU303": (WARNING, "Api is written as a method name; the reference writes operation names"),
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
    "WU502": (WARNING, "the step output is not produced on every path before this use"),
    "WU503": (ERROR, "the step produces no output of that name"),
    "WU504": (ERROR, "an {{ssm:...}} reference outside a parameter default"),
    "WU505": (WARNING, "the parameter is never used"),
    "WU506": (ERROR, "unknown automation:, global: or variable: name"),
    "WU507": (ERROR, "a document outputs entry is not a step output"),
    "WU508": (WARNING, "a parameter default refers to another parameter"),
    "WU601": (WARNING, "DocumentName is neither validated with this document nor a known one"),
    "WU602": (ERROR, "the called document has no parameter of that name"),
    "WU603": (ERROR, "a parameter the called document requires is not passed"),
    "WU604": (ERROR, "the called document is of the wrong type (Command vs Automation)"),
    "WU701": (WARNING, "aws:approve topic whose name does not start with Automation"),
    "WU702": (WARNING, "a wait on a child run's status that lists only success statuses"),
    "WU703": (WARNING, "a failure path that sends no message"),
}

# code -> the rule its severity follows, in the README's words. Codes not listed
# follow REFUSED (errors) or STYLE (warnings).
RULES: dict[str, str] = {
    "WU103": f"{REFUSED}; a known other kind (Command, change template) is one {MAY_FAIL} line",
    "WU105": f"{MAY_FAIL}: AWS keeps one of the two",
    "WU113": f"{REFUSED}; a default outside allowedValues is {MAY_FAIL} (runs given a value)",
    "WU114": f"{REFUSED}; a default that misses the pattern is {MAY_FAIL}; '' is not checked",
    "WU201": f"{REFUSED}; an undocumented action in an AWS-named document is {MAY_FAIL}",
    "WU204": f"{REFUSED} for a literal; a variable of another type is {MAY_FAIL}",
    "WU206": f"{REFUSED}; a selector without its leading $ is {STYLE} (AWS reads it from $)",
    "WU209": RETIRED,
    "WU301": NEVER,
    "WU302": f"{NEVER}; a lowerCamelCase name is WU303",
    "WU304": f"{NEVER}; a member's name with or without a plural s is {MAY_FAIL}",
    "WU305": NEVER,
    "WU306": f"{NEVER}; a one-item list (or list variable) for one value is {MAY_FAIL}",
    "WU307": f"{REFUSED}; a selector without its leading $ is {STYLE} (AWS reads it from $)",
    "WU402": MAY_FAIL,
    "WU403": STYLE,
    "WU404": f"{NEVER}: the run cannot end",
    "WU406": MAY_FAIL,
    "WU501": NEVER,
    "WU502": f"{MAY_FAIL}; {NEVER} (error) when no path sets it",
    "WU503": NEVER,
    "WU506": NEVER,
    "WU508": f"{MAY_FAIL}: automation-variables.md lists it as unsupported",
    "WU601": f"{MAY_FAIL}: the account may hold it; AWS-owned names are not reported",
    "WU602": NEVER,
    "WU603": NEVER,
    "WU604": NEVER,
    "WU701": MAY_FAIL,
    "WU702": MAY_FAIL,
    "WU703": MAY_FAIL,
}


def rule_of(code: str) -> str:
    return RULES.get(code, REFUSED if CODES[code][0] == ERROR else STYLE)


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


def graded(finding: Finding, severity: str) -> Finding:
    """``finding`` at the severity its check's certainty gives it (a code in RULES)."""
    return replace(finding, severity=severity)
