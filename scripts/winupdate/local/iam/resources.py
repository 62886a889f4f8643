"""Where a request names its resources, and what those resources carry (tags).

The reference says which resource types an action is authorized against and what their
ARNs look like (``reference``); a request names a resource by an id in one of its
members. This table maps a resource type to those members, by the names botocore's
models give them (a query-protocol list arrives flattened: ``InstanceId.1``,
``Names.member.1``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

Params = dict[str, Any]

# Document names AWS reserves for its own documents (CreateDocument refuses them): their
# ARNs carry no account ("The account ID shouldn't be specified in the ARN for AWS owned
# public documents": automation-setup-identity-based-policies).
_OWNED_DOCUMENT = re.compile(r"^(aws|amazon|amzn)", re.IGNORECASE)


def member_values(params: Params, *names: str) -> list[str]:
    """Every value of the members ``names``, whether given as a value, a JSON list or a
    flattened query list."""
    found: list[str] = []
    for name in names:
        value = params.get(name)
        if isinstance(value, list):
            found.extend(str(v) for v in value if not isinstance(v, dict))
        elif value is not None and not isinstance(value, dict):
            found.append(str(value))
        prefix = f"{name}."
        flat = [
            (k, v)
            for k, v in params.items()
            if k.startswith(prefix) and re.fullmatch(rf"{re.escape(name)}(\.member)?\.\d+", k)
        ]
        for _, v in sorted(flat, key=lambda kv: int(kv[0].rsplit(".", 1)[1])):
            found.extend(v if isinstance(v, list) else [v])
    return found


def _ids_with_prefix(params: Params, members: tuple[str, ...], *prefixes: str) -> list[str]:
    return [v for v in member_values(params, *members) if v.startswith(prefixes)]


def _parameter_names(params: Params) -> list[str]:
    return [n.lstrip("/") for n in member_values(params, "Name", "Names", "Path")]


def _document_names(params: Params) -> list[str]:
    return member_values(params, "DocumentName", "Name")


def _automation_definitions(params: Params) -> list[str]:
    version = params.get("DocumentVersion") or "$DEFAULT"
    return [f"{name}:{version}" for name in member_values(params, "DocumentName")]


def _topic_names(params: Params) -> list[str]:
    return [arn.rsplit(":", 1)[-1] for arn in member_values(params, "TopicArn", "TargetArn")]


# (IAM prefix, resource type) -> (template variable, how to find its values in a request)
IdFinder = Callable[[Params], list[str]]
ID_FINDERS: dict[tuple[str, str], tuple[str, IdFinder]] = {
    ("ec2", "instance"): (
        "InstanceId",
        lambda p: _ids_with_prefix(p, ("InstanceId", "InstanceIds", "ResourceId"), "i-"),
    ),
    ("ec2", "image"): (
        "ImageId",
        lambda p: _ids_with_prefix(p, ("ImageId", "ImageIds", "ResourceId"), "ami-"),
    ),
    ("ec2", "snapshot"): (
        "SnapshotId",
        lambda p: _ids_with_prefix(p, ("SnapshotId", "SnapshotIds", "ResourceId"), "snap-"),
    ),
    ("ec2", "volume"): (
        "VolumeId",
        lambda p: _ids_with_prefix(p, ("VolumeId", "VolumeIds", "ResourceId"), "vol-"),
    ),
    # CreateReplaceRootVolumeTask's task (EC2 API reference, ReplaceRootVolumeTask) and
    # CreateTags/DeleteTags on it.
    ("ec2", "replace-root-volume-task"): (
        "ReplaceRootVolumeTaskId",
        lambda p: _ids_with_prefix(
            p, ("ReplaceRootVolumeTaskId", "ReplaceRootVolumeTaskIds", "ResourceId"), "replacevol-"
        ),
    ),
    ("ssm", "instance"): (
        "InstanceId",
        lambda p: _ids_with_prefix(p, ("InstanceIds", "InstanceId"), "i-"),
    ),
    ("ssm", "managed-instance"): (
        "InstanceId",
        lambda p: _ids_with_prefix(p, ("InstanceIds", "InstanceId"), "mi-"),
    ),
    ("ssm", "document"): ("DocumentName", _document_names),
    ("ssm", "parameter"): ("ParameterNameWithoutLeadingSlash", _parameter_names),
    ("ssm", "automation-execution"): (
        "AutomationExecutionId",
        lambda p: member_values(p, "AutomationExecutionId"),
    ),
    ("ssm", "automation-definition"): ("AutomationDefinitionName", _automation_definitions),
    ("ssm", "maintenancewindow"): ("ResourceId", lambda p: member_values(p, "WindowId")),
    ("sns", "topic"): ("TopicName", _topic_names),
    ("iam", "role"): ("RoleNameWithPath", lambda p: member_values(p, "RoleName")),
    ("sts", "role"): (
        "RoleNameWithPath",
        lambda p: [arn.split(":role/", 1)[-1] for arn in member_values(p, "RoleArn")],
    ),
    ("iam", "user"): ("UserNameWithPath", lambda p: member_values(p, "UserName")),
    ("kms", "key"): ("KeyId", lambda p: member_values(p, "KeyId")),
    ("logs", "log-group"): ("LogGroupName", lambda p: member_values(p, "logGroupName")),
}

# Resources a create action makes: authorized as the type's ARN with "*" for the id, as
# EC2 reports them ("on resource: arn:aws:ec2:us-east-1::image/*").
CREATED = {
    ("ec2", "CreateImage"): {"image", "snapshot"},
    ("ec2", "CreateSnapshot"): {"snapshot"},
    ("ec2", "CopyImage"): {"image", "snapshot"},
    ("ec2", "CreateVolume"): {"volume"},
    # The replacement root volume is made by the task: authorized as volume/* with the task.
    ("ec2", "CreateReplaceRootVolumeTask"): {"replace-root-volume-task", "volume"},
    ("ec2", "RunInstances"): {"instance", "volume", "network-interface"},
}


def request_tags(prefix: str, params: Params) -> dict[str, dict[str, str]]:
    """The tags a request asks for, per resource type ("" for every resource of it)."""
    if prefix == "ec2":
        by_type: dict[str, dict[str, str]] = {}
        specs: dict[str, str] = {}
        for key, value in params.items():
            m = re.fullmatch(r"TagSpecification\.(\d+)\.ResourceType", key)
            if m:
                specs[m.group(1)] = str(value)
        for n, rtype in specs.items():
            by_type[rtype] = _pairs(params, rf"TagSpecification\.{n}\.Tag\.(\d+)\.(Key|Value)")
        plain = _pairs(params, r"Tag\.(\d+)\.(Key|Value)")
        if plain:
            by_type[""] = plain
        return by_type
    tags = params.get("Tags")
    if isinstance(tags, list):
        return {
            "": {str(t.get("Key")): str(t.get("Value", "")) for t in tags if isinstance(t, dict)}
        }
    flat = _pairs(params, r"Tags\.member\.(\d+)\.(Key|Value)")
    return {"": flat} if flat else {}


def _pairs(params: Params, pattern: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    values: dict[str, str] = {}
    for key, value in params.items():
        m = re.fullmatch(pattern, key)
        if m:
            (keys if m.group(2) == "Key" else values)[m.group(1)] = str(value)
    return {k: values.get(n, "") for n, k in keys.items()}


def resource_tags(
    prefix: str, rtype: str, resource_id: str, region: str, aws: Any
) -> dict[str, str]:
    """The current tags of the resource (empty when it has none or does not exist yet)."""
    if resource_id in ("*", ""):
        return {}
    if prefix == "ec2" or (prefix == "ssm" and rtype == "instance"):
        from moto.ec2.models import ec2_backends

        return dict(ec2_backends[DEFAULT_ACCOUNT_ID][region].tags.get(resource_id, {}))
    if prefix == "ssm":
        from moto.ssm.models import ssm_backends

        kinds = {
            "document": "Document",
            "parameter": "Parameter",
            "maintenancewindow": "MaintenanceWindow",
        }
        if rtype in kinds:
            tags = ssm_backends[DEFAULT_ACCOUNT_ID][region]._resource_tags.get(kinds[rtype], {})
            found = tags.get(resource_id) or tags.get(f"/{resource_id}") or {}
            return dict(found)
        if rtype == "automation-execution":
            ex = aws.service("automation").executions.get(resource_id)
            return {t["Key"]: t["Value"] for t in (ex.tags if ex else [])}
    if prefix == "sns":
        from moto.sns.models import sns_backends

        for arn, topic in sns_backends[DEFAULT_ACCOUNT_ID][region].topics.items():
            if arn.rsplit(":", 1)[-1] == resource_id:
                return dict(getattr(topic, "_tags", {}) or {})
    return {}


def is_owned_document(name: str) -> bool:
    return bool(_OWNED_DOCUMENT.match(name))
