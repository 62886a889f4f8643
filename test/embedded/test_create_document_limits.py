"""CreateDocument and UpdateDocument on the embedded AWS refuse hostile content with AWS's
error codes, never with a 500: content over 64 KB is MaxDocumentSizeExceeded
(CreateDocument, Content: "The content of the document must not exceed 64KB"; the error's
own text: "The size limit of a document is 64 KB"); a YAML alias bomb or nesting deeper
than our bound is InvalidDocumentContent.

AWS documents no nesting or alias limit; refusing them as InvalidDocumentContent, for any
document type, is our assumption (content_limits says why).
"""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from winupdate.content_limits import MAX_CONTENT_BYTES

STEP = "mainSteps: [{name: a, action: 'aws:sleep', isEnd: true, inputs: {Duration: PT1S}}]\n"
COMMAND = (
    "schemaVersion: '2.2'\ndescription: d\nmainSteps:\n- action: aws:runPowerShellScript\n"
    "  name: run\n  inputs:\n    runCommand: [echo]\n"
)


def alias_bomb() -> str:
    lines = ["l0: &l0 [" + ",".join(["lol"] * 9) + "]"]
    lines += [f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    return "\n".join(lines) + "\n"


def refusal(call) -> tuple[dict, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["Error"], response["ResponseMetadata"]["HTTPStatusCode"]


def name() -> str:
    return f"Hostile-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "document_type,head", [("Automation", "schemaVersion: '0.3'\n" + STEP), ("Command", COMMAND)]
)
def test_an_alias_bomb_is_invalid_document_content_for_any_document_type(
    client, document_type, head
):
    ssm, doc = client("ssm"), name()
    error, status = refusal(
        lambda: ssm.create_document(
            Name=doc,
            Content=head + alias_bomb(),
            DocumentType=document_type,
            DocumentFormat="YAML",
        )
    )
    assert error["Code"] == "InvalidDocumentContent" and status == 400
    assert "aliases expand to more than" in error["Message"]
    with pytest.raises(ClientError, match="InvalidDocument"):
        ssm.describe_document(Name=doc)


@pytest.mark.parametrize("document_format", ["YAML", "JSON"])
def test_nesting_deeper_than_the_bound_is_invalid_document_content(client, document_format):
    deep = "[" * 5000 + "]" * 5000
    content = (
        '{"schemaVersion": "0.3", "x": ' + deep + "}"
        if document_format == "JSON"
        else "schemaVersion: '0.3'\nx: " + deep + "\n" + STEP
    )
    error, status = refusal(
        lambda: client("ssm").create_document(
            Name=name(), Content=content, DocumentType="Automation", DocumentFormat=document_format
        )
    )
    assert error["Code"] == "InvalidDocumentContent" and status == 400
    assert "nests deeper than 64 levels" in error["Message"]


@pytest.mark.parametrize("document_type", ["Automation", "Command"])
def test_content_over_64_kb_is_max_document_size_exceeded(client, document_type):
    head = "schemaVersion: '0.3'\n" + STEP if document_type == "Automation" else COMMAND
    content = head + "x: " + "y" * MAX_CONTENT_BYTES + "\n"
    error, status = refusal(
        lambda: client("ssm").create_document(
            Name=name(), Content=content, DocumentType=document_type, DocumentFormat="YAML"
        )
    )
    assert error["Code"] == "MaxDocumentSizeExceeded" and status == 400
    assert "over 64 KB (65536 bytes)" in error["Message"]


def test_update_document_refuses_an_alias_bomb_and_keeps_the_document(client):
    ssm, doc = client("ssm"), name()
    content = "schemaVersion: '0.3'\n" + STEP
    ssm.create_document(Name=doc, Content=content, DocumentType="Automation", DocumentFormat="YAML")
    error, status = refusal(
        lambda: ssm.update_document(
            Name=doc,
            Content=content + alias_bomb(),
            DocumentVersion="$LATEST",
            DocumentFormat="YAML",
        )
    )
    assert error["Code"] == "InvalidDocumentContent" and status == 400
    kept = ssm.get_document(Name=doc, DocumentFormat="YAML")
    assert kept["DocumentVersion"] == "1" and "lol" not in kept["Content"]
