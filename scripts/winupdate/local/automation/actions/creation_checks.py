"""What CreateDocument/UpdateDocument refuse in an Automation runbook because of what one
action's page says (aws:executeScript's runtimes and Script, aws:approve's limits).

The content checks of every runbook live in ``document_checks``; these are the actions'
own, kept beside the actions. They run after ``document_checks``' (imported here first),
and leave a content that is not a runbook at all to it.
"""

from __future__ import annotations

from ...dispatch import Call, before
from ..document_checks import InvalidDocumentContent
from ..runbook import RunbookError, load_runbook
from .approve import approval_findings
from .execute_script import script_findings


def _check(call: Call) -> None:
    params = call.params
    content = params.get("Content")
    if not isinstance(content, str):
        return
    if call.operation == "CreateDocument" and params.get("DocumentType") != "Automation":
        return
    document_format = params.get("DocumentFormat", "JSON")
    try:
        runbook = load_runbook(content, document_format)
    except (RunbookError, ValueError, TypeError, KeyError):
        return  # not a runbook (or not this type): document_checks answers it
    findings: list[str] = []
    for step in runbook.steps:
        if step.action == "aws:executeScript":
            findings += script_findings(step, document_format)
        elif step.action == "aws:approve":
            findings += approval_findings(step)
    if findings:
        raise InvalidDocumentContent(" ".join(findings))


before("ssm", "CreateDocument")(_check)
before("ssm", "UpdateDocument")(_check)
