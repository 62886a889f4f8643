"""What a poll in virtual time compares (``dispatch.fingerprint``): it changes when the answer
would, and is not taken when an injected fault would act on the call."""

from __future__ import annotations

import json
import time

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends

from winupdate.local.dispatch import fingerprint
from winupdate.local.server import EmbeddedAws

WINDOWS_2022 = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"


def _pending_image(aws: EmbeddedAws) -> str:
    ec2, ssm = aws.client("ec2", aws.region), aws.client("ssm", aws.region)
    image = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]["Value"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]
    return ec2.create_image(InstanceId=instance["InstanceId"], Name="poll-reuse")["ImageId"]


def _until(check, wall_timeout: float = 10.0):
    deadline = time.monotonic() + wall_timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)
    return result


# The fingerprints are those of the session's embedded AWS (scaled time): a fingerprint
# does not depend on the clock's kind; only reusing polls does.
def test_an_image_fingerprint_changes_with_its_state_and_tags(embedded_aws):
    aws = embedded_aws
    # Held pending, then made available here: at 600 modelled seconds a wall second the AMI
    # would otherwise be available before a loaded machine took the second fingerprint.
    faults = aws.service("faults")
    hold = faults.add({"kind": "image_stays_pending", "count": 1})
    try:
        image_id = _pending_image(aws)
    finally:
        faults.faults.remove(hold)
    ec2 = aws.client("ec2", aws.region)

    def seen():
        return fingerprint(aws, "ec2", "DescribeImages", aws.region, {"ImageIds": [image_id]})

    pending = seen()
    assert pending is not None and pending == seen()
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "Stage", "Value": "before"}])
    tagged = seen()
    assert tagged != pending
    ec2_backends[DEFAULT_ACCOUNT_ID][aws.region].amis[image_id].state = "available"
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "available"
    assert seen() != tagged, "the image became available"


def test_a_read_with_an_injected_fault_pending_is_always_made(embedded_aws):
    aws = embedded_aws
    params = {"ImageIds": [_pending_image(aws)]}
    faults = aws.service("faults")
    fault = faults.add(
        {"kind": "throttle", "service": "ec2", "operation": "DescribeImages", "count": 1}
    )
    try:
        assert fingerprint(aws, "ec2", "DescribeImages", aws.region, params) is None
    finally:
        faults.faults.remove(fault)
    assert fingerprint(aws, "ec2", "DescribeImages", aws.region, params) is not None


def test_a_read_we_answer_is_its_own_fingerprint(embedded_aws):
    aws = embedded_aws
    ssm = aws.client("ssm", aws.region)
    ec2 = aws.client("ec2", aws.region)
    image = ssm.get_parameter(Name=WINDOWS_2022)["Parameter"]["Value"]
    instance_id = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    params = {"Filters": [{"Key": "InstanceIds", "Values": [instance_id]}]}
    answer = _until(lambda: ssm.describe_instance_information(**params)["InstanceInformationList"])
    seen = json.loads(fingerprint(aws, "ssm", "DescribeInstanceInformation", aws.region, params))
    # The same answer, but as the wire has it: botocore turns timestamps into datetimes.
    assert [i["InstanceId"] for i in seen["InstanceInformationList"]] == [instance_id]
    assert seen["InstanceInformationList"][0]["PingStatus"] == answer[0]["PingStatus"]
