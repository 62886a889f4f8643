"""The module's deployed IAM, topic and key policies, linted by parliament (the IAM policy
linter that Duo Labs keeps, on the Service Authorization Reference's data).

Each statement is linted on its own, so that a finding names its statement. A finding is
either fixed in the module or listed in ``SUPPRESSED`` with the reason it stands; a
suppression that no finding uses any more is an error too, so the list stays true.
"""

from __future__ import annotations

import json
from typing import Any

from parliament import analyze_policy_string

# (policy, statement Sid, parliament issue) -> why the module keeps it
SUPPRESSED = {
    ("role", "StartStopAndImageTaggedInstances", "RESOURCE_MISMATCH"): (
        "ec2:CreateImage is authorized against the instance, the new image and its snapshots; "
        "this statement grants the instance part, for tagged instances only"
    ),
    ("role", "CreateImagesAndSnapshots", "RESOURCE_MISMATCH"): (
        "the image and snapshot part of ec2:CreateImage; the instance part is granted with "
        "the tag condition in StartStopAndImageTaggedInstances"
    ),
    ("role", "SendInstallWindowsUpdates", "RESOURCE_MISMATCH"): (
        "ssm:SendCommand's document part (AWS-InstallWindowsUpdates only); the instance part "
        "is granted with the tag condition in SendCommandToTaggedInstances"
    ),
    ("role", "SendCommandToTaggedInstances", "RESOURCE_MISMATCH"): (
        "ssm:SendCommand's instance part, for tagged instances; the document part is "
        "SendInstallWindowsUpdates"
    ),
    # The restore's actions, each authorized against several resource types, granted one
    # part per statement so that each part carries its own condition (parliament lints a
    # statement alone and wants every required type in it).
    ("role", "ReplaceRootVolumeOfTaggedInstances", "RESOURCE_MISMATCH"): (
        "ec2:CreateReplaceRootVolumeTask's instance part, for tagged instances; the image "
        "part is ReplaceRootVolumeFromImagesBefore, the task and new volume part "
        "ReplaceRootVolumeTasksAndVolumes"
    ),
    ("role", "ReplaceRootVolumeFromImagesBefore", "RESOURCE_MISMATCH"): (
        "ec2:CreateReplaceRootVolumeTask's image part, for AMIs before (Phase UpdateBefore); "
        "the instance part is granted with the tag condition in "
        "ReplaceRootVolumeOfTaggedInstances"
    ),
    ("role", "ReplaceRootVolumeTasksAndVolumes", "RESOURCE_MISMATCH"): (
        "ec2:CreateReplaceRootVolumeTask's task and replacement volume part (both made by "
        "the request); the instance part is granted with the tag condition in "
        "ReplaceRootVolumeOfTaggedInstances"
    ),
    ("role", "CreateVolumesFromImagesBefore", "RESOURCE_MISMATCH"): (
        "ec2:CreateVolume's snapshot part, snapshots of AMIs before only; the new volume "
        "part is CreateVolumesWithRestoreTags, with the restore's request tags"
    ),
    ("role", "AttachAndDetachVolumesOfTaggedInstances", "RESOURCE_MISMATCH"): (
        "ec2:AttachVolume's and ec2:DetachVolume's instance part, for tagged instances; the "
        "volume parts are AttachVolumesTheRestoreMade and DetachVolumes"
    ),
    ("role", "AttachVolumesTheRestoreMade", "RESOURCE_MISMATCH"): (
        "ec2:AttachVolume's volume part, volumes a restore made (ReplacedBy tag); the "
        "instance part is granted with the tag condition in "
        "AttachAndDetachVolumesOfTaggedInstances"
    ),
    ("role", "PassOwnRoleToSsm", "PERMISSIONS_MANAGEMENT_ACTIONS"): (
        "iam:PassRole of this role only, to ssm.amazonaws.com only: Automation starts the "
        "per-instance runbooks with it"
    ),
    ("operator", "PassTheAutomationRoleToSsm", "PERMISSIONS_MANAGEMENT_ACTIONS"): (
        "iam:PassRole of the module's role only, to ssm.amazonaws.com only: starting the Start "
        "runbook, which runs as that role, passes it (automation-setup-iam.md)"
    ),
    ("topic", "AccountManagesTopic", "PERMISSIONS_MANAGEMENT_ACTIONS"): (
        "the account's own principals manage the topic's attributes (the default topic "
        "policy gives them the same)"
    ),
    ("key", "AccountAdministersKey", "PERMISSIONS_MANAGEMENT_ACTIONS"): (
        "a key policy must keep the account in control of the key, or the key becomes "
        "unmanageable (KMS developer guide, default key policy)"
    ),
    ("key", "AccountAdministersKey", "RESOURCE_STAR"): (
        'in a key policy, Resource "*" means this key (KMS developer guide, key policies)'
    ),
    ("key", "SnsUsesKeyForTopic", "RESOURCE_STAR"): (
        'in a key policy, Resource "*" means this key (KMS developer guide, key policies)'
    ),
}


def findings(policies: dict[str, dict[str, Any]]) -> set[tuple[str, str, str]]:
    """(policy, Sid, issue) of every parliament finding, community auditors included."""
    found = set()
    for name, policy in policies.items():
        for statement in policy["Statement"]:
            alone = json.dumps({"Version": policy.get("Version"), "Statement": [statement]})
            for finding in analyze_policy_string(alone, include_community_auditors=True).findings:
                found.add((name, statement.get("Sid", "?"), finding.issue))
    return found
