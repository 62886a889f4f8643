"""Instances for integration tests: launched with the module's profile and recorded in the
leftovers ledger at once, and waits on their state and their SSM agents."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from embedded.seed_support import instance_state
from integration.aws_target import Target
from integration.leftovers import Ledger

__all__ = ["instance_state", "launch_windows", "wait_for_agents", "wait_for_state"]


#: Where a test instance's data volume is attached (a second EBS volume, as a Windows
#: server's D: drive): the AMIs then hold its snapshot too, and a restore swaps it.
DATA_DEVICE = "xvdf"


def launch_windows(
    target: Target,
    image: str,
    profile: str,
    tags: dict[str, str],
    ledger: Ledger,
    data_volume_gib: int | None = None,
) -> str:
    """One instance of ``image`` with the instance profile, tagged; recorded at once. With
    ``data_volume_gib``, a gp3 data volume of that size at ``DATA_DEVICE``, deleted with the
    instance."""
    ec2 = target.client("ec2")
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    extra: dict[str, Any] = {}
    if data_volume_gib:
        extra["BlockDeviceMappings"] = [
            {
                "DeviceName": DATA_DEVICE,
                "Ebs": {
                    "VolumeSize": data_volume_gib,
                    "VolumeType": "gp3",
                    "DeleteOnTermination": True,
                },
            }
        ]

    def launch() -> str | None:
        try:
            reservation = ec2.run_instances(
                ImageId=image,
                MinCount=1,
                MaxCount=1,
                InstanceType="t3.medium",
                IamInstanceProfile={"Name": profile},
                TagSpecifications=spec,
                **extra,
            )
        except ClientError as err:
            # IAM is eventually consistent: a profile made seconds ago may be unknown to EC2.
            if "iamInstanceProfile" in str(err) or "Instance Profile" in str(err):
                return None
            raise
        instance = reservation["Instances"][0]["InstanceId"]
        ledger.instances.add(instance)
        return instance

    return target.wait_until(
        launch, target.timeouts.step, what=lambda: f"instance profile {profile} never usable"
    )


def wait_for_state(target: Target, ids: list[str], state: str) -> None:
    ec2 = target.client("ec2")

    def states() -> list[str]:
        return [
            i["State"]["Name"]
            for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]
            for i in r["Instances"]
        ]

    target.wait_until(
        lambda: all(s == state for s in states()),
        target.timeouts.instance,
        what=lambda: f"{ids} are {states()}, not {state}",
    )


def wait_for_agents(target: Target, ids: list[str], status: str) -> None:
    ssm = target.client("ssm")

    def found() -> list[dict[str, Any]]:
        return ssm.describe_instance_information(
            InstanceInformationFilterList=[{"key": "InstanceIds", "valueSet": ids}]
        )["InstanceInformationList"]

    def ready() -> bool:
        agents = found()
        return len(agents) == len(ids) and all(a["PingStatus"] == status for a in agents)

    target.wait_until(
        ready,
        target.timeouts.instance,
        what=lambda: f"agents of {ids}: {[a['PingStatus'] for a in found()]}",
    )
