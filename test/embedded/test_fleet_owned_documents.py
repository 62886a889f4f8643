"""AWS-owned documents exist with Owner Amazon and cannot be overwritten."""

from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.exceptions import ClientError

from winupdate.local.fleet.owned_documents import OWNED_NAMES

EXPECTED = {
    "AWS-StartEC2Instance",
    "AWS-StopEC2Instance",
    "AWS-RestartEC2Instance",
    "AWS-CreateImage",
    "AWS-DeleteImage",
    "AWS-InstallWindowsUpdates",
    "AWS-RunPowerShellScript",
}
RUNBOOK = json.dumps(
    {
        "schemaVersion": "0.3",
        "mainSteps": [{"name": "wait", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}],
    }
)


def test_owned_documents_are_listed_with_owner_amazon(client):
    ssm = client("ssm")
    listed = ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Amazon"]}], MaxResults=50)
    names = {d["Name"] for d in listed["DocumentIdentifiers"]}
    assert names >= EXPECTED
    assert EXPECTED == OWNED_NAMES
    described = ssm.describe_document(Name="AWS-InstallWindowsUpdates")["Document"]
    assert described["Owner"] == "Amazon"
    assert described["DocumentType"] == "Command"


def test_owned_documents_exist_in_other_regions(session, endpoint):
    ssm = session.client("ssm", endpoint_url=endpoint, region_name="eu-west-1")
    assert ssm.describe_document(Name="AWS-CreateImage")["Document"]["Owner"] == "Amazon"


def test_install_windows_updates_declares_its_parameters(client):
    content = json.loads(client("ssm").get_document(Name="AWS-InstallWindowsUpdates")["Content"])
    assert content["schemaVersion"] == "2.2"
    assert set(content["parameters"]) == {
        "Action",
        "AllowReboot",
        "SeverityLevels",
        "Categories",
        "IncludeKbs",
        "ExcludeKbs",
        "PublishedDaysOld",
        "PublishedDateAfter",
        "PublishedDateBefore",
    }
    assert [s["action"] for s in content["mainSteps"]] == ["aws:runPowerShellScript"]


@pytest.mark.parametrize("name", ["AWS-StartEC2Instance", "aws-mine", "AmazonThing", "amzn-x"])
def test_creating_a_document_with_a_reserved_prefix_is_a_validation_exception(client, name):
    content = RUNBOOK
    with pytest.raises(ClientError) as caught:
        client("ssm").create_document(Name=name, Content=content, DocumentType="Automation")
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_updating_or_deleting_an_owned_document_is_access_denied(client):
    ssm = client("ssm")
    content = RUNBOOK
    with pytest.raises(ClientError) as caught:
        ssm.update_document(Name="AWS-CreateImage", Content=content, DocumentVersion="$LATEST")
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(ClientError) as caught:
        ssm.delete_document(Name="AWS-CreateImage")
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert ssm.describe_document(Name="AWS-CreateImage")["Document"]["Owner"] == "Amazon"


def test_own_documents_can_still_be_created_updated_and_deleted(client):
    ssm = client("ssm")
    content = {
        "schemaVersion": "2.2",
        "mainSteps": [
            {
                "action": "aws:runPowerShellScript",
                "name": "run",
                "inputs": {"runCommand": ["echo 1"]},
            }
        ],
    }
    created = ssm.create_document(
        Name="Fleet-Own-Document", Content=json.dumps(content), DocumentType="Command"
    )["DocumentDescription"]
    assert created["Owner"] != "Amazon"
    content["mainSteps"][0]["inputs"]["runCommand"] = ["echo 2"]
    updated = ssm.update_document(
        Name="Fleet-Own-Document", Content=json.dumps(content), DocumentVersion="$LATEST"
    )["DocumentDescription"]
    assert updated["DocumentVersion"] == "2"
    ssm.delete_document(Name="Fleet-Own-Document")


def test_error_codes_the_fleet_raises_exist_in_the_ssm_model():
    model = botocore.session.get_session().get_service_model("ssm")
    for code in (
        "ValidationException",
        "AccessDeniedException",
        "InvalidInstanceId",
        "InvalidParameters",
        "InvalidDocument",
        "InvalidDocumentVersion",
        "InvalidCommandId",
        "InvocationDoesNotExist",
        "InvalidPluginName",
        "InvalidFilterKey",
        "InvalidNextToken",
        "InvalidInstanceInformationFilterValue",
        "DuplicateInstanceId",
    ):
        assert code in model.shape_names, code
