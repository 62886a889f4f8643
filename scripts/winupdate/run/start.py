"""Start a run of the Start runbook with the parameters it declares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .aws import Aws
from .errors import BadParameter, UnknownDocument, error_code, error_message

DEFAULT_DOCUMENT = "MY-AutomationStart"


@dataclass(frozen=True)
class DocumentParameter:
    name: str
    type: str
    default: str | None


def document_parameters(aws: Aws, document: str) -> dict[str, DocumentParameter]:
    """The parameters ``document`` declares, read from SSM (DescribeDocument)."""
    ssm = aws.client("ssm")
    with aws.errors(f"reading document {document}"):
        try:
            described = ssm.describe_document(Name=document)["Document"]
        except ClientError as err:
            if error_code(err) in ("InvalidDocument", "InvalidDocumentVersion"):
                raise UnknownDocument(
                    f"document {document} does not exist in {aws.region} "
                    f"({error_message(err)}); deploy the module or pass --document NAME"
                ) from err
            raise
    if described.get("DocumentType") not in (None, "Automation"):
        raise UnknownDocument(
            f"document {document} is a {described['DocumentType']} document, not an Automation "
            "runbook"
        )
    return {
        p["Name"]: DocumentParameter(p["Name"], p.get("Type", "String"), p.get("DefaultValue"))
        for p in described.get("Parameters", [])
    }


def _value(parameter: DocumentParameter, raw: str) -> list[str]:
    # StringList and MapList parameters take several values; everything else takes one.
    if parameter.type == "StringList":
        return [v.strip() for v in raw.split(",") if v.strip()]
    if raw == "":
        # StartAutomationExecution's AutomationParameterValue is 1-512 characters.
        raise BadParameter(
            f"{parameter.name} is empty, and AWS takes no empty parameter value; leave it out "
            "to use the runbook's default"
        )
    return [raw]


def build_parameters(
    declared: dict[str, DocumentParameter],
    document: str,
    named: dict[str, str | None],
    extra: list[str],
    warn: Callable[[str], None],
) -> dict[str, list[str]]:
    """StartAutomationExecution's Parameters from the CLI's options.

    ``named`` maps a document parameter (SeverityLevels, ...) to the value of its own CLI
    option: one the document does not declare is skipped with a warning, because the seed's
    Start runbook has no MaxConcurrency and the same command line should work on both.
    ``extra`` holds ``Key=Value`` strings: the user named those keys, so an undeclared one is
    an error.
    """
    parameters: dict[str, list[str]] = {}
    for name, raw in named.items():
        if raw is None:
            continue
        if name not in declared:
            warn(f"{document} declares no parameter {name}; its option is ignored")
            continue
        parameters[name] = _value(declared[name], raw)
    for item in extra:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadParameter(f"--parameter {item!r}: write it as Key=Value")
        if key not in declared:
            names = ", ".join(sorted(declared)) or "none"
            raise BadParameter(f"{document} declares no parameter {key} (it declares: {names})")
        parameters[key] = _value(declared[key], raw)
    return parameters


def start_run(aws: Aws, document: str, parameters: dict[str, list[str]]) -> str:
    """Start the runbook; return its execution id."""
    ssm = aws.client("ssm")
    with aws.errors(f"starting {document}"):
        try:
            response = ssm.start_automation_execution(DocumentName=document, Parameters=parameters)
        except ClientError as err:
            code = error_code(err)
            if code == "AutomationDefinitionNotFoundException":
                raise UnknownDocument(
                    f"document {document} does not exist in {aws.region}"
                ) from err
            if code in ("InvalidAutomationExecutionParametersException", "ValidationException"):
                raise BadParameter(
                    f"{document} refused the parameters: {error_message(err)}"
                ) from err
            raise
    return str(response["AutomationExecutionId"])


def parameters_text(parameters: dict[str, Any]) -> str:
    return ", ".join(f"{k}={','.join(v)}" for k, v in sorted(parameters.items())) or "defaults"
