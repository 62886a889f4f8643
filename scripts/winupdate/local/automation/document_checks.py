"""What CreateDocument/UpdateDocument check in an Automation runbook's content.

AWS refuses a malformed runbook at creation with ``InvalidDocumentContent``;
moto stores anything. The rules are ``document_rules``, the ones ``winupdate validate``
reports as errors; the message names the step and the field, as the validator's does.

Content of any document type over 64 KB is refused with ``MaxDocumentSizeExceeded``
(CreateDocument, Content: "must not exceed 64KB"), and content nested too deep or whose
YAML aliases expand too far with ``InvalidDocumentContent``, before moto parses and walks
it (``content_limits``).
"""

from __future__ import annotations

import yaml

from ...content_limits import ContentError, ContentTooLarge
from ..dispatch import Call, before
from ..errors import AwsError
from .document_rules import first_violation
from .runbook import RunbookError, check_content, load_runbook, parse_content


class InvalidDocumentContent(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidDocumentContent", message)


class MaxDocumentSizeExceeded(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("MaxDocumentSizeExceeded", message)


def check_content_limits(content: str, document_format: str) -> None:
    """Any document type's content within the size limit and the nesting/alias bounds."""
    try:
        check_content(content, document_format)
    except ContentTooLarge as err:
        raise MaxDocumentSizeExceeded(err.message) from err
    except ContentError as err:
        raise InvalidDocumentContent(f"{err.message} (line {err.line}, column {err.col})") from err
    except (ValueError, yaml.YAMLError):
        pass  # not JSON or YAML at all: left to the checks that say so


def check_runbook_content(content: str, document_format: str) -> None:
    """Refuse what AWS refuses in a runbook: the first rule of ``document_rules`` the
    content breaks (the validator reports the same rule, with the same message), then what
    the runtime cannot read. Never anything but InvalidDocumentContent (no 500)."""
    try:
        data = parse_content(content, document_format)
    except RunbookError as err:
        raise InvalidDocumentContent(str(err)) from err
    version = str(data.get("schemaVersion", ""))
    if version != "0.3":
        raise InvalidDocumentContent(f"schemaVersion must be '0.3' for Automation, not {version!r}")
    broken = first_violation(data)
    if broken is not None:
        raise InvalidDocumentContent(broken.message)
    try:
        load_runbook(content, document_format)
    except RunbookError as err:
        raise InvalidDocumentContent(str(err)) from err
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        # Content the rules let through but the runtime cannot read is a gap in the rules;
        # AWS would not answer 500 for it either.
        raise InvalidDocumentContent(f"the content is not a runnable runbook: {err}") from err


def _check(call: Call) -> None:
    params = call.params
    content = params.get("Content")
    if isinstance(content, str):
        check_content_limits(content, params.get("DocumentFormat", "JSON"))
    if params.get("DocumentType", "Automation" if call.operation == "UpdateDocument" else None) != (
        "Automation"
    ):
        return
    if not isinstance(content, str):
        return
    if call.operation == "UpdateDocument" and not _is_automation(call, params.get("Name", "")):
        return
    check_runbook_content(content, params.get("DocumentFormat", "JSON"))


def _is_automation(call: Call, name: str) -> bool:
    from moto.ssm.models import ssm_backends

    documents = ssm_backends[call.account_id][call.region]._documents.get(name)
    return documents is not None and documents.get_latest_version().document_type == "Automation"


before("ssm", "CreateDocument")(_check)
before("ssm", "UpdateDocument")(_check)
