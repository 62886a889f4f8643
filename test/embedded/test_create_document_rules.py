"""CreateDocument and UpdateDocument on the embedded AWS refuse what AWS refuses in a runbook
(``document_rules``) with InvalidDocumentContent (botocore's ssm model lists it for both
operations), never a 500; and ``winupdate validate`` agrees: a document CreateDocument
refuses gets a validator error with the same message, one it accepts gets none from these
rules. The cases and the pages they follow are in document_rule_cases.
"""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from document_rule_cases import ACCEPTED, BASE, TRIPPING
from winupdate.documents.findings import ERROR
from winupdate.documents.loader import load_text
from winupdate.documents.validate import validate_sources
from winupdate.local.automation import document_rules


def _create(ssm, text: str) -> tuple[str, dict | None]:
    name = f"Rules-{uuid.uuid4().hex[:8]}"
    try:
        ssm.create_document(
            Name=name, Content=text, DocumentType="Automation", DocumentFormat="YAML"
        )
    except ClientError as err:
        return name, {**err.response["Error"], "status": err.response["ResponseMetadata"]}
    return name, None


def _rule_errors(name: str, text: str) -> list[str]:
    findings = validate_sources([load_text(text, f"{name}.yaml", name)])
    return [f.message for f in findings if f.severity == ERROR and f.code in document_rules.CODES]


@pytest.mark.parametrize("case", [c.param for c in (*TRIPPING, *ACCEPTED)])
def test_create_document_and_the_validator_agree(client, case):
    ssm = client("ssm")
    name, refused = _create(ssm, case.text)
    errors = _rule_errors(name, case.text)
    if refused is None:
        assert case in ACCEPTED and errors == []
        assert ssm.describe_document(Name=name)["Document"]["Status"] == "Active"
        return
    assert case in TRIPPING
    assert refused["Code"] == "InvalidDocumentContent"
    assert refused["status"]["HTTPStatusCode"] == 400
    assert case.says in refused["Message"]
    # The same reason: the validator's error carries the message AWS answered.
    assert refused["Message"] in errors, errors
    with pytest.raises(ClientError, match="InvalidDocument"):
        ssm.describe_document(Name=name)


def test_update_document_refuses_a_typo_and_keeps_the_version(client):
    # The seen-in-the-wild case: "onFailur: Continue" was stored, dropped, and the step
    # behaved as Abort. automation-actions.md:44 lists onFailure, not onFailur.
    ssm = client("ssm")
    name, refused = _create(ssm, BASE)
    assert refused is None
    with pytest.raises(ClientError) as raised:
        ssm.update_document(
            Name=name,
            Content=BASE.replace("    onFailure: Continue\n", "    onFailur: Continue\n"),
            DocumentVersion="$LATEST",
            DocumentFormat="YAML",
        )
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidDocumentContent"
    assert error["Message"] == "step Stop: unknown property 'onFailur'"
    kept = ssm.get_document(Name=name, DocumentFormat="YAML")
    assert kept["DocumentVersion"] == "1" and "onFailur:" not in kept["Content"]
