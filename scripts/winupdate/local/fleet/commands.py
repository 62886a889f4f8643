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

AWS-InstallWindowsUpdates runs the fleet's update model (``windows_update``). Every other
document's ``aws:runPowerShellScript`` plugins (AWS-RunPowerShellScript's, a user's schema
2.2 steps) run their ``runCommand`` in the modelled PowerShell (``powershell``), its
``{{ name }}`` placeholders replaced by the command's parameters (their defaults when not
given) as SSM does: a step takes ``Durations.plugin`` seconds plus its ``Start-Sleep``s, its
ResponseCode is the script's exit code, a non-zero one fails it (and the later steps do not
run), one that outlasts its execution timeout is killed as above. A plugin the model does
not run (any other action: ``aws:runShellScript``, ``aws:runDocument`` …) fails with
ResponseCode 1 and says so on stderr: nothing is reported done that was not modelled.

When a plugin ends, its agent writes its output to the S3 bucket and the CloudWatch Logs
group the command names, as the instance's role (``command_output``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import command_output, powershell
from .windows_update import Install, Log, Selection, update_hash

if TYPE_CHECKING:
    from .instances import Host
    from .service import FleetService

INSTALL_WINDOWS_UPDATES = "AWS-InstallWindowsUpdates"
RUN_POWERSHELL = "aws:runPowerShellScript"
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


@dataclass(frozen=True)
class PluginSpec:
    """One plugin of a Command document, as the agent runs it."""

    #: As GetCommandInvocation's PluginName: the step's name (schema 2.x), the plugin
    #: (schema 1.2: ``aws:runPowerShellScript``).
    name: str
    #: The plugin that runs: ``aws:runPowerShellScript`` …
    action: str
    #: The step's name (2.x), the property's ``id`` (1.2: ``0.aws:runPowerShellScript``):
    #: the last folder of the output's S3 key.
    plugin_id: str
    inputs: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Plugin:
    name: str
    action: str = RUN_POWERSHELL
    plugin_id: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
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
    #: Why output the agent wrote did not arrive (its role may not, no such bucket).
    undelivered: list[str] = field(default_factory=list)

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
    #: The document's plugins, and its declared parameters (for ``{{ }}`` and defaults).
    plugin_specs: list[PluginSpec] = field(default_factory=list)
    declared_parameters: dict[str, Any] = field(default_factory=dict)

    def parameter(self, name: str) -> str | list[str] | None:
        """A parameter's value as the document sees it: given, else its default; a
        StringList as a list. None for a name the document does not declare."""
        spec = self.declared_parameters.get(name)
        if spec is None:
            return None
        if name in self.parameters:
            values = self.parameters[name]
        else:
            default = spec.get("default", "")
            values = [str(v) for v in default] if isinstance(default, list) else [str(default)]
        if spec.get("type") == "StringList":
            return list(values)
        return ",".join(values)

    def resolve(self, value: Any) -> Any:
        """``value`` with its ``{{ name }}`` placeholders replaced. A string that is one
        placeholder of a StringList becomes the list (in a list, its items); elsewhere a
        list's items are joined with commas (assumed: the documentation shows no case)."""
        if isinstance(value, list):
            resolved: list[Any] = []
            for item in value:
                item = self.resolve(item)
                resolved.extend(item if isinstance(item, list) else [item])
            return resolved
        if not isinstance(value, str):
            return value
        whole = _PLACEHOLDER.fullmatch(value.strip())
        if whole and self.parameter(whole.group(1)) is not None:
            return self.parameter(whole.group(1))

        def one(match: re.Match[str]) -> str:
            found = self.parameter(match.group(1))
            if found is None:
                return match.group(0)  # not a parameter ({{ssm:…}}, a typo): left as is
            return ",".join(found) if isinstance(found, list) else found

        return _PLACEHOLDER.sub(one, value)

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


_PLACEHOLDER = re.compile(r"\{\{\s*([\w.-]+)\s*\}\}")


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
        document = self.cmd.document_name
        if faults.fleet_fault("command_times_out", host.instance_id, document):
            self._hang(host, when)
        elif faults.fleet_fault("command_fails", host.instance_id, document):
            self._fail(when)
        elif self.cmd.document_name == INSTALL_WINDOWS_UPDATES:
            self._install_windows_updates(host, when)
        else:
            self._run_plugin(host, 0, when)

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
            command_output.publish(self.fleet, self.inv, plugin)
            self._skip_after(plugin)
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
            command_output.publish(self.fleet, self.inv, plugin)
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

    def _skip_after(self, failed: Plugin) -> None:
        """Later steps of a failed command do not run (the project's reading of schema 2.2
        multi-step documents; the injected faults have always done so)."""
        for later in self.inv.plugins[self.inv.plugins.index(failed) + 1 :]:
            later.set("Failed", "Failed")

    def _run_plugin(self, host: Host, index: int, when: float) -> None:
        """Run plugin ``index`` in the modelled PowerShell, then the next one."""
        if index >= len(self.inv.plugins):
            self._finish(when)
            return
        plugin = self.inv.plugins[index]
        plugin.begin(when)
        if plugin.action == RUN_POWERSHELL:
            lines = powershell.script_lines(self.cmd.resolve(plugin.inputs.get("runCommand", [])))
            outcome = powershell.run(lines)
        else:
            outcome = powershell.Outcome(exit_code=1)
            outcome.stderr.append(
                powershell.Line(
                    0.0,
                    f"{plugin.action}: not supported by the embedded AWS (it runs "
                    f"{RUN_POWERSHELL} plugins in a modelled PowerShell)",
                )
            )
        # PowerShell's start and the agent's bookkeeping, then the script's own sleeps.
        overhead = self.fleet.durations.plugin
        timeout = self._plugin_timeout(index)
        agent = host.agent_gen

        def events(until: float | None = None) -> dict[str, list[command_output.Event]]:
            return {
                stream: [
                    (when + line.at, line.text)
                    for line in lines_
                    if until is None or line.at <= until
                ]
                for stream, lines_ in (("stdout", outcome.stdout), ("stderr", outcome.stderr))
            }

        def ended(due: float, timed_out: bool) -> None:
            if self.inv.terminal:
                return
            if host.agent_gen != agent:
                # The OS went down under the script (stop, reboot): no agent reports its
                # end; the service's expiry ends the invocation.
                self.inv.extra_output = outcome.text("stdout", timeout if timed_out else None)
                return
            if timed_out:
                plugin.output = outcome.text("stdout", timeout)
                plugin.error = outcome.text("stderr", timeout)
                plugin.end(due, -1, "TimedOut", "Execution Timed Out")
                command_output.publish(self.fleet, self.inv, plugin, events(timeout))
                self.inv.end(due, "TimedOut", "Execution Timed Out")
                return
            plugin.output = outcome.text("stdout")
            plugin.error = outcome.text("stderr")
            code = outcome.exit_code
            plugin.end(due, code, "Success" if code == 0 else "Failed")
            command_output.publish(self.fleet, self.inv, plugin, events())
            if code != 0:
                self._skip_after(plugin)
                self._finish(due)
                return
            self._run_plugin(host, index + 1, due)

        if overhead + outcome.seconds > timeout:
            self.fleet.schedule(when + timeout, lambda due: ended(due, True))
        else:
            self.fleet.schedule(when + overhead + outcome.seconds, lambda due: ended(due, False))

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
            command_output.publish(self.fleet, self.inv, plugin)
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
    """Each plugin's execution timeout: its ``timeoutSeconds``, placeholders resolved."""
    declared = (document.content_json or {}).get("parameters") or {}
    timeouts = []
    for spec in document_plugins(document) or [PluginSpec("", "", "")]:
        value = str(spec.inputs.get("timeoutSeconds", "")).strip()
        placeholder = re.fullmatch(r"\{\{\s*(\w+)\s*\}\}", value)
        if placeholder:
            name = placeholder.group(1)
            value = (given.get(name) or [str(declared.get(name, {}).get("default", ""))])[0]
        try:
            timeouts.append(float(value))
        except ValueError:
            timeouts.append(DEFAULT_EXECUTION_TIMEOUT)
    return timeouts


def document_plugins(document: Any) -> list[PluginSpec]:
    """The plugins a Command document runs: its ``mainSteps`` (schema 2.x), or each
    property of each plugin of its ``runtimeConfig`` (schema 1.2)."""
    content = document.content_json or {}
    if content.get("mainSteps"):
        return [
            PluginSpec(
                name=step.get("name") or step.get("action"),
                action=step.get("action", ""),
                plugin_id=step.get("name") or step.get("action", ""),
                inputs=dict(step.get("inputs") or {}),
            )
            for step in content["mainSteps"]
        ]
    specs = []
    for action, config in (content.get("runtimeConfig") or {}).items():
        properties = (config or {}).get("properties") or [{}]
        if isinstance(properties, dict):
            properties = [properties]
        for index, properties_ in enumerate(properties):
            specs.append(
                PluginSpec(
                    name=action,
                    action=action,
                    plugin_id=properties_.get("id") or f"{index}.{action}",
                    inputs=dict(properties_),
                )
            )
    return specs
