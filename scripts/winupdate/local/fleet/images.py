"""AMIs take time: CreateImage answers at once, the image is ``pending`` until done.

moto creates the image ``available``; ``moto_patches.volumes`` gives it a real snapshot of
every EBS volume of the instance (``Created by CreateImage(i-...) for ami-...``), so
DeregisterImage followed by DeleteSnapshot works as on AWS. After moto answered we set the
image and its snapshots ``pending`` and flip them to ``available``/``completed`` after
``Durations.image`` modelled seconds. Without ``NoReboot=true`` AWS shuts the
instance down cleanly before the snapshot: the instance stays ``running`` and its
agent is offline for ``Durations.reboot``.

CreateImage's ``TagSpecifications`` tag the image and, with ``ResourceType: snapshot``,
its snapshots, as AWS does; moto raises NotImplementedError for snapshot tags.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import AmiBackend

from ..dispatch import Call, after, probe
from ..moto_patches.volumes import image_snapshots, install
from .xml_answers import first_text_in

install()  # every volume of the instance snapshotted, before CreateImage is first answered

if TYPE_CHECKING:
    from .service import FleetService


@probe("ec2", "DescribeImages")
def _describe_images_probe(call: Call) -> Any:
    """DescribeImages by ImageIds: each image's attributes and tags (what moto renders)."""
    ids = call.params.get("ImageIds")
    if not ids or set(call.params) != {"ImageIds"}:
        return None
    backend = ec2_backends[call.account_id][call.region]
    seen = []
    for image_id in ids:
        image = backend.amis.get(image_id)
        if image is None:
            seen.append((image_id, image_id in backend.deleted_amis))
            continue
        seen.append((image_id, _attributes(image), repr(backend.tags.get(image_id))))
    return seen


def _attributes(resource: Any) -> tuple:
    """A model's own attributes, containers by value; another model it refers to (its
    backend, its snapshot) by id only."""
    seen = []
    for name, value in sorted(vars(resource).items()):
        if isinstance(value, _PLAIN):
            seen.append((name, value))
        elif hasattr(value, "__dict__"):
            seen.append((name, getattr(value, "id", id(value))))
        else:
            seen.append((name, repr(value)))
    return tuple(seen)


_PLAIN = (str, int, float, bool, type(None), datetime)


@after("ec2", "CreateImage")
def _create_image(call: Call, status: int, body: bytes) -> None:
    if status != 200:
        return
    image_id = first_text_in(body, "imageId")
    if image_id is None:
        return
    no_reboot = str(call.params.get("NoReboot", "false")).lower() == "true"
    fleet: FleetService = call.aws.service("fleet")
    fleet.image_created(
        call.account_id, call.region, image_id, call.params.get("InstanceId"), no_reboot
    )


def _tag_snapshots_on_create() -> None:
    if getattr(AmiBackend.create_image, "tags_snapshots", False):
        return
    moto_create_image = AmiBackend.create_image

    def create_image(
        self: Any,
        instance_id: str,
        name: str,
        description: str,
        tag_specifications: list[dict[str, Any]],
    ) -> Any:
        for_snapshots = [s for s in tag_specifications if s.get("ResourceType") == "snapshot"]
        others = [s for s in tag_specifications if s.get("ResourceType") != "snapshot"]
        image = moto_create_image(self, instance_id, name, description, tag_specifications=others)
        for spec in for_snapshots:
            for tag in spec.get("Tags", []):
                for snapshot in image_snapshots(image):
                    snapshot.add_tag(tag["Key"], tag["Value"])
        return image

    create_image.tags_snapshots = True  # type: ignore[attr-defined]
    AmiBackend.create_image = create_image  # type: ignore[method-assign]


_tag_snapshots_on_create()
