"""What IAM enforcement costs per request: the embedded AWS's authorizer on the calls the
module's runbooks make, as a session of a role with the module's kind of policy (tag
conditions, several resources per call, tags on create). Reports µs per authorized call,
the first time a (principal, action, resource, context) is seen and once it is cached.
"""

from __future__ import annotations

import json
import time
import uuid

from automation_support import trust
from winupdate.local.iam.service_roles import assume_for_service

ROUNDS = 2000
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["ec2:DescribeImages", "ec2:DescribeInstances", "ssm:ListCommands"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": ["ec2:CreateImage", "ec2:StartInstances", "ec2:StopInstances"],
            "Resource": "arn:aws:ec2:us-east-1:123456789012:instance/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/BenchTag": "ON"}},
        },
        {
            "Effect": "Allow",
            "Action": "ec2:CreateImage",
            "Resource": ["arn:aws:ec2:us-east-1::image/*", "arn:aws:ec2:us-east-1::snapshot/*"],
        },
        {
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": ["arn:aws:ec2:us-east-1::image/*", "arn:aws:ec2:us-east-1::snapshot/*"],
            "Condition": {
                "StringEquals": {"ec2:CreateAction": "CreateImage"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["Phase", "InstanceId"]},
            },
        },
    ],
}
TRUST = trust("ssm.amazonaws.com")


def test_cost_per_authorized_call(embedded_aws, client):
    aws = embedded_aws
    iam, ec2 = client("iam"), client("ec2")
    name = f"Bench-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(POLICY))
    instance = ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "BenchTag", "Value": "ON"}]}
        ],
    )["Instances"][0]["InstanceId"]
    authorizer = aws.service("iam")
    key = assume_for_service(
        authorizer,
        caller_key=None,
        caller_service="ssm",
        service_principal="ssm.amazonaws.com",
        role_arn=arn,
        source_arn="arn:aws:ssm:us-east-1:123456789012:automation-execution/bench",
        session_name="bench",
        region="us-east-1",
    )
    calls = {
        "DescribeImages": ("ec2", "DescribeImages", {"ImageId.1": "ami-12345678"}),
        "StartInstances": ("ec2", "StartInstances", {"InstanceId.1": instance}),
        "CreateImage+tags": (
            "ec2",
            "CreateImage",
            {
                "InstanceId": instance,
                "Name": "x",
                "TagSpecification.1.ResourceType": "image",
                "TagSpecification.1.Tag.1.Key": "Phase",
                "TagSpecification.1.Tag.1.Value": "UpdateBefore",
            },
        ),
    }
    for name, (service, operation, params) in calls.items():
        principal = authorizer.principals.resolve(key)
        principal.decisions.clear()
        began = time.perf_counter()
        authorizer.authorize(key, service, operation, "us-east-1", params)
        cold = (time.perf_counter() - began) * 1e6
        began = time.perf_counter()
        for _ in range(ROUNDS):
            authorizer.authorize(key, service, operation, "us-east-1", params)
        warm = (time.perf_counter() - began) / ROUNDS * 1e6
        print(f"BENCH iam {name}: first {cold:.0f} us, then {warm:.1f} us per call")
        # Generous: a 500-instance run makes ~10,000 authorized calls; at this bound they
        # cost under 2 s of its 30 s budget.
        assert warm < 200, (name, warm)
