"""Emulator-only controls of the fleet, under ``/_winupdate/fleet/``.

- ``GET fleet/updates?instance_id=i-...``: the instance's pending and installed updates.
- ``POST fleet/catalogue`` ``{"instance_id": "i-...", "updates": [{"kb": "KB5034439",
  "severity": "Critical", "category": "SecurityUpdates", "reboot_required": true,
  "published": "2024-01-09" | "published_days_ago": 10, "title": "...", "fails": false}]}``:
  replace the instance's pending updates (installed ones are kept).
- ``POST fleet/durations`` ``{"boot": 10, ...}``: change modelled durations (fields of
  ``Durations``); answers the durations in force.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..dispatch import control
from .catalogue import Update

if TYPE_CHECKING:
    from ..server import EmbeddedAws
    from .service import FleetService


def _host(fleet: FleetService, params: dict[str, Any]) -> Any:
    instance_id = params["instance_id"]
    fleet.tick()
    host = fleet.host(instance_id)
    if host is None:
        raise KeyError(f"no instance {instance_id} in the fleet")
    return host


@control("GET", "fleet/updates")
def updates(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    fleet: FleetService = aws.service("fleet")
    with fleet.lock:
        host = _host(fleet, params)
        return {
            "instance_id": host.instance_id,
            "reboot_pending": host.reboot_pending,
            **fleet.catalogue(host).to_json(),
        }


@control("POST", "fleet/catalogue")
def set_catalogue(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    fleet: FleetService = aws.service("fleet")
    with fleet.lock:
        host = _host(fleet, params)
        now = fleet.now()
        pending = [Update.from_json(item, now) for item in params.get("updates", [])]
        fleet.catalogue(host).pending = pending
        return {"instance_id": host.instance_id, **fleet.catalogue(host).to_json()}


@control("POST", "fleet/durations")
def set_durations(aws: EmbeddedAws, params: dict[str, Any]) -> dict[str, Any]:
    fleet: FleetService = aws.service("fleet")
    names = {f.name for f in dataclasses.fields(fleet.durations)}
    unknown = set(params) - names
    if unknown:
        raise ValueError(f"unknown durations: {', '.join(sorted(unknown))}")
    with fleet.lock:
        fleet.durations = dataclasses.replace(
            fleet.durations, **{k: float(v) for k, v in params.items()}
        )
        return dataclasses.asdict(fleet.durations)
