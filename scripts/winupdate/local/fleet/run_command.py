"""Run Command: SendCommand, ListCommands, ListCommandInvocations, GetCommandInvocation.

moto records a command and reports it ``Success`` at once, with no output. We
answer these operations from the fleet instead: one invocation per instance, moving
Pending -> InProgress -> Success/Failed over modelled time, with one plugin per
document step (named after the step, as AWS names plugins of schema 2.x documents).

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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import mock_random
from moto.ssm.models import ssm_backends

from ..dispatch import Call, operation
from ..errors import AwsError
from .windows_update import Install, Log, Selection, update_line

if TYPE_CHECKING:
    from .instances import Host
    from .service import FleetService

INSTALL_WINDOWS_UPDATES = "AWS-InstallWindowsUpdates"
PLUGIN_OUTPUT_LIMIT = 2500  # CommandPlugin.Output in ListCommandInvocations
STDOUT_LIMIT = 24000  # GetCommandInvocation.StandardOutputContent
TRUNCATED = "\n---Output truncated---"
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


def _iso(when: float | None) -> str:
    if when is None:
        return ""
    return datetime.fromtimestamp(when, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _elapsed(start: float | None, finish: float | None) -> str:
    if start is None or finish is None:
        return ""
    return f"PT{finish - start:.3f}S"


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATED)] + TRUNCATED


# -- running invocations -------------------------------------------------------------
class Runner:
    """Moves one invocation through its statuses on the fleet's event queue."""

    def __init__(self, fleet: FleetService, invocation: Invocation) -> None:
        self.fleet = fleet
        self.inv = invocation
        self.cmd = invocation.command
        self.deadline = self.cmd.requested + self.cmd.timeout_seconds

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

    def _install_windows_updates(self, host: Host, when: float) -> None:
        durations = self.fleet.durations
        plugin = self.inv.plugins[0]
        plugin.begin(when)
        selection = Selection.from_parameters(self.cmd.parameters)
        log = Log()
        log.info(when, "Searching for Windows Updates.")
        catalogue = self.fleet.catalogue(host)
        plan = Install.plan(selection, catalogue.pending, durations, when)
        found_at = when + plan.search_seconds
        found = plan.found
        log.info(found_at, f"Found {len(found)} available Windows Updates.")
        for update in found:
            log.info(found_at, update_line(update))

        def complete(due: float, code: int = 0) -> None:
            if self.inv.terminal:
                return
            plugin.output = log.text()
            plugin.end(due, code, "Success" if code == 0 else "Failed")
            self._finish(due)

        if not plan.installs:
            self.fleet.schedule(found_at, complete)
            return
        log.info(found_at, f"Installing {len(found)} updates.")
        installed_at = found_at + plan.install_seconds

        def installed(due: float) -> None:
            if self.inv.terminal:
                return
            instance = host.moto_instance()
            if instance is None or instance.state != "running" or not host.online:
                log.error(due, "The instance stopped before the installation completed.")
                complete(due, 1)
                return
            failing = [u for u in found if u.fails]
            done = [u for u in found if not u.fails]
            catalogue.install(done)
            log.info(due, f"Installed {len(done)} updates.")
            if failing:
                kbs = ", ".join(u.kb for u in failing)
                log.error(due, f"Failed to install {len(failing)} updates: {kbs}.")
            if plan.reboots:
                log.info(due, "A reboot is required to complete the installation. Rebooting.")
                faults = self.fleet.aws.service("faults")
                if faults.fleet_fault("reboot_never_completes", host.instance_id):
                    # The OS goes down and never comes back (EC2 still says running):
                    # no agent reports the end, so the invocation stays InProgress
                    # until the command expires (``expire``).
                    self.fleet.hang(host, due)
                    self.inv.extra_output = log.text()
                    return
                back = self.fleet.reboot(host, due)
                self.fleet.schedule(
                    back,
                    lambda at: (
                        log.info(at, "The instance restarted; the installation is complete."),
                        complete(at, 1 if failing else 0),
                    ),
                )
                return
            if plan.needs_reboot:
                host.reboot_pending = True
                log.add(
                    due,
                    "Warning",
                    "A reboot is required to complete the installation, but AllowReboot is "
                    "False: the updates take effect at the next restart.",
                )
            complete(due, 1 if failing else 0)

        self.fleet.schedule(installed_at, installed)


# -- operations ------------------------------------------------------------------------
def _fleet(call: Call) -> FleetService:
    return call.aws.service("fleet")


def _document(call: Call, name: str, version: str | None) -> Any:
    backend = ssm_backends[call.account_id][call.region]
    documents = backend._documents.get(name)
    if documents is None:
        raise AwsError("InvalidDocument", f"Document with name {name} does not exist.")
    try:
        document = documents.find(version if version not in (None, "$DEFAULT") else None)
    except JsonRESTError:
        raise AwsError(
            "InvalidDocumentVersion", f"Document version {version} of {name} does not exist."
        ) from None
    if document.document_type != "Command":
        raise AwsError(
            "InvalidDocument",
            f"Document {name} is of type {document.document_type}; "
            "Run Command runs Command documents.",
        )
    return document


def _check_parameters(document: Any, given: dict[str, Any]) -> dict[str, list[str]]:
    declared = (document.content_json or {}).get("parameters") or {}
    for name in given:
        if name not in declared:
            raise AwsError(
                "InvalidParameters",
                f"document {document.name} does not support parameter {name}.",
            )
    resolved: dict[str, list[str]] = {}
    for name, spec in declared.items():
        if name in given:
            value = given[name]
            values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        elif "default" in spec:
            continue
        else:
            raise AwsError("InvalidParameters", f"Parameter {name} is required.")
        for v in values:
            allowed = spec.get("allowedValues")
            if allowed and v not in [str(a) for a in allowed]:
                raise AwsError(
                    "InvalidParameters",
                    f"Parameter {name} value {v!r} is not one of {', '.join(map(str, allowed))}.",
                )
            pattern = spec.get("allowedPattern")
            if pattern and not re.search(pattern, v):
                raise AwsError(
                    "InvalidParameters",
                    f"Parameter {name} value {v!r} does not match pattern {pattern}.",
                )
        resolved[name] = values
    return resolved


def _plugin_timeouts(document: Any, given: dict[str, list[str]]) -> list[float]:
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


def _steps(document: Any) -> list[str]:
    content = document.content_json or {}
    if content.get("mainSteps"):
        return [step.get("name") or step.get("action") for step in content["mainSteps"]]
    runtime = content.get("runtimeConfig") or {}
    return list(runtime) or ["aws:runScript"]


def _resolve_targets(call: Call, fleet: FleetService, targets: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    hosts = [
        h
        for h in fleet.hosts.values()
        if h.windows and h.registered and not h.terminated and h.region == call.region
    ]
    for target in targets:
        key, values = target.get("Key", ""), target.get("Values") or []
        for host in hosts:
            instance = host.moto_instance()
            if instance is None:
                continue
            tags = {t["key"]: t["value"] for t in instance.get_tags()}
            if key.lower() in ("instanceids", "instanceid"):
                hit = host.instance_id in values or "*" in values
            elif key.startswith("tag:"):
                hit = tags.get(key[4:]) in values
            elif key == "tag-key":
                hit = any(v in tags for v in values)
            else:
                raise AwsError("InvalidParameters", f"Target key {key} is not supported.")
            if hit and host.instance_id not in found:
                found.append(host.instance_id)
    return found


@operation("ssm", "SendCommand")
def send_command(call: Call) -> dict[str, Any]:
    p = call.params
    fleet = _fleet(call)
    name = p.get("DocumentName", "")
    document = _document(call, name, p.get("DocumentVersion"))
    parameters = _check_parameters(document, p.get("Parameters") or {})
    instance_ids = list(p.get("InstanceIds") or [])
    targets = list(p.get("Targets") or [])
    if instance_ids and targets:
        raise AwsError("InvalidParameters", "Specify InstanceIds or Targets, not both.")
    if not instance_ids and not targets:
        raise AwsError("InvalidParameters", "Specify the managed nodes: InstanceIds or Targets.")
    if len(set(instance_ids)) != len(instance_ids):
        raise AwsError("DuplicateInstanceId", "Instance Id is duplicated.")
    with fleet.lock:
        if targets:
            resolved = _resolve_targets(call, fleet, targets)
        else:
            invalid = []
            for instance_id in instance_ids:
                host = fleet.hosts.get(instance_id)
                # A managed node that is offline for now (stopped, rebooting, still
                # booting) takes the command; delivery waits for its agent. Only a node
                # that never registered, or is gone, is refused.
                if (
                    host is None
                    or not host.registered
                    or host.terminated
                    or host.region != call.region
                    or host.account_id != call.account_id
                ):
                    invalid.append(instance_id)
            if invalid:
                raise AwsError(
                    "InvalidInstanceId",
                    f"Instances [[{', '.join(invalid)}]] not in a valid state for account "
                    f"{call.account_id}",
                )
            resolved = instance_ids
        now = fleet.now()
        output_s3 = {}
        if p.get("OutputS3BucketName"):
            output_s3 = {
                "bucket": p["OutputS3BucketName"],
                "prefix": p.get("OutputS3KeyPrefix", ""),
                "region": p.get("OutputS3Region", call.region),
            }
        command = Command(
            command_id=str(mock_random.uuid4()),
            account_id=call.account_id,
            region=call.region,
            document_name=name,
            document_version=document.document_version,
            steps=_steps(document),
            parameters=parameters,
            requested=now,
            timeout_seconds=int(p.get("TimeoutSeconds") or 3600),
            comment=p.get("Comment", ""),
            instance_ids=resolved if targets else instance_ids,
            targets=targets,
            max_concurrency=str(p.get("MaxConcurrency") or "50"),
            max_errors=str(p.get("MaxErrors") or "0"),
            service_role=p.get("ServiceRoleArn"),
            notification_config=p.get("NotificationConfig"),
            cloudwatch=p.get("CloudWatchOutputConfig"),
            output_s3=output_s3,
            plugin_timeouts=_plugin_timeouts(document, parameters),
        )
        for instance_id in resolved:
            invocation = Invocation(
                command=command,
                instance_id=instance_id,
                plugins=[Plugin(name=step) for step in command.steps],
            )
            command.invocations[instance_id] = invocation
            Runner(fleet, invocation).start()
        fleet.commands[command.command_id] = command
        return {"Command": command.describe()}


def _commands(call: Call, fleet: FleetService) -> list[Command]:
    commands = [
        c
        for c in fleet.commands.values()
        if c.account_id == call.account_id and c.region == call.region
    ]
    return sorted(commands, key=lambda c: c.requested, reverse=True)


def _command(call: Call, fleet: FleetService, command_id: str) -> Command:
    command = fleet.commands.get(command_id)
    if command is None or command.region != call.region:
        raise AwsError("InvalidCommandId", f"Command {command_id} does not exist.")
    return command


def _filter(invocations_or_commands: list[Any], filters: list[dict[str, str]]) -> list[Any]:
    result = invocations_or_commands
    for item in filters:
        key, value = item.get("key"), item.get("value", "")
        if key == "Status":
            result = [x for x in result if _status_of(x) == value]
        elif key == "DocumentName":
            result = [x for x in result if _command_of(x).document_name == value]
        elif key in ("InvokedAfter", "InvokedBefore"):
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            if key == "InvokedAfter":
                result = [x for x in result if _command_of(x).requested >= stamp]
            else:
                result = [x for x in result if _command_of(x).requested <= stamp]
        elif key == "ExecutionStage":
            wanted = value == "Executing"
            result = [x for x in result if (_status_of(x) in TERMINAL) != wanted]
        else:
            raise AwsError("InvalidFilterKey", f"The filter key {key} is not valid.")
    return result


def _command_of(x: Any) -> Command:
    return x if isinstance(x, Command) else x.command


def _status_of(x: Any) -> str:
    return x.status()[0] if isinstance(x, Command) else x.status


def _page(
    p: dict[str, Any], items: list[Any], member: str, render: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    max_results = int(p.get("MaxResults") or 50)
    try:
        start = int(p.get("NextToken") or 0)
    except ValueError:
        raise AwsError("InvalidNextToken", "The specified token isn't valid.") from None
    end = start + max_results
    result: dict[str, Any] = {member: [render(item) for item in items[start:end]]}
    if end < len(items):
        result["NextToken"] = str(end)
    return result


def _listed_commands(call: Call, fleet: FleetService) -> list[Command]:
    """The command ``CommandId`` names, else every command of the caller's account and region."""
    command_id = call.params.get("CommandId")
    return [_command(call, fleet, command_id)] if command_id else _commands(call, fleet)


@operation("ssm", "ListCommands")
def list_commands(call: Call) -> dict[str, Any]:
    p = call.params
    fleet = _fleet(call)
    with fleet.lock:
        commands = _listed_commands(call, fleet)
        if p.get("InstanceId"):
            commands = [c for c in commands if p["InstanceId"] in c.invocations]
        commands = _filter(commands, p.get("Filters") or [])
        return _page(p, commands, "Commands", Command.describe)


def describe_invocation(invocation: Invocation, details: bool) -> dict[str, Any]:
    command = invocation.command
    result: dict[str, Any] = {
        "CommandId": command.command_id,
        "InstanceId": invocation.instance_id,
        "InstanceName": "",
        "Comment": command.comment,
        "DocumentName": command.document_name,
        "DocumentVersion": command.document_version,
        "RequestedDateTime": command.requested,
        "Status": invocation.status,
        "StatusDetails": invocation.status_details,
        "TraceOutput": "",
        "StandardOutputUrl": "",
        "StandardErrorUrl": "",
        "CommandPlugins": [],
    }
    result.update(command.optional_members())
    if details:
        plugins = []
        for plugin in invocation.plugins:
            entry: dict[str, Any] = {
                "Name": plugin.name,
                "Status": plugin.status,
                "StatusDetails": plugin.status_details,
                "ResponseCode": plugin.response_code,
                "Output": _truncate(plugin.output + plugin.error, PLUGIN_OUTPUT_LIMIT),
                "StandardOutputUrl": "",
                "StandardErrorUrl": "",
                "OutputS3Region": command.output_s3.get("region", command.region),
                "OutputS3BucketName": command.output_s3.get("bucket", ""),
                "OutputS3KeyPrefix": command.output_s3.get("prefix", ""),
            }
            if plugin.start is not None:
                entry["ResponseStartDateTime"] = plugin.start
            if plugin.finish is not None:
                entry["ResponseFinishDateTime"] = plugin.finish
            plugins.append(entry)
        result["CommandPlugins"] = plugins
    return result


@operation("ssm", "ListCommandInvocations")
def list_command_invocations(call: Call) -> dict[str, Any]:
    p = call.params
    fleet = _fleet(call)
    with fleet.lock:
        commands = _listed_commands(call, fleet)
        invocations = [i for c in commands for i in c.invocations.values()]
        if p.get("InstanceId"):
            invocations = [i for i in invocations if i.instance_id == p["InstanceId"]]
        invocations = _filter(invocations, p.get("Filters") or [])
        details = bool(p.get("Details"))
        return _page(
            p, invocations, "CommandInvocations", lambda i: describe_invocation(i, details)
        )


@operation("ssm", "GetCommandInvocation")
def get_command_invocation(call: Call) -> dict[str, Any]:
    p = call.params
    fleet = _fleet(call)
    with fleet.lock:
        command = _command(call, fleet, p.get("CommandId", ""))
        invocation = command.invocations.get(p.get("InstanceId", ""))
        if invocation is None:
            raise AwsError(
                "InvocationDoesNotExist",
                "An error occurred (InvocationDoesNotExist) when calling the "
                "GetCommandInvocation operation",
            )
        plugin = None
        if p.get("PluginName"):
            plugin = next((x for x in invocation.plugins if x.name == p["PluginName"]), None)
            if plugin is None:
                raise AwsError(
                    "InvalidPluginName",
                    f"The plugin name {p['PluginName']} is not valid for this command.",
                )
        elif len(invocation.plugins) == 1:
            plugin = invocation.plugins[0]
        source: Any = plugin or invocation
        start = plugin.start if plugin else invocation.start
        finish = plugin.finish if plugin else invocation.finish
        result: dict[str, Any] = {
            "CommandId": command.command_id,
            "InstanceId": invocation.instance_id,
            "Comment": command.comment,
            "DocumentName": command.document_name,
            "DocumentVersion": command.document_version,
            "PluginName": plugin.name if plugin else "",
            "ResponseCode": source.response_code,
            "ExecutionStartDateTime": _iso(start),
            "ExecutionElapsedTime": _elapsed(start, finish),
            "ExecutionEndDateTime": _iso(finish),
            "Status": source.status,
            "StatusDetails": source.status_details,
            "StandardOutputContent": _truncate(invocation.stdout(plugin), STDOUT_LIMIT),
            "StandardOutputUrl": "",
            "StandardErrorContent": _truncate(invocation.stderr(plugin), STDOUT_LIMIT),
            "StandardErrorUrl": "",
            "CloudWatchOutputConfig": command.cloudwatch
            or {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False},
        }
    return result


@operation("ssm", "CancelCommand")
def cancel_command(call: Call) -> dict[str, Any]:
    p = call.params
    fleet = _fleet(call)
    with fleet.lock:
        command = _command(call, fleet, p.get("CommandId", ""))
        wanted = set(p.get("InstanceIds") or command.invocations)
        now = fleet.now()
        for instance_id, invocation in command.invocations.items():
            if instance_id in wanted and not invocation.terminal:
                invocation.end(now, "Cancelled")
        command.cancelled = True
    return {}
