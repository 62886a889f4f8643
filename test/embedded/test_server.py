"""The embedded AWS serves moto's services and our control API on 127.0.0.1."""

import json
import subprocess
import sys
import urllib.request


def test_server_binds_loopback_only(embedded_aws):
    assert embedded_aws.endpoint.startswith("http://127.0.0.1:")


def test_moto_services_answer_through_the_dispatcher(client):
    sns = client("sns")
    arn = sns.create_topic(Name="AutomationTest")["TopicArn"]
    sns.publish(TopicArn=arn, Message="hello")
    assert arn.endswith(":AutomationTest")


def test_published_messages_are_readable_through_the_control_api(client, endpoint):
    sns = client("sns")
    arn = sns.create_topic(Name="AutomationMessages")["TopicArn"]
    sns.publish(TopicArn=arn, Message="one", Subject="s1")
    sns.publish(TopicArn=arn, Message="two")
    with urllib.request.urlopen(f"{endpoint}/_winupdate/messages?topic={arn}") as resp:
        messages = json.load(resp)
    assert [m["Message"] for m in messages] == ["one", "two"]
    assert messages[0]["Subject"] == "s1"


def test_a_request_signed_for_a_region_that_does_not_exist_is_refused_as_aws_does(endpoint):
    import boto3
    import pytest
    from botocore.exceptions import ClientError

    for service, call in (("ssm", "describe_automation_executions"), ("ec2", "describe_instances")):
        client = boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="xx-nowhere-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        with pytest.raises(ClientError) as caught:
            getattr(client, call)()
        assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
        assert "xx-nowhere-1" in caught.value.response["Error"]["Message"]


def test_what_start_built_is_left_out_of_collections_until_stop():
    # A process of its own: this session's embedded AWS already runs in this one.
    code = (
        "import gc\n"
        "from winupdate.local.server import EmbeddedAws\n"
        "aws = EmbeddedAws(port=0)\n"
        "before = gc.get_freeze_count()\n"
        "aws.start()\n"
        "running = (gc.get_freeze_count(), gc.isenabled())\n"
        "other = EmbeddedAws(port=0)\n"
        "try:\n"
        "    other.start()\n"
        "except RuntimeError:\n"
        "    pass\n"
        "finally:\n"
        "    other.stop()  # as a caller's finally would: the running one is left alone\n"
        "untouched = gc.get_freeze_count() > running[0] // 2  # not unfrozen (some may die)\n"
        "try:\n"
        "    EmbeddedAws(port=0).start()\n"
        "    still_refused = False\n"
        "except RuntimeError:\n"
        "    still_refused = True\n"
        "aws.stop()\n"
        "print(before, *running, untouched, still_refused, gc.get_freeze_count(), gc.isenabled())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    before, frozen, collecting, untouched, still_refused, after, collecting_after = (
        out.stdout.split()
    )
    assert int(before) == 0
    assert int(frozen) > 100_000  # moto's and botocore's models, the backends, ours
    assert collecting == collecting_after == "True"
    assert untouched == still_refused == "True"  # a refused start's stop changes nothing
    assert int(after) == 0
