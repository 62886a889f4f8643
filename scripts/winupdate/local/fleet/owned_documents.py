"""The AWS-owned documents our runbooks call, present in every region and read-only.

The contents are data files in ``documents/`` modelled on the documents AWS
publishes. They go straight into moto's SSM backend with ``Owner: Amazon``
(moto's own ``create_document`` would put the account id there), so
``ListDocuments(Filters=[{Key: Owner, Values: [Amazon]}])``, ``DescribeDocument``
and ``GetDocument`` show them as AWS does.

Writes fail as AWS answers them: ``CreateDocument`` with a reserved prefix (``aws``,
``amazon``, ``amzn``, any case: the CreateDocument API reference) is a
``ValidationException``; ``UpdateDocument``/``DeleteDocument`` of a document owned by
Amazon is an ``AccessDeniedException`` (the caller holds no permission on Amazon's
``arn:aws:ssm:<region>::document/<name>``).
"""

from __future__ import annotations

import json
from importlib import resources

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ssm.models import Document, Documents, ssm_backends

from ..dispatch import Call, before
from ..errors import AwsError

OWNER = "Amazon"
RESERVED_PREFIXES = ("aws", "amazon", "amzn")
_DOCUMENT_TYPES = {"0.3": "Automation", "1.2": "Command", "2.2": "Command"}
_PLATFORMS = {"Automation": ["Windows", "Linux", "MacOS"], "Command": ["Windows"]}


def owned_contents() -> dict[str, str]:
    """Name -> JSON content of every AWS-owned document we model."""
    folder = resources.files(__package__) / "documents"
    return {
        entry.name.removesuffix(".json"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }


_CONTENTS = owned_contents()
OWNED_NAMES = frozenset(_CONTENTS)


def install(region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
    """Put the owned documents into ``region``'s SSM backend (again, if it was reset)."""
    backend = ssm_backends[account_id][region]
    for name, content in _CONTENTS.items():
        existing = backend._documents.get(name)
        if existing is not None and existing.get_default_version().owner == OWNER:
            continue
        schema = str(json.loads(content)["schemaVersion"])
        doc_type = _DOCUMENT_TYPES[schema]
        document = Document(
            account_id=account_id,
            name=name,
            version_name=None,
            content=content,
            document_type=doc_type,
            document_format="JSON",
            requires=None,
            attachments=None,
            target_type="/AWS::EC2::Instance" if doc_type == "Command" else None,
        )
        document.owner = OWNER
        document.platform_types = list(_PLATFORMS[doc_type])
        backend._documents[name] = Documents(document)


def installed(region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> bool:
    docs = ssm_backends[account_id][region]._documents
    return all(name in docs for name in OWNED_NAMES)


def is_owned(call: Call, name: str) -> bool:
    documents = ssm_backends[call.account_id][call.region]._documents.get(name)
    return documents is not None and documents.get_default_version().owner == OWNER


def _access_denied(call: Call, name: str) -> AwsError:
    return AwsError(
        "AccessDeniedException",
        f"User: arn:aws:iam::{call.account_id}:user/emulated is not authorized to perform: "
        f"ssm:{call.operation} on resource: arn:aws:ssm:{call.region}::document/{name} "
        "because the document is owned by Amazon",
    )


@before("ssm", "CreateDocument")
def _reserved_name(call: Call) -> None:
    name = call.params.get("Name", "")
    if name.lower().startswith(RESERVED_PREFIXES):
        raise AwsError("ValidationException", f"Invalid document name {name}")


@before("ssm", "UpdateDocument")
@before("ssm", "DeleteDocument")
@before("ssm", "UpdateDocumentDefaultVersion")
@before("ssm", "ModifyDocumentPermission")
def _owned_by_amazon(call: Call) -> None:
    name = call.params.get("Name", "")
    if is_owned(call, name):
        raise _access_denied(call, name)
