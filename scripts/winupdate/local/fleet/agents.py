"""SSM agents of the fleet, as DescribeInstanceInformation reports them.

An instance appears once its agent first registered (``Durations.agent_registration``
after it first ran); from then on it is ``Online`` while the instance runs and its OS
is up, ``ConnectionLost`` while it is stopping, stopped or rebooting. Terminated
instances are deregistered. Linux instances have no agent in this model.
"""

from __future__ import annotations

from typing import Any

from ..dispatch import Call, operation
from ..errors import AwsError
from .instances import Host

AGENT_VERSION = "3.3.1142.0"
PLATFORM_NAME = "Microsoft Windows Server 2022 Datacenter"
PLATFORM_VERSION = "10.0.20348"

# InstanceInformationFilterList keys (InstanceInformationFilterKey in the API).
_FILTER_LIST_KEYS = {
    "InstanceIds",
    "AgentVersion",
    "PingStatus",
    "PlatformTypes",
    "ActivationIds",
    "IamRole",
    "ResourceType",
    "AssociationStatus",
}


def describe(host: Host, instance: Any) -> dict[str, Any]:
    """One InstanceInformation entry."""
    info: dict[str, Any] = {
        "InstanceId": host.instance_id,
        "PingStatus": host.ping_status(),
        "LastPingDateTime": host.last_ping,
        "AgentVersion": AGENT_VERSION,
        "IsLatestVersion": True,
        "PlatformType": "Windows",
        "PlatformName": PLATFORM_NAME,
        "PlatformVersion": PLATFORM_VERSION,
        "ResourceType": "EC2Instance",
        "IPAddress": getattr(instance, "private_ip", None),
        "ComputerName": host.computer_name,
        "AssociationStatus": "Success",
        "AssociationOverview": {"InstanceAssociationStatusAggregatedCount": {}},
        "SourceId": host.instance_id,
        "SourceType": "AWS::EC2::Instance",
    }
    return {k: v for k, v in info.items() if v is not None}


def _value_of(info: dict[str, Any], key: str) -> list[str]:
    if key == "InstanceIds":
        return [info["InstanceId"]]
    if key == "PlatformTypes":
        return [info["PlatformType"]]
    if key == "ActivationIds":
        return []
    if key == "IamRole":
        return []
    return [str(info.get(key, ""))]


def _matches(info: dict[str, Any], tags: dict[str, str], key: str, values: list[str]) -> bool:
    if key.startswith("tag:"):
        return tags.get(key[4:]) in values
    if key == "tag-key":
        return any(v in tags for v in values)
    return any(v in values for v in _value_of(info, key))


@operation("ssm", "DescribeInstanceInformation")
def describe_instance_information(call: Call) -> dict[str, Any]:
    p = call.params
    filter_list = p.get("InstanceInformationFilterList") or []
    filters = p.get("Filters") or []
    if filter_list and filters:
        raise AwsError(
            "InvalidInstanceInformationFilterValue",
            "InstanceInformationFilterList and Filters cannot be used together.",
        )
    conditions: list[tuple[str, list[str]]] = []
    for item in filter_list:
        key = item.get("key")
        if key not in _FILTER_LIST_KEYS:
            raise AwsError("InvalidFilterKey", f"The filter key {key} is not valid.")
        values = item.get("valueSet") or []
        if not values:
            raise AwsError(
                "InvalidInstanceInformationFilterValue", f"The filter {key} has no values."
            )
        conditions.append((key, values))
    for item in filters:
        key = item.get("Key", "")
        if key not in _FILTER_LIST_KEYS and not key.startswith("tag:") and key != "tag-key":
            raise AwsError("InvalidFilterKey", f"The filter key {key} is not valid.")
        conditions.append((key, item.get("Values") or []))
    max_results = int(p.get("MaxResults") or 50)
    if not 5 <= max_results <= 50:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to "
            "satisfy constraint: Member must have value between 5 and 50",
        )
    fleet = call.aws.service("fleet")
    found = []
    with fleet.lock:
        hosts = fleet.hosts.values()
        for key, values in conditions:
            if key == "InstanceIds":
                # Only the named ones: an agent check asks about one instance of a fleet.
                named = set(values)
                hosts = [h for h in hosts if h.instance_id in named]
        for host in sorted(hosts, key=lambda h: h.registered_at or 0.0):
            if not host.windows or not host.registered or host.terminated:
                continue
            if host.account_id != call.account_id or host.region != call.region:
                continue
            instance = host.moto_instance()
            if instance is None:
                continue
            info = describe(host, instance)
            # Tags only when a condition needs them: moto finds one resource's tags by
            # scanning every tag of the region, and a fleet asks this once per poll.
            tags = (
                {t["key"]: t["value"] for t in instance.get_tags()}
                if any(key.startswith("tag") for key, _ in conditions)
                else {}
            )
            if all(_matches(info, tags, key, values) for key, values in conditions):
                found.append(info)
    start = _token(p.get("NextToken"))
    page = found[start : start + max_results]
    result: dict[str, Any] = {"InstanceInformationList": page}
    if start + max_results < len(found):
        result["NextToken"] = str(start + max_results)
    return result


def _token(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(token)
    except ValueError:
        raise AwsError("InvalidNextToken", "The specified token isn't valid.") from None
