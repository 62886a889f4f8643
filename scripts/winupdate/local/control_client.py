"""A Python helper for the embedded AWS's emulator-only controls (``/_winupdate/``).

Tests and the CLI use it to read published messages and inject faults; against a real
account these controls do not exist, and callers skip them.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from ..errors import WinUpdateError


class ControlClient:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.endpoint}/_winupdate/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", "replace")
            raise WinUpdateError(f"embedded AWS control {path}: {detail}") from err
        except urllib.error.URLError as err:
            raise WinUpdateError(
                f"no embedded AWS answers at {self.endpoint} ({err.reason}); "
                "start one with `winupdate local`"
            ) from err

    def health(self) -> dict[str, Any]:
        return self._request("GET", "health")

    def messages(self, topic: str | None = None) -> list[dict[str, Any]]:
        """Every message published to SNS (approval requests included), oldest first."""
        return self._request("GET", "messages" + (f"?topic={topic}" if topic else ""))

    def inject_fault(self, **spec: Any) -> dict[str, Any]:
        """``inject_fault(service="ec2", operation="CreateImage", match={...}, error=...)`` or
        ``inject_fault(kind="image_fails", instance_id="i-...")``."""
        return self._request("POST", "faults", spec)

    def throttle(
        self, service: str, operation: str, times: int, match: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Answer the next ``times`` matching calls as ``service`` throttles (EC2
        ``RequestLimitExceeded``/503, SSM ``ThrottlingException``/400, ...)."""
        return self.inject_fault(
            kind="throttle", service=service, operation=operation, count=times, match=match or {}
        )

    def fleet_fault(
        self,
        kind: str,
        instance_id: str | None = None,
        count: int | None = 1,
        document: str | None = None,
    ) -> dict[str, Any]:
        """A fleet fault (``faults.FLEET_FAULTS``) for one instance (or every one, with no
        ``instance_id``), spent after ``count`` hits (``None``: every time); the command
        faults only for commands of ``document`` when given."""
        return self.inject_fault(kind=kind, instance_id=instance_id, count=count, document=document)

    def internal_failures(self) -> list[dict[str, str]]:
        """Requests the embedded AWS answered 500 by a bug of its own (an SDK's retry may
        have hidden them from the caller)."""
        return self._request("GET", "internal-failures")

    def faults(self) -> list[dict[str, Any]]:
        """The injected faults, each with how many times it acted (``hits``)."""
        return self._request("GET", "faults")

    def clear_faults(self) -> None:
        self._request("POST", "faults/clear", {})

    def api_calls(self, execution_id: str) -> int:
        return self._request("GET", f"automation/calls?execution_id={execution_id}")["calls"]

    def automation_settings(self, **settings: Any) -> dict[str, Any]:
        """Set (or read, with no arguments) ``MaxConcurrentExecutions``, ``QueueLimit`` and
        ``AutoApprove={"Principal": arn, "AfterSeconds": s}``."""
        return self._request("POST", "automation/settings", settings)

    def all_api_calls(self) -> list[dict[str, Any]]:
        """AWS calls made by the steps of every execution: execution_id, document, calls."""
        return self._request("GET", "automation/calls")

    def run_maintenance_window(self, window_id: str) -> str:
        """Run the window now, as its schedule would; return its ``WindowExecutionId``."""
        return self._request("POST", "maintenance-windows/run", {"WindowId": window_id})[
            "WindowExecutionId"
        ]
