"""Run Command's output kept in S3 and CloudWatch Logs, written by the instance's agent.

SendCommand's ``OutputS3BucketName``/``OutputS3KeyPrefix`` and ``CloudWatchOutputConfig``
are recorded on the command; when a plugin ends, the agent on the instance writes its
stdout and stderr, whole (GetCommandInvocation only shows their first 24,000/8,000
characters):

- to S3 (moto's S3 backend), at
  ``<prefix>/<CommandId>/<InstanceId>/<plugin>/<plugin id>/stdout`` (and ``stderr``), the
  plugin and its id without their colons: ``awsrunPowerShellScript/0.awsrunPowerShellScript``
  for a schema 1.2 document (AWS-RunPowerShellScript), ``awsrunPowerShellScript/<step
  name>`` for a schema 2.2 one (AWS-InstallWindowsUpdates: ``AWSInstallWindowsUpdates``).
  CommandPlugin's OutputS3BucketName/OutputS3KeyPrefix (SSM API reference) show the layout;
  an empty stream is not uploaded.
- to CloudWatch Logs (moto's logs backend), when ``CloudWatchOutputEnabled``: the group
  ``CloudWatchLogGroupName`` or, when none is given, ``/aws/ssm/<DocumentName>`` (created
  when missing), the streams ``<CommandId>/<InstanceId>/<plugin name>/stdout`` and
  ``…/stderr``, the plugin name's colons made dashes (``aws-runPowerShellScript`` for a 1.2
  document, the step name for 2.2): "Configuring Amazon CloudWatch Logs for Run Command".
  One event per line, stamped with the modelled time the line was written.

The agent writes with the instance's credentials (its instance profile's role), so each
write is an IAM decision of our authorizer for that role's session: ``s3:PutObject`` on
``arn:aws:s3:::<bucket>/<key>``; ``logs:DescribeLogGroups`` (``*``), ``logs:CreateLogGroup``
on ``arn:aws:logs:<region>:<account>:log-group:<group>`` when the group is missing,
``logs:DescribeLogStreams`` on the group, ``logs:CreateLogStream`` and
``logs:PutLogEvents`` on ``…:log-group:<group>:log-stream:<stream>`` (the actions the Run
Command CloudWatch page lists for the instance profile).

Assumed where the documentation is silent: a write the role may not make, or to a bucket
that does not exist, changes nothing the API reports: the command and its plugins keep
their own status and output (GetCommandInvocation still shows the S3 URLs, which AWS forms
from the request); the object or the log events are simply not there. Why is kept on the
invocation (``Invocation.undelivered``) for tests and debugging.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.logs.models import logs_backends
from moto.s3.models import s3_backends

if TYPE_CHECKING:
    from .commands import Command, Invocation, Plugin
    from .service import FleetService

STREAMS = ("stdout", "stderr")
#: A text line, and the modelled time it was written.
Event = tuple[float, str]


def s3_key(command: Command, invocation: Invocation, plugin: Plugin, stream: str) -> str:
    parts = [
        command.output_s3.get("prefix", "").strip("/"),
        command.command_id,
        invocation.instance_id,
        plugin.action.replace(":", ""),
        plugin.plugin_id.replace(":", ""),
        stream,
    ]
    return "/".join(p for p in parts if p)


def s3_url(command: Command, invocation: Invocation, plugin: Plugin, stream: str) -> str:
    """StandardOutputUrl/StandardErrorUrl: empty without a bucket or before the plugin
    ended (GetCommandInvocation), else the object's path-style regional URL."""
    bucket = command.output_s3.get("bucket")
    if not bucket or plugin.finish is None:
        return ""
    region = _bucket_region(command.account_id, bucket) or command.region
    key = s3_key(command, invocation, plugin, stream)
    return f"https://s3.{region}.amazonaws.com/{bucket}/{key}"


def log_group(command: Command) -> str | None:
    """The log group the output goes to; None when CloudWatch output is off."""
    config = command.cloudwatch or {}
    if not config.get("CloudWatchOutputEnabled"):
        return None
    return config.get("CloudWatchLogGroupName") or f"/aws/ssm/{command.document_name}"


def log_stream(invocation: Invocation, plugin: Plugin, stream: str) -> str:
    name = plugin.name.replace(":", "-")
    return f"{invocation.command.command_id}/{invocation.instance_id}/{name}/{stream}"


def publish(
    fleet: FleetService,
    invocation: Invocation,
    plugin: Plugin,
    events: dict[str, list[Event]] | None = None,
) -> None:
    """The agent writes ``plugin``'s output where the command asked. ``events``: each
    stream's lines with their times; by default the plugin's text, stamped at its end."""
    command = invocation.command
    group = log_group(command)
    if not command.output_s3.get("bucket") and group is None:
        return  # the usual case, and a fleet's: nothing to write
    if events is None:
        at = plugin.finish if plugin.finish is not None else fleet.now()
        events = {
            "stdout": [(at, line) for line in plugin.output.splitlines()],
            "stderr": [(at, line) for line in plugin.error.splitlines()],
        }
    texts = {"stdout": plugin.output, "stderr": plugin.error}
    if command.output_s3.get("bucket"):
        for stream in STREAMS:
            if texts[stream]:
                _put_object(fleet, invocation, plugin, stream, texts[stream])
    if group is not None:
        for stream in STREAMS:
            if events.get(stream):
                _put_log_events(fleet, invocation, group, plugin, stream, events[stream])


def _refusal(fleet: FleetService, invocation: Invocation, action: str, resource: str) -> bool:
    command = invocation.command
    reason = fleet.aws.service("iam").instance_role_denial(
        command.account_id, command.region, invocation.instance_id, action, resource
    )
    if reason is not None:
        invocation.undelivered.append(reason)
    return reason is not None


def _put_object(
    fleet: FleetService, invocation: Invocation, plugin: Plugin, stream: str, text: str
) -> None:
    command = invocation.command
    bucket = command.output_s3["bucket"]
    key = s3_key(command, invocation, plugin, stream)
    if _refusal(fleet, invocation, "s3:PutObject", f"arn:aws:s3:::{bucket}/{key}"):
        return
    backend = s3_backends[command.account_id]["aws"]
    if bucket not in backend.buckets:
        invocation.undelivered.append(f"NoSuchBucket: {bucket}")
        return
    backend.put_object(bucket, key, text.encode("utf-8"))


def _put_log_events(
    fleet: FleetService,
    invocation: Invocation,
    group: str,
    plugin: Plugin,
    stream: str,
    events: list[Event],
) -> None:
    command = invocation.command
    backend = logs_backends[command.account_id][command.region]
    group_arn = f"arn:aws:logs:{command.region}:{command.account_id}:log-group:{group}"
    name = log_stream(invocation, plugin, stream)
    stream_arn = f"{group_arn}:log-stream:{name}"
    if _refusal(fleet, invocation, "logs:DescribeLogGroups", "*"):
        return
    if group not in backend.groups:
        if _refusal(fleet, invocation, "logs:CreateLogGroup", group_arn):
            return
        backend.create_log_group(group, tags={})
    for action, resource in (
        ("logs:DescribeLogStreams", group_arn),
        ("logs:CreateLogStream", stream_arn),
        ("logs:PutLogEvents", stream_arn),
    ):
        if _refusal(fleet, invocation, action, resource):
            return
    log_group_ = backend.groups[group]
    if name not in log_group_.streams:
        backend.create_log_stream(group, name)
    # Straight to the group: moto's PutLogEvents drops events more than two hours from the
    # wall clock, and these carry the modelled time the agent wrote them at.
    log_group_.put_log_events(
        name, [{"timestamp": int(at * 1000), "message": text} for at, text in events]
    )


def _bucket_region(account_id: str, bucket: str) -> str | None:
    found = s3_backends[account_id]["aws"].buckets.get(bucket)
    return getattr(found, "region_name", None) if found is not None else None


def describe_urls(
    command: Command, invocation: Invocation, plugin: Plugin | None
) -> dict[str, Any]:
    """StandardOutputUrl and StandardErrorUrl of one plugin (empty for none)."""
    if plugin is None:
        return {"StandardOutputUrl": "", "StandardErrorUrl": ""}
    return {
        "StandardOutputUrl": s3_url(command, invocation, plugin, "stdout"),
        "StandardErrorUrl": s3_url(command, invocation, plugin, "stderr"),
    }
