"""What a check may know beyond the document in hand: the other documents validated
with it, the AWS-owned documents, and whether the files were rendered first."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from .loader import Source

AUTOMATION = "Automation"
COMMAND = "Command"
_TYPES = {"0.3": AUTOMATION, "2.2": COMMAND, "1.2": COMMAND}

# AWS-owned documents a runbook may well call that the embedded AWS does not model:
# known by name (and type) only, so their parameters are not checked. Kept short on
# purpose: every name here is one AWS publishes in every commercial region.
WELL_KNOWN_AWS_DOCUMENTS = {
    "AWS-ApplyPatchBaseline": COMMAND,
    "AWS-ConfigureAWSPackage": COMMAND,
    "AWS-FindWindowsUpdates": COMMAND,
    "AWS-RunPatchBaseline": COMMAND,
    "AWS-RunPowerShellScript": COMMAND,
    "AWS-RunRemoteScript": COMMAND,
    "AWS-RunShellScript": COMMAND,
    "AWS-UpdateEC2Config": COMMAND,
    "AWS-UpdateSSMAgent": COMMAND,
    "AWS-CopySnapshot": AUTOMATION,
    "AWS-CreateSnapshot": AUTOMATION,
    "AWS-DeleteSnapshot": AUTOMATION,
    "AWS-PatchInstanceWithRollback": AUTOMATION,
    "AWS-ResizeInstance": AUTOMATION,
    "AWS-TerminateEC2Instance": AUTOMATION,
    "AWS-UpdateLinuxAmi": AUTOMATION,
    "AWS-UpdateWindowsAmi": AUTOMATION,
}


# botocore's ssm model, CreateDocument Name: "You can't use the following strings as
# document name prefixes. These are reserved by Amazon Web Services": so a document
# named so is AWS's own, whether or not the validator knows it.
RESERVED_NAME_PREFIXES = ("aws", "amazon", "amzn")


def is_aws_owned_name(name: str) -> bool:
    return name.lower().startswith(RESERVED_NAME_PREFIXES)


@dataclass(frozen=True)
class DocumentInfo:
    """What a caller must know of a document: its type and parameters (name -> required)."""

    name: str
    type: str | None
    parameters: dict[str, bool] | None  # None: not known, so not checked
    owner: str = "validated"


def info_of(name: str, data: Any, owner: str = "validated") -> DocumentInfo:
    data = data if isinstance(data, dict) else {}
    params = data.get("parameters")
    params = params if isinstance(params, dict) else {}
    return DocumentInfo(
        name=name,
        type=_TYPES.get(str(data.get("schemaVersion"))),
        parameters={
            p: not (isinstance(spec, dict) and "default" in spec) for p, spec in params.items()
        },
        owner=owner,
    )


@lru_cache(maxsize=1)
def aws_owned_documents() -> dict[str, DocumentInfo]:
    """The AWS-owned documents: the embedded AWS's data files, then the short list by name."""
    known = {
        name: DocumentInfo(name, kind, None, "Amazon")
        for name, kind in WELL_KNOWN_AWS_DOCUMENTS.items()
    }
    folder = resources.files("winupdate.local.fleet") / "documents"
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            name = entry.name.removesuffix(".json")
            known[name] = info_of(name, json.loads(entry.read_text(encoding="utf-8")), "Amazon")
    return known


@dataclass
class Context:
    rendered: bool = False
    documents: dict[str, DocumentInfo] = field(default_factory=dict)

    @classmethod
    def for_sources(cls, sources: list[Source], rendered: bool = False) -> Context:
        documents = dict(aws_owned_documents())
        for source in sources:
            documents[source.name] = info_of(source.name, source.data)
        return cls(rendered, documents)
