"""Resolving the Targets of a rate-controlled run to parameter values
(running-automations-map-targets.md): tag keys, ParameterValues, resource groups."""

from __future__ import annotations

from typing import Any

from moto.ec2.models import ec2_backends

from .exceptions import InvalidAutomationExecutionParametersException, InvalidTarget


def resolve_targets(targets: list[dict[str, Any]], account_id: str, region: str) -> list[str]:
    if len(targets) != 1:
        raise InvalidTarget("Targets must contain exactly one target for a rate-controlled run.")
    target = targets[0]
    key, values = target.get("Key", ""), list(target.get("Values") or [])
    if not values:
        raise InvalidTarget(f"Target {key!r} has no Values.")
    if key == "ParameterValues":
        return values
    if key.startswith("tag:"):
        return _instances_tagged(account_id, region, key[4:], values)
    if key == "tag-key":
        return _instances_tagged(account_id, region, None, values)
    if key == "ResourceGroup":
        raise InvalidTarget("Target key ResourceGroup is not supported by the embedded AWS.")
    raise InvalidTarget(
        f"Target key {key!r} is not valid; "
        "use tag:<key>, tag-key, ParameterValues or ResourceGroup."
    )


def _instances_tagged(
    account_id: str, region: str, key: str | None, values: list[str]
) -> list[str]:
    backend = ec2_backends[account_id][region]
    found = []
    for reservation in backend.reservations.values():
        for instance in reservation.instances:
            if instance.state in ("terminated", "shutting-down"):
                continue
            tags = {t["key"]: t["value"] for t in instance.get_tags()}
            if key is None:
                if any(k in tags for k in values):
                    found.append(instance.id)
            elif key in tags and tags[key] in values:
                found.append(instance.id)
    return sorted(found)


def check_target_parameter(name: str | None, declared: set[str]) -> str:
    if not name:
        raise InvalidAutomationExecutionParametersException(
            "TargetParameterName is required when Targets are given."
        )
    if name not in declared:
        raise InvalidAutomationExecutionParametersException(
            f"TargetParameterName {name!r} is not a parameter of the document."
        )
    return name
