"""Run Command keeps a command's output where SendCommand asks: the whole of each plugin's
stdout and stderr in S3 and in CloudWatch Logs, written by the instance's agent with the
instance profile role's permissions.

Pages: SendCommand (OutputS3BucketName, OutputS3KeyPrefix, CloudWatchOutputConfig),
CommandPlugin (OutputS3KeyPrefix: ``<bucket>/<prefix>/<instance>/awsrunShellScript`` …,
StandardOutputUrl), GetCommandInvocation (StandardOutputUrl, StandardErrorUrl,
CloudWatchOutputConfig; "the first 24,000 characters"), CloudWatchOutputConfig (the
default group ``aws/ssm/<DocumentName>``), "Configuring Amazon CloudWatch Logs for Run
Command" (streams ``CommandID/InstanceID/PluginID/stdout|stderr``; the instance profile
needs logs:CreateLogGroup, CreateLogStream, DescribeLogGroups, DescribeLogStreams,
PutLogEvents), "Configure instance permissions for Systems Manager" (s3:PutObject on the
output bucket for the instance profile).

Assumed, the documentation being silent: when the role may not write (or the bucket does
not exist) the command keeps its own status and output, and the S3 URLs are still shown;
the object or log events are simply not there.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from fleet_support import (
    install_updates,
    launch_online,
    set_catalogue,
    wait_command,
    wait_online,
    warm_fleet,
)

from automation_support import trust

pytestmark = pytest.mark.usefixtures(warm_fleet.__name__)

CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
OUTPUT_WRITES = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::*/*"},
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        },
    ],
}
HOOK = """
schemaVersion: '2.2'
description: A post-update hook.
mainSteps:
  - action: aws:runPowerShellScript
    name: CheckServices
    inputs:
      runCommand:
        - Write-Output 'services are up'
        - Write-Error 'one warning'
"""


def instance_with_role(client: Any, policy: dict[str, Any] | None) -> str:
    """A Windows instance, Online, whose profile role has the core policy and ``policy``."""
    ec2, ssm, iam = client("ec2"), client("ssm"), client("iam")
    name = f"Output-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust("ec2.amazonaws.com")))
    iam.attach_role_policy(RoleName=name, PolicyArn=CORE)
    if policy is not None:
        iam.put_role_policy(RoleName=name, PolicyName="output", PolicyDocument=json.dumps(policy))
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    instance_id = ec2.run_instances(
        ImageId="ami-12345678", MinCount=1, MaxCount=1, IamInstanceProfile={"Name": name}
    )["Instances"][0]["InstanceId"]
    wait_online(ssm, instance_id)
    return instance_id


@pytest.fixture(scope="module")
def writer(client) -> str:
    """An instance whose role may write the output."""
    return instance_with_role(client, OUTPUT_WRITES)


@pytest.fixture(scope="module")
def bucket(client) -> str:
    name = f"command-output-{uuid.uuid4().hex[:8]}"
    client("s3").create_bucket(Bucket=name)
    return name


def send(ssm: Any, instance_id: str, document: str, **request: Any) -> str:
    command_id = ssm.send_command(DocumentName=document, InstanceIds=[instance_id], **request)[
        "Command"
    ]["CommandId"]
    wait_command(ssm, command_id)
    return command_id


def powershell(ssm: Any, instance_id: str, commands: list[str], **request: Any) -> str:
    return send(
        ssm, instance_id, "AWS-RunPowerShellScript", Parameters={"commands": commands}, **request
    )


def body(s3: Any, bucket: str, key: str) -> str:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()


def keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in listed)


def messages(logs: Any, group: str, stream: str) -> list[str]:
    events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    return [e["message"] for e in events["events"]]


def undelivered(embedded_aws: Any, command_id: str, instance_id: str) -> list[str]:
    command = embedded_aws.service("fleet").commands[command_id]
    return command.invocations[instance_id].undelivered


# -- S3 ------------------------------------------------------------------------------------
def test_the_full_output_is_in_s3_at_the_plugins_key_and_its_url(client, writer, bucket):
    ssm, s3 = client("ssm"), client("s3")
    line = "y" * 99
    command_id = powershell(
        ssm,
        writer,
        [f"Write-Output '{line}'"] * 300 + ["Write-Error 'warned'"],
        OutputS3BucketName=bucket,
        OutputS3KeyPrefix="hooks/pre",
    )
    folder = f"hooks/pre/{command_id}/{writer}/awsrunPowerShellScript/0.awsrunPowerShellScript"
    assert keys(s3, bucket, "hooks/pre/") == [f"{folder}/stderr", f"{folder}/stdout"]
    stdout = body(s3, bucket, f"{folder}/stdout")
    assert stdout == f"{line}\n" * 300  # 30,000 characters: more than the API shows
    assert body(s3, bucket, f"{folder}/stderr") == "warned\n"
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=writer)
    assert answer["Status"] == "Success"
    assert len(answer["StandardOutputContent"]) == 24000
    base = f"https://s3.us-east-1.amazonaws.com/{bucket}/{folder}"
    assert answer["StandardOutputUrl"] == f"{base}/stdout"
    assert answer["StandardErrorUrl"] == f"{base}/stderr"
    listed = ssm.list_command_invocations(CommandId=command_id, Details=True)
    invocation = listed["CommandInvocations"][0]
    assert invocation["StandardOutputUrl"] == f"{base}/stdout"
    (plugin,) = invocation["CommandPlugins"]
    assert plugin["StandardErrorUrl"] == f"{base}/stderr"
    assert plugin["OutputS3BucketName"] == bucket
    assert plugin["OutputS3KeyPrefix"] == "hooks/pre"


def test_list_commands_shows_where_the_output_goes(client, writer, bucket):
    ssm = client("ssm")
    config = {"CloudWatchOutputEnabled": True, "CloudWatchLogGroupName": "winupdate/hooks"}
    command_id = powershell(
        ssm,
        writer,
        ["Write-Output 'x'"],
        OutputS3BucketName=bucket,
        OutputS3KeyPrefix="listed",
        CloudWatchOutputConfig=config,
    )
    (command,) = ssm.list_commands(CommandId=command_id)["Commands"]
    assert command["OutputS3BucketName"] == bucket
    assert command["OutputS3KeyPrefix"] == "listed"
    assert command["CloudWatchOutputConfig"] == config
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=writer)
    assert answer["CloudWatchOutputConfig"] == config


def test_a_schema_2_2_hook_step_is_kept_under_its_step_name(client, writer, bucket):
    ssm, s3, logs = client("ssm"), client("s3"), client("logs")
    name = f"PostHook-{time.monotonic_ns()}"
    ssm.create_document(Name=name, Content=HOOK, DocumentType="Command", DocumentFormat="YAML")
    group = f"/winupdate/hooks-{uuid.uuid4().hex[:6]}"
    command_id = send(
        ssm,
        writer,
        name,
        OutputS3BucketName=bucket,
        CloudWatchOutputConfig={"CloudWatchOutputEnabled": True, "CloudWatchLogGroupName": group},
    )
    folder = f"{command_id}/{writer}/awsrunPowerShellScript/CheckServices"
    assert body(s3, bucket, f"{folder}/stdout") == "services are up\n"
    assert body(s3, bucket, f"{folder}/stderr") == "one warning\n"
    stream = f"{command_id}/{writer}/CheckServices"
    assert messages(logs, group, f"{stream}/stdout") == ["services are up"]
    assert messages(logs, group, f"{stream}/stderr") == ["one warning"]


# -- CloudWatch Logs -------------------------------------------------------------------------
def test_cloudwatch_output_goes_to_the_default_group_one_event_per_line(client, writer):
    ssm, logs = client("ssm"), client("logs")
    command_id = powershell(
        ssm,
        writer,
        ["Write-Output 'first'", "Start-Sleep -Seconds 30", "Write-Output 'second'", "exit 2"],
        CloudWatchOutputConfig={"CloudWatchOutputEnabled": True},
    )
    group = "/aws/ssm/AWS-RunPowerShellScript"
    stream = f"{command_id}/{writer}/aws-runPowerShellScript"
    streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=command_id)
    assert sorted(s["logStreamName"] for s in streams["logStreams"]) == [
        f"{stream}/stderr",
        f"{stream}/stdout",
    ]
    events = logs.get_log_events(
        logGroupName=group, logStreamName=f"{stream}/stdout", startFromHead=True
    )["events"]
    assert [e["message"] for e in events] == ["first", "second"]
    # Stamped when the modelled script wrote them: 30 s apart.
    assert events[1]["timestamp"] - events[0]["timestamp"] == 30000
    assert messages(logs, group, f"{stream}/stderr") == ["failed to run commands: exit status 2"]


def test_nothing_goes_to_cloudwatch_unless_enabled(client, writer):
    ssm, logs = client("ssm"), client("logs")
    group = f"/winupdate/off-{uuid.uuid4().hex[:6]}"
    powershell(
        ssm,
        writer,
        ["Write-Output 'quiet'"],
        CloudWatchOutputConfig={"CloudWatchOutputEnabled": False, "CloudWatchLogGroupName": group},
    )
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


# -- the instance role decides -----------------------------------------------------------------
def test_a_role_without_s3_put_object_keeps_no_output_but_the_command_succeeds(
    client, embedded_aws, bucket
):
    ssm, s3 = client("ssm"), client("s3")
    only_logs = {"Version": "2012-10-17", "Statement": [OUTPUT_WRITES["Statement"][1]]}
    instance_id = instance_with_role(client, only_logs)
    command_id = powershell(
        ssm,
        instance_id,
        ["Write-Output 'kept only in the API'"],
        OutputS3BucketName=bucket,
        OutputS3KeyPrefix="denied",
    )
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)
    assert answer["Status"] == "Success"
    assert answer["StandardOutputContent"] == "kept only in the API\n"
    assert answer["StandardOutputUrl"].endswith("/0.awsrunPowerShellScript/stdout")
    assert keys(s3, bucket, "denied/") == []
    (why,) = undelivered(embedded_aws, command_id, instance_id)
    assert "not authorized to perform: s3:PutObject on resource: arn:aws:s3:::" in why


def test_a_role_without_logs_permissions_writes_no_log_group(client, embedded_aws, bucket):
    ssm, s3, logs = client("ssm"), client("s3"), client("logs")
    only_s3 = {"Version": "2012-10-17", "Statement": [OUTPUT_WRITES["Statement"][0]]}
    instance_id = instance_with_role(client, only_s3)
    group = f"/winupdate/denied-{uuid.uuid4().hex[:6]}"
    command_id = powershell(
        ssm,
        instance_id,
        ["Write-Output 'to S3 only'"],
        OutputS3BucketName=bucket,
        CloudWatchOutputConfig={"CloudWatchOutputEnabled": True, "CloudWatchLogGroupName": group},
    )
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)
    assert answer["Status"] == "Success"
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    assert keys(s3, bucket, f"{command_id}/")  # S3 was allowed
    assert "logs:DescribeLogGroups" in undelivered(embedded_aws, command_id, instance_id)[0]


def test_a_missing_log_group_needs_create_log_group(client, embedded_aws):
    """The agent creates the group only when it is missing: a role without
    logs:CreateLogGroup writes into a group that exists, and nothing when it does not."""
    ssm, logs = client("ssm"), client("logs")
    no_create = json.loads(json.dumps(OUTPUT_WRITES))
    no_create["Statement"][1]["Action"].remove("logs:CreateLogGroup")
    instance_id = instance_with_role(client, no_create)
    existing, missing = (f"/winupdate/{n}-{uuid.uuid4().hex[:6]}" for n in ("have", "lack"))
    logs.create_log_group(logGroupName=existing)
    ran = {}
    for group in (existing, missing):
        ran[group] = powershell(
            ssm,
            instance_id,
            ["Write-Output 'hello'"],
            CloudWatchOutputConfig={
                "CloudWatchOutputEnabled": True,
                "CloudWatchLogGroupName": group,
            },
        )
    stream = f"{ran[existing]}/{instance_id}/aws-runPowerShellScript/stdout"
    assert messages(logs, existing, stream) == ["hello"]
    assert logs.describe_log_groups(logGroupNamePrefix=missing)["logGroups"] == []
    assert "logs:CreateLogGroup" in undelivered(embedded_aws, ran[missing], instance_id)[0]


def test_an_instance_without_a_profile_keeps_no_output(client, embedded_aws, bucket):
    """Without a profile the agent's credentials are the Default Host Management role's,
    whose policy grants no S3 or CloudWatch Logs actions."""
    ssm, s3 = client("ssm"), client("s3")
    instance_id = launch_online(client("ec2"), ssm)
    command_id = powershell(
        ssm, instance_id, ["Write-Output 'x'"], OutputS3BucketName=bucket, OutputS3KeyPrefix="np"
    )
    assert ssm.list_commands(CommandId=command_id)["Commands"][0]["Status"] == "Success"
    assert keys(s3, bucket, "np/") == []
    assert "has no instance profile" in undelivered(embedded_aws, command_id, instance_id)[0]


def test_a_bucket_that_does_not_exist_changes_nothing_the_api_reports(client, embedded_aws, writer):
    ssm = client("ssm")
    missing = f"no-such-bucket-{uuid.uuid4().hex[:8]}"
    command_id = powershell(ssm, writer, ["Write-Output 'x'"], OutputS3BucketName=missing)
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=writer)
    assert answer["Status"] == "Success"
    assert answer["StandardOutputUrl"].startswith(f"https://s3.us-east-1.amazonaws.com/{missing}/")
    assert undelivered(embedded_aws, command_id, writer) == [f"NoSuchBucket: {missing}"]


# -- AWS-InstallWindowsUpdates --------------------------------------------------------------
def test_install_windows_updates_log_lines_are_kept_in_s3_and_cloudwatch(
    client, endpoint, writer, bucket
):
    ssm, s3, logs = client("ssm"), client("s3"), client("logs")
    set_catalogue(
        endpoint,
        writer,
        [{"kb": "KB5034441", "severity": "Important", "category": "SecurityUpdates"}],
    )
    command_id = send(
        ssm,
        writer,
        "AWS-InstallWindowsUpdates",
        Parameters={"Action": ["Scan"]},
        OutputS3BucketName=bucket,
        OutputS3KeyPrefix="updates",
        CloudWatchOutputConfig={"CloudWatchOutputEnabled": True},
    )
    answer = ssm.get_command_invocation(CommandId=command_id, InstanceId=writer)
    assert answer["Status"] == "Success"
    key = f"updates/{command_id}/{writer}/awsrunPowerShellScript/AWSInstallWindowsUpdates/stdout"
    kept = body(s3, bucket, key)
    assert kept == answer["StandardOutputContent"]
    assert "Found 1 available Windows Updates." in kept
    assert answer["StandardOutputUrl"] == f"https://s3.us-east-1.amazonaws.com/{bucket}/{key}"
    stream = f"{command_id}/{writer}/AWSInstallWindowsUpdates/stdout"
    lines = messages(logs, "/aws/ssm/AWS-InstallWindowsUpdates", stream)
    assert lines == kept.splitlines()


def test_the_urls_are_empty_without_a_bucket(client, writer):
    ssm = client("ssm")
    install = install_updates(ssm, writer, Action="Scan")
    assert install["StandardOutputUrl"] == ""
    assert install["StandardErrorUrl"] == ""
