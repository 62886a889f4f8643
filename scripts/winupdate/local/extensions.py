"""What the embedded AWS adds to moto: the modules that register handlers, and our services.

A service is an object with ``name``, ``start()``, ``stop()`` and ``tick()`` (catch up
with the clock before a request is answered). Modules listed in ``HANDLER_MODULES``
register operations with ``dispatch.operation``/``after``/``control`` when imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .server import EmbeddedAws

# Order matters where two modules check the same operation: a reserved (AWS-owned)
# document name is refused before its content is looked at.
HANDLER_MODULES = [
    "winupdate.local.control_api",
    "winupdate.local.faults",
    "winupdate.local.fleet.handlers",
    "winupdate.local.maintenance_windows",
    "winupdate.local.eventbridge_scheduler",
    "winupdate.local.automation.responses",
    "winupdate.local.automation.document_checks",
    "winupdate.local.automation.service_settings",
    "winupdate.local.iam.policy_checks",
    "winupdate.local.iam.assume_role_checks",
]

# name -> "module:factory"; each factory takes the EmbeddedAws.
SERVICES = {
    "iam": "winupdate.local.iam.authorizer:Authorizer",
    "faults": "winupdate.local.faults:FaultService",
    "automation": "winupdate.local.automation.service:AutomationService",
    "fleet": "winupdate.local.fleet.service:fleet",
    # After automation: its engine runs the scheduled-time wake-ups.
    "maintenance-windows": "winupdate.local.maintenance_windows.scheduler:WindowScheduler",
    # After automation and iam: it invokes targets on the engine, as the schedule's role.
    "eventbridge-scheduler": "winupdate.local.eventbridge_scheduler.scheduler:EventBridgeScheduler",
}


class Service(Protocol):
    name: str

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def tick(self) -> None: ...


def load_extensions(aws: EmbeddedAws) -> list[Any]:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    services = []
    for spec in SERVICES.values():
        module, _, factory = spec.partition(":")
        services.append(getattr(importlib.import_module(module), factory)(aws))
    return services
