"""Run Command's model: commands, their invocations and plugins, and how they run.

moto records a command and reports it ``Success`` at once, with no output. The fleet
keeps its own: one invocation per instance, moving Pending -> InProgress ->
Success/Failed over modelled time, with one plugin per document step (named after the
step, as AWS names plugins of schema 2.x documents). The API that reads and writes
them is ``command_responses``.

Delivery (the Run Command statuses page): SendCommand to an instance that never
registered with SSM (or is terminated) fails with ``InvalidInstanceId``; an invocation
whose agent is offline (stopped, booting, rebooting) when it is due is ``Delayed``
and retried until the delivery timeout
(``TimeoutSeconds``, default 3600), then ``TimedOut``/``Delivery Timed Out``; an
invocation for an instance that was terminated is ``Failed``/``Undeliverable``.

Timeouts (Command.ExpiresAfter, the invocation statuses): each plugin has an execution
timeout (its ``timeoutSeconds``, often ``{{ executionTimeout }}``; 3600 when absent),
enforced by the agent: a plugin still running then is killed, ``TimedOut``/``Execution
Timed Out``, ResponseCode -1 (the Windows agent's CommandStoppedPreemptivelyExitCode). The
service enforces the command's total timeout, ``ExpiresAfter`` = requested + TimeoutSeconds
+ the execution timeouts: an invocation still ``InProgress``, ``Pending`` or ``Delayed``
then (its agent never came back to report) is ``TimedOut``/``Delivery Timed Out``.

Fleet faults (``faults.FLEET_FAULTS``), each spent when the invocation starts on the
instance: ``command_fails`` (the plugin fails, ResponseCode 1), ``command_times_out``
(it never ends: Execution Timed Out); ``reboot_never_completes`` is spent when an update
reboots the instance: the OS never comes back, the invocation expires.

AWS-InstallWindowsUpdates runs the fleet's update model (``windows_update``); any
other Command document completes each step with empty output after
``Durations.plugin`` seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .windows_update import Install, Log, Selection, update_hash

if TYPE_CHECKING:
    from .instances import Host
    from .service import FleetService

INSTALL_WINDOWS_UPDATES = "AWS-InstallWindowsUpdates"
TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled"}
#: The agent's execution timeout of a plugin without ``timeoutSeconds``.
DEFAULT_EXECUTION_TIMEOUT = 3600.0
# command_fails on AWS-InstallWindowsUpdates: Windows Update cannot reach its service
# (WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL), the script's terminating error, PowerShell's exit 1.
WU_ERROR = "Exception from HRESULT: 0x80244022"
WU_STDERR = (
    f"Install-AwsUwiWindowsUpdates : {WU_ERROR}\n"
    "At line:3 char:1\n"
    "    + CategoryInfo          : NotSpecified: (:) [Install-AwsUwiWindowsUpdates], "
    "COMException\n"
    "    + FullyQualifiedErrorId : System.Runtime.InteropServices.COMException,"
    "Install-AwsUwiWindowsUpdates\n"
    "failed to run commands: exit status 1\n"
)


@dataclass
class Plugin:
    name: str
    status: str = "Pending"
    status_details: str = "Pending"
    response_code: int = -1
    start: float | None = None
    finish: float | None = None
    output: str = ""
    error: str = ""

    def set(self, status: str, details: str | None = None) -> None:
        self.status = status
        self.status_details = details or status

    def begin(self, when: float) -> None:
        self.start = when
        self.set("InProgress", "In Progress")

    def end(self, when: float, code: int, status: str, details: str | None = None) -> None:
        self.finish = when
        self.response_code = code
        self.set(status, details)


@dataclass
class Invocation:
    command: Command
    instance_id: str
    plugins: list[Plugin]
    status: str = "Pending"
    status_details: str = "Pending"
    start: float | None = None
    finish: float | None = None
    #: What the agent reported before it went silent (shown once the command expires).
    extra_output: str = ""

    def set(self, status: str, details: str | None = None) -> None:
        self.status = status
        self.status_details = details or status
        for plugin in self.plugins:
            if plugin.status not in TERMINAL:
                plugin.set(status, details)

    def end(self, when: float, status: str, details: str | None = None) -> None:
        self.set(status, details)
        self.finish = when

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def response_code(self) -> int:
        codes = [p.response_code for p in self.plugins if p.response_code != 0]
        return codes[0] if codes else 0

    def stdout(self, plugin: Plugin | None = None) -> str:
        if plugin is not None:
            return plugin.output
        return "".join(p.output for p in self.plugins)

    def stderr(self, plugin: Plugin | None = None) -> str:
        if plugin is not None:
            return plugin.error
        return "".join(p.error for p in self.plugins)


@dataclass
class Command:
    command_id: str
    account_id: str
    region: str
    document_name: str
    document_version: str
    steps: list[str]
    parameters: dict[str, list[str]]
    requested: float
    timeout_seconds: int
    comment: str = ""
    instance_ids: list[str] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    max_concurrency: str = "50"
    max_errors: str = "0"
    service_role: str | None = None
    notification_config: dict[str, Any] | None = None
    cloudwatch: dict[str, Any] | None = None
    output_s3: dict[str, str] = field(default_factory=dict)
    invocations: dict[str, Invocation] = field(default_factory=dict)
    cancelled: bool = False
    #: Execution timeout of each plugin (step), in document order.
    plugin_timeouts: list[float] = field(default_factory=list)

    @property
    def expires_after(self) -> float:
        """The command's total timeout: delivery timeout plus every execution timeout."""
        return self.requested + self.timeout_seconds + sum(self.plugin_timeouts)

    def status(self) -> tuple[str, str]:
        invocations = list(self.invocations.values())
        if not invocations:
            return "Success", "Success"
        if any(not i.terminal for i in invocations):
            if self.cancelled:
                return "Cancelling", "Cancelling"
            if all(i.status == "Pending" for i in invocations):
                return "Pending", "Pending"
            return "InProgress", "In Progress"
        details = [i.status_details for i in invocations]
        if all(d == "Success" for d in details):
            return "Success", "Success"
        if any(i.status == "Cancelled" for i in invocations):
            return "Cancelled", "Cancelled"
        errors = sum(1 for d in details if d in ("Failed", "Execution Timed Out"))
        if errors > _max_errors(self.max_errors, len(invocations)):
            failed = [d for d in details if d in ("Failed", "Execution Timed Out")]
            if all(d == "Execution Timed Out" for d in failed):
                return "TimedOut", "Execution Timed Out"
            return "Failed", "Failed"
        if all(d == "Delivery Timed Out" for d in details):
            return "TimedOut", "Delivery Timed Out"
        return "Failed", "Incomplete"

    def describe(self) -> dict[str, Any]:
        status, details = self.status()
        invocations = list(self.invocations.values())
        result: dict[str, Any] = {
            "CommandId": self.command_id,
            "DocumentName": self.document_name,
            "DocumentVersion": self.document_version,
            "Comment": self.comment,
            "ExpiresAfter": self.expires_after,
            "Parameters": self.parameters,
            "InstanceIds": self.instance_ids,
            "Targets": self.targets,
            "RequestedDateTime": self.requested,
            "Status": status,
            "StatusDetails": details,
            "OutputS3Region": self.output_s3.get("region", self.region),
            "OutputS3BucketName": self.output_s3.get("bucket", ""),
            "OutputS3KeyPrefix": self.output_s3.get("prefix", ""),
            "MaxConcurrency": self.max_concurrency,
            "MaxErrors": self.max_errors,
            "TargetCount": len(invocations),
            "CompletedCount": sum(1 for i in invocations if i.terminal),
            "ErrorCount": sum(
                1 for i in invocations if i.status_details in ("Failed", "Execution Timed Out")
            ),
            "DeliveryTimedOutCount": sum(
                1 for i in invocations if i.status_details == "Delivery Timed Out"
            ),
            "TimeoutSeconds": self.timeout_seconds,
        }
        result.update(self.optional_members())
        return result

    def optional_members(self) -> dict[str, Any]:
        """The members a Command and its invocations carry only when the request set them."""
        members: dict[str, Any] = {}
        if self.service_role:
            members["ServiceRole"] = self.service_role
        if self.notification_config:
            members["NotificationConfig"] = self.notification_config
        if self.cloudwatch:
            members["CloudWatchOutputConfig"] = self.cloudwatch
        return members


def _max_errors(value: str, total: int) -> int:
    if value.endswith("%"):
        return int(total * float(value[:-1]) / 100)
    return int(value or 0)


# -- running invocations -------------------------------------------------------------
class Runner:
    """Moves one invocation through its statuses on the fleet's event queue."""

    def __init__(self, fleet: FleetService, invocation: Invocation) -> None:
        self.fleet = fleet
        self.inv = invocation
        self.cmd = invocation.command
        self.deadline = self.cmd.requested + self.cmd.timeout_seconds
        #: AWS-InstallWindowsUpdates' state.json: what this command installed before a restart.
        self.installed: set[str] = set()

    def start(self) -> None:
        self.fleet.schedule(
            self.cmd.requested + self.fleet.durations.command_delivery, self.deliver
        )
        self.fleet.schedule(self.cmd.expires_after, self.expire)

    def expire(self, when: float) -> None:
        """The service gives up on an invocation whose agent never reported its end."""
        if self.inv.terminal:
            return
        for plugin in self.inv.plugins:
            if plugin.status == "InProgress":
                plugin.output = self.inv.extra_output or plugin.output
        self.inv.end(when, "TimedOut", "Delivery Timed Out")

    def deliver(self, when: float) -> None:
        if self.inv.terminal:
            return
        host = self.fleet.hosts.get(self.inv.instance_id)
        if host is None or host.terminated:
            self.inv.end(when, "Failed", "Undeliverable")
            return
        if not host.online:
            self.inv.set("Delayed", "Delayed")
            self.fleet.wait_for_agent(host, self.deliver)
            self.fleet.schedule(self.deadline, self.delivery_timeout)
            return
        self.inv.status, self.inv.status_details = "InProgress", "In Progress"
        self.inv.start = when
        faults = self.fleet.aws.service("faults")
        if faults.fleet_fault("command_times_out", host.instance_id):
            self._hang(host, when)
        elif faults.fleet_fault("command_fails", host.instance_id):
            self._fail(when)
        elif self.cmd.document_name == INSTALL_WINDOWS_UPDATES:
            self._install_windows_updates(host, when)
        else:
            self._run_plugins(when)

    def _plugin_timeout(self, index: int = 0) -> float:
        timeouts = self.cmd.plugin_timeouts
        return timeouts[index] if index < len(timeouts) else DEFAULT_EXECUTION_TIMEOUT

    def _fail(self, when: float) -> None:
        """The first plugin exits non-zero: what a throwing script reports."""
        plugin = self.inv.plugins[0]
        plugin.begin(when)
        log = Log()
        at = when + self.fleet.durations.plugin
        if self.cmd.document_name == INSTALL_WINDOWS_UPDATES:
            at = when + self.fleet.durations.scan
            log.info(when, "Searching for Windows Updates.")
            log.error(at, f"Failed to search for Windows Updates: {WU_ERROR}")
            error = WU_STDERR
        else:
            error = "Injected fault: the script exited with code 1.\n"

        def failed(due: float) -> None:
            if self.inv.terminal:
                return
            plugin.output = log.text()
            plugin.error = error
            plugin.end(due, 1, "Failed")
            for later in self.inv.plugins[1:]:
                # Later steps of a failed command do not run (schema 2.2 exit on failure).
                later.set("Failed", "Failed")
            self._finish(due)

        self.fleet.schedule(at, failed)

    def _hang(self, host: Host, when: float) -> None:
        """The first plugin never ends: the agent kills it at its execution timeout."""
        plugin = self.inv.plugins[0]
        plugin.begin(when)
        log = Log()
        if self.cmd.document_name == INSTALL_WINDOWS_UPDATES:
            log.info(when, "Searching for Windows Updates.")
            # Windows Update's search hangs: a known failure mode of the WU agent.
        agent = host.agent_gen
        timeout = self._plugin_timeout(0)

        def timed_out(due: float) -> None:
            if self.inv.terminal:
                return
            plugin.output = log.text()
            if host.agent_gen != agent:
                # The agent that ran the plugin went away (stop, reboot): nobody kills
                # and reports it; the service's expiry ends the invocation instead.
                self.inv.extra_output = plugin.output
                return
            plugin.end(due, -1, "TimedOut", "Execution Timed Out")
            self.inv.end(due, "TimedOut", "Execution Timed Out")

        self.fleet.schedule(when + timeout, timed_out)

    def delivery_timeout(self, when: float) -> None:
        if self.inv.status in ("Pending", "Delayed"):
            self.inv.end(when, "TimedOut", "Delivery Timed Out")

    def _finish(self, when: float) -> None:
        if self.inv.terminal:
            return
        self.inv.finish = when
        if all(p.status == "Success" for p in self.inv.plugins):
            self.inv.status, self.inv.status_details = "Success", "Success"
        else:
            self.inv.status, self.inv.status_details = "Failed", "Failed"

    def _run_plugins(self, when: float) -> None:
        at = when
        for plugin in self.inv.plugins:
            plugin.begin(at)
            at += self.fleet.durations.plugin

            def done(due: float, plugin: Plugin = plugin) -> None:
                if self.inv.terminal:
                    return
                plugin.end(due, 0, "Success")

            self.fleet.schedule(at, done)
        self.fleet.schedule(at, self._finish)

    def _install_windows_updates(self, host: Host, when: float, log: Log | None = None) -> None:
        """One run of the script (``windows_update``); exit 3010 restarts the instance and
        runs it again, its output appended, its state file (what it installed) kept."""
        durations = self.fleet.durations
        plugin = self.inv.plugins[0]
        if log is None:
            plugin.begin(when)
            log = Log()
        selection = Selection.from_parameters(self.cmd.parameters)
        catalogue = self.fleet.catalogue(host)
        plan = Install.plan(
            selection, catalogue.pending, durations, when, frozenset(self.installed)
        )
        found_at = when + plan.search_seconds
        selection.search(log, catalogue.pending, when, found_at)
        plan.download(log, found_at)

        def complete(due: float, code: int = 0) -> None:
            if self.inv.terminal:
                return
            plugin.output = log.text()
            plugin.end(due, code, "Success" if code == 0 else "Failed")
            self._finish(due)

        if not plan.installs:
            self.fleet.schedule(found_at, complete)
            return
        installed_at = found_at + plan.install_seconds

        def installed(due: float) -> None:
            if self.inv.terminal:
                return
            instance = host.moto_instance()
            if instance is None or instance.state != "running" or not host.online:
                # The OS went down under the script: nothing more is logged, the agent that
                # ran it is gone; the invocation fails.
                complete(due, -1)
                return
            plan.install(log, found_at)
            catalogue.install(plan.succeeding)
            if plan.exit_code != 3010:
                if plan.needs_reboot:
                    host.reboot_pending = True
                complete(due, plan.exit_code)
                return
            self.installed.update(update_hash(u) for u in plan.found)
            faults = self.fleet.aws.service("faults")
            if faults.fleet_fault("reboot_never_completes", host.instance_id):
                # The OS goes down and never comes back (EC2 still says running): no agent
                # reports the end, so the invocation stays InProgress until the command
                # expires (``expire``).
                self.fleet.hang(host, due)
                self.inv.extra_output = log.text()
                return
            back = self.fleet.reboot(host, due)
            self.fleet.schedule(back, lambda at: self._install_windows_updates(host, at, log))

        self.fleet.schedule(installed_at, installed)


def plugin_timeouts(document: Any, given: dict[str, list[str]]) -> list[float]:
    """Each step's execution timeout: its ``timeoutSeconds``, placeholders resolved."""
    content = document.content_json or {}
    declared = content.get("parameters") or {}
    steps = content.get("mainSteps") or list((content.get("runtimeConfig") or {}).values())
    timeouts = []
    for step in steps or [{}]:
        value = str((step.get("inputs") or {}).get("timeoutSeconds", "")).strip()
        placeholder = re.fullmatch(r"\{\{\s*(\w+)\s*\}\}", value)
        if placeholder:
            name = placeholder.group(1)
            value = (given.get(name) or [str(declared.get(name, {}).get("default", ""))])[0]
        try:
            timeouts.append(float(value))
        except ValueError:
            timeouts.append(DEFAULT_EXECUTION_TIMEOUT)
    return timeouts


def document_steps(document: Any) -> list[str]:
    content = document.content_json or {}
    if content.get("mainSteps"):
        return [step.get("name") or step.get("action") for step in content["mainSteps"]]
    runtime = content.get("runtimeConfig") or {}
    return list(runtime) or ["aws:runScript"]
