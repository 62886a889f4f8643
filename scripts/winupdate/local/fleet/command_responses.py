"""Run Command's API: SendCommand, ListCommands, ListCommandInvocations,
GetCommandInvocation, CancelCommand, answered from the fleet's model (``commands``).

SendCommand checks the document, its parameters (allowedValues, allowedPattern,
required) and the managed nodes as AWS does, then starts one invocation per instance;
the reads page and filter as AWS does and cut outputs at AWS's limits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import mock_random
from moto.ssm.models import ssm_backends

from ..dispatch import Call, operation
from ..errors import AwsError
from . import command_output
from .commands import (
    TERMINAL,
    Command,
    Invocation,
    Plugin,
    PluginSpec,
    Runner,
    document_plugins,
    plugin_timeouts,
)

if TYPE_CHECKING:
    from .service import FleetService

# The first characters of a plugin's output the API shows (the rest is only in S3 and
# CloudWatch Logs): CommandPlugin.Output (ListCommandInvocations) "Maximum length of 2500";
# GetCommandInvocation's StandardOutputContent "the first 24,000 characters written by the
# plugin to stdout", StandardErrorContent "the first 8,000 characters … to stderr".
PLUGIN_OUTPUT_LIMIT = 2500
STDOUT_LIMIT = 24000
STDERR_LIMIT = 8000
TRUNCATED = "\n---Output truncated---"


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
        # A document without plugins still reports one (it fails: nothing to run).
        specs = document_plugins(document) or [PluginSpec(*["aws:runScript"] * 3)]
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
            steps=[spec.name for spec in specs],
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
            plugin_timeouts=plugin_timeouts(document, parameters),
            plugin_specs=specs,
            declared_parameters=dict((document.content_json or {}).get("parameters") or {}),
        )
        for instance_id in resolved:
            invocation = Invocation(
                command=command,
                instance_id=instance_id,
                plugins=[
                    Plugin(
                        name=spec.name,
                        action=spec.action,
                        plugin_id=spec.plugin_id,
                        inputs=spec.inputs,
                    )
                    for spec in specs
                ],
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
        **command_output.describe_urls(
            command, invocation, invocation.plugins[0] if len(invocation.plugins) == 1 else None
        ),
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
                **command_output.describe_urls(command, invocation, plugin),
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
            "StandardErrorContent": _truncate(invocation.stderr(plugin), STDERR_LIMIT),
            **command_output.describe_urls(command, invocation, plugin),
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
