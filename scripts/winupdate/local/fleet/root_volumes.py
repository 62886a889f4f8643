"""Root volume replacement: CreateReplaceRootVolumeTask and DescribeReplaceRootVolumeTasks.

moto 5.2.5 has neither. As the EC2 user guide ("Replace the root volume for an Amazon EC2
instance without stopping it") and the API reference (CreateReplaceRootVolumeTask,
DescribeReplaceRootVolumeTasks, ReplaceRootVolumeTask) describe it, over modelled time:

- ``pending`` for ``Durations.volume_create``: the replacement volume is created from the
  AMI's root snapshot (or, without ImageId, the launch AMI's: "restored to its launch
  state") in the instance's zone; it shows ``creating`` in DescribeVolumes.
- ``in-progress`` for ``Durations.reboot``: the original root volume is detached (kept
  ``available``) and the replacement attached at the root device; the instance is
  rebooted onto it. It stays ``running`` and keeps its id, network interfaces, IP
  addresses and instance profile; its SSM agent is ConnectionLost until the OS is back.
- ``succeeded`` when the agent is back; the original volume is deleted then when
  DeleteReplacedRootVolume is true.
- with the fleet fault ``root_volume_replacement_fails`` (or an instance no longer running
  when the swap is due): ``failing`` for ``Durations.root_volume_failing``, then ``failed``
  ("the replacement task has failed but the original root volume is still attached"); the
  replacement volume is deleted.

The fleet's consequence: the disk the instance boots from after a replacement is the AMI's,
so its Windows updates are those the instance had when the AMI was made (remembered by
``FleetService.image_created`` per account, region and image). A root replaced from an AMI
the fleet has no record of (a public Windows AMI, or the launch state of an instance
launched from one) gets a fresh catalogue, as the instance had at launch.

The API reference names no error codes for this action. Where AWS's wording was not found,
the codes are the EC2 ones for the same condition elsewhere and the messages are ours
(marked "assumed" below): a tool that matches on them should match on the code.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.ec2.models import ec2_backends
from moto.ec2.utils import random_id

from ..dispatch import Call, operation
from ..errors import AwsError
from ..iam.resources import member_values, request_tags
from ..moto_patches.volumes import install, root_snapshot
from .catalogue import generate
from .instances import find_instance
from .volumes import creating

if TYPE_CHECKING:
    from .instances import Host
    from .service import FleetService

install()

TASK_RESOURCE_TYPE = "replace-root-volume-task"
#: DescribeReplaceRootVolumeTasks' filters (its API reference lists only this one).
FILTERS = {"instance-id": lambda task: [task.instance_id]}
#: States in which a task still holds the instance (a second one is refused).
ACTIVE_STATES = {"pending", "in-progress", "failing", "failing-detached"}
# The image attributes that must match the instance's ("The specified AMI must have the
# same product code, billing information, architecture type, and virtualization type as
# that of the instance"): the platform stands for the billing information here.
_KEY_ATTRIBUTES = (
    ("architecture", "architecture"),
    ("virtualization type", "virtualization_type"),
    ("platform", "platform"),
)
_tokens = itertools.count(1)


@dataclass
class ReplaceRootVolumeTask:
    task_id: str
    account_id: str
    region: str
    instance_id: str
    image_id: str | None
    snapshot_id: str | None
    delete_replaced: bool
    start_time: float
    state: str = "pending"
    complete_time: float | None = None
    original_volume_id: str | None = None
    replacement_volume_id: str | None = None
    client_token: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        tags = ec2_backends[self.account_id][self.region].tags.get(self.task_id, {})
        shown: dict[str, Any] = {
            "ReplaceRootVolumeTaskId": self.task_id,
            "InstanceId": self.instance_id,
            "TaskState": self.state,
            "StartTime": _stamp(self.start_time),
            "DeleteReplacedRootVolume": self.delete_replaced,
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }
        if self.complete_time is not None:
            shown["CompleteTime"] = _stamp(self.complete_time)
        if self.image_id:
            shown["ImageId"] = self.image_id
        if self.snapshot_id:
            shown["SnapshotId"] = self.snapshot_id
        return shown


def _stamp(when: float) -> str:
    # As EC2 writes them in this shape (a string member, not a timestamp): 2022-03-14T15:16:28Z
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _true(value: Any) -> bool:
    return str(value).lower() == "true"


def _fleet(call: Call) -> FleetService:
    return call.aws.service("fleet")


@operation("ec2", "CreateReplaceRootVolumeTask")
def create_replace_root_volume_task(call: Call) -> dict[str, Any]:
    p = call.params
    for unsupported in ("VolumeId", "VolumeInitializationRate"):
        if p.get(unsupported):
            raise NotImplementedError(f"CreateReplaceRootVolumeTask {unsupported}")
    image_id, snapshot_id = p.get("ImageId"), p.get("SnapshotId")
    if image_id and snapshot_id:
        # Assumed wording: the API reference says to omit ImageId to restore from a snapshot.
        raise AwsError(
            "InvalidParameterCombination",
            "ImageId and SnapshotId cannot be specified together.",
            400,
        )
    if snapshot_id:
        # A snapshot "of the same lineage" as the root volume: the embedded AWS does not
        # track volume lineage, so it refuses rather than guess.
        raise NotImplementedError("CreateReplaceRootVolumeTask SnapshotId")
    tags = request_tags("ec2", p)
    for rtype in tags:
        if rtype and rtype != TASK_RESOURCE_TYPE:
            raise AwsError(
                "InvalidParameterValue",
                f"'{rtype}' is not a valid taggable resource type for this operation.",
                400,
            )
    if _true(p.get("DryRun")):
        raise AwsError(
            "DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412
        )
    instance_id = str(p.get("InstanceId", ""))
    fleet = _fleet(call)
    with fleet.lock:
        token = p.get("ClientToken")
        for task in fleet.root_volume_tasks.values():
            if token and task.client_token == token and task.account_id == call.account_id:
                return {"ReplaceRootVolumeTask": task.describe()}  # idempotent retry
        backend = ec2_backends[call.account_id][call.region]
        instance = find_instance(call.account_id, call.region, instance_id)
        if instance is None:
            raise AwsError(
                "InvalidInstanceID.NotFound",
                f"The instance ID '{instance_id}' does not exist",
                400,
            )
        if instance.state != "running":
            # Assumed wording ("Replaces the EBS-backed root volume for a running instance";
            # EC2's code for an instance in the wrong state).
            raise AwsError(
                "IncorrectInstanceState",
                f"The instance '{instance_id}' is not in the 'running' state.",
                400,
            )
        for task in fleet.root_volume_tasks.values():
            if task.instance_id == instance_id and task.state in ACTIVE_STATES:
                # Assumed wording: one replacement at a time per instance.
                raise AwsError(
                    "IncorrectState",
                    f"The instance '{instance_id}' already has a root volume replacement "
                    f"task in progress ({task.task_id}).",
                    400,
                )
        source = _source_image(backend, instance, image_id)
        root_block = instance.block_device_mapping.get(instance.root_device_name)
        original = backend.volumes.get(root_block.volume_id) if root_block else None
        if original is None:
            raise NotImplementedError(
                f"replacing the root volume of {instance_id}, which has no EBS root volume"
            )
        snapshot = root_snapshot(source) if source is not None else None
        replacement = backend.create_volume(
            size=None if snapshot is not None else original.size,
            zone_name=instance.availability_zone,
            snapshot_id=snapshot.id if snapshot is not None else None,
            volume_type=original.volume_type,
        )
        now = fleet.now()
        task = ReplaceRootVolumeTask(
            task_id=random_id("replacevol"),
            account_id=call.account_id,
            region=call.region,
            instance_id=instance_id,
            image_id=image_id,
            snapshot_id=None,
            delete_replaced=_true(p.get("DeleteReplacedRootVolume")),
            start_time=now,
            original_volume_id=original.id,
            replacement_volume_id=replacement.id,
            client_token=token,
        )
        task.extra["catalogue_image"] = source.id if source is not None else None
        asked = tags.get(TASK_RESOURCE_TYPE) or {}
        if asked:
            backend.create_tags([task.task_id], asked)
        fleet.root_volume_tasks[task.task_id] = task
        swap_at = creating(fleet, replacement, now)
        fleet.schedule(swap_at, _swap(fleet, task))
        return {"ReplaceRootVolumeTask": task.describe()}


def _source_image(backend: Any, instance: Any, image_id: str | None) -> Any:
    """The AMI the replacement volume is restored from: ImageId, or without it the AMI the
    instance was launched from (its launch state; None when moto does not know it)."""
    if not image_id:
        return backend.amis.get(instance.image_id)
    image = backend.amis.get(image_id)
    if image is None:
        raise AwsError("InvalidAMIID.NotFound", f"The image id '[{image_id}]' does not exist", 400)
    if image.state != "available":
        # Assumed wording: the AMI's snapshots must be complete to restore from them.
        raise AwsError(
            "IncorrectState", f"The image '{image_id}' is not in the 'available' state.", 400
        )
    different = [
        label
        for label, attribute in _KEY_ATTRIBUTES
        if (getattr(image, attribute, None) or "") != (getattr(instance, attribute, None) or "")
    ]
    if different:
        # Assumed wording; the rule is the API reference's (ImageId).
        raise AwsError(
            "InvalidParameterValue",
            f"The AMI '{image_id}' does not have the same {', '.join(different)} as the "
            f"instance '{instance.id}'.",
            400,
        )
    return image


def _swap(fleet: FleetService, task: ReplaceRootVolumeTask) -> Any:
    """The replacement volume is ready: swap the root volumes and reboot, or fail."""

    def event(due: float) -> None:
        backend = ec2_backends[task.account_id][task.region]
        instance = find_instance(task.account_id, task.region, task.instance_id)
        replacement = backend.volumes.get(task.replacement_volume_id)
        original = backend.volumes.get(task.original_volume_id)
        faults = fleet.aws.service("faults")
        if (
            instance is None
            or instance.state != "running"
            or replacement is None
            or original is None
            or original.attachment is None
            or faults.fleet_fault("root_volume_replacement_fails", task.instance_id)
        ):
            _fail(fleet, task, backend, due)
            return
        task.state = "in-progress"
        device = instance.root_device_name
        block = instance.block_device_mapping[device]
        backend.detach_volume(original.id, instance.id, device)
        backend.attach_volume(replacement.id, instance.id, device, block.delete_on_termination)
        host, _ = fleet._host_for(task.account_id, task.region, task.instance_id)
        back = due
        if host is not None:
            _restore_updates(fleet, host, task)
            back = fleet.reboot(host, due)
        else:
            back = due + fleet.durations.reboot
        fleet.schedule(back, _succeed(task, backend))

    return event


def _restore_updates(fleet: FleetService, host: Host, task: ReplaceRootVolumeTask) -> None:
    image_id = task.extra.get("catalogue_image")
    remembered = fleet.image_catalogues.get((task.account_id, task.region, image_id or ""))
    if remembered is not None:
        host.catalogue = copy.deepcopy(remembered)
    elif host.windows:
        # No record of this AMI (a public Windows AMI, or the launch state of an instance
        # launched from one): the disk is as the instance first booted, its updates as at
        # launch.
        host.catalogue = generate(host.instance_id, fleet.now())


def _succeed(task: ReplaceRootVolumeTask, backend: Any) -> Any:
    def event(due: float) -> None:
        if task.state != "in-progress":
            return
        task.state = "succeeded"
        task.complete_time = due
        original = backend.volumes.get(task.original_volume_id)
        if task.delete_replaced and original is not None and original.attachment is None:
            backend.delete_volume(original.id)

    return event


def _fail(fleet: FleetService, task: ReplaceRootVolumeTask, backend: Any, due: float) -> None:
    task.state = "failing"
    replacement = backend.volumes.get(task.replacement_volume_id)

    def failed(when: float) -> None:
        task.state = "failed"
        task.complete_time = when
        if replacement is not None and replacement.attachment is None:
            backend.volumes.pop(replacement.id, None)

    fleet.schedule(due + fleet.durations.root_volume_failing, failed)


@operation("ec2", "DescribeReplaceRootVolumeTasks")
def describe_replace_root_volume_tasks(call: Call) -> dict[str, Any]:
    p = call.params
    ids = member_values(p, "ReplaceRootVolumeTaskId")
    filters = _filters(p)
    max_results = p.get("MaxResults")
    if max_results is not None and not 1 <= int(max_results) <= 50:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ( {max_results} ) for parameter maxResults is invalid. "
            "Expecting a value between 1 and 50.",
            400,
        )
    fleet = _fleet(call)
    with fleet.lock:
        tasks = [
            t
            for t in fleet.root_volume_tasks.values()
            if t.account_id == call.account_id and t.region == call.region
        ]
        if ids:
            known = {t.task_id for t in tasks}
            missing = [i for i in ids if i not in known]
            if missing:
                # Assumed code, after EC2's InvalidXxxId.NotFound for other resources.
                raise AwsError(
                    "InvalidReplaceRootVolumeTaskId.NotFound",
                    f"The root volume replacement task ID '{missing[0]}' does not exist",
                    400,
                )
            tasks = [t for t in tasks if t.task_id in ids]
        for name, values in filters:
            tasks = [t for t in tasks if any(v in values for v in FILTERS[name](t))]
        tasks.sort(key=lambda t: (t.start_time, t.task_id))
        start = _token(p.get("NextToken"))
        size = int(max_results) if max_results is not None else len(tasks)
        page = tasks[start : start + size]
        result: dict[str, Any] = {"ReplaceRootVolumeTasks": [t.describe() for t in page]}
        if start + size < len(tasks):
            result["NextToken"] = str(start + size)
        return result


def _filters(params: dict[str, Any]) -> list[tuple[str, list[str]]]:
    names = {
        k.split(".")[1]: v
        for k, v in params.items()
        if k.endswith(".Name") and k.startswith("Filter.")
    }
    found = []
    for n, name in sorted(names.items(), key=lambda kv: int(kv[0])):
        if name not in FILTERS:
            raise AwsError("InvalidParameterValue", f"The filter '{name}' is invalid", 400)
        found.append((name, member_values(params, f"Filter.{n}.Value")))
    return found


def _token(token: str | None) -> int:
    if not token:
        return 0
    if not token.isdigit():
        raise AwsError("InvalidNextToken", "The specified token isn't valid.", 400)
    return int(token)
