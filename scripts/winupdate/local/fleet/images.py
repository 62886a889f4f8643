"""AMIs take time: CreateImage answers at once, the image is ``pending`` until done.

moto creates the image ``available`` with a real snapshot of the root volume
(``Created by CreateImage(i-...) for ami-...``), so DeregisterImage followed by
DeleteSnapshot works as on AWS. After moto answered we set the image and that
snapshot ``pending`` and flip both to ``available``/``completed`` after
``Durations.image`` modelled seconds. Without ``NoReboot=true`` AWS shuts the
instance down cleanly before the snapshot: the instance stays ``running`` and its
agent is offline for ``Durations.reboot``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from ..dispatch import Call, after

if TYPE_CHECKING:
    from .service import FleetService


def image_id_in(body: bytes) -> str | None:
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "imageId" and element.text:
            return element.text
    return None


@after("ec2", "CreateImage")
def _create_image(call: Call, status: int, body: bytes) -> None:
    if status != 200:
        return
    image_id = image_id_in(body)
    if image_id is None:
        return
    no_reboot = str(call.params.get("NoReboot", "false")).lower() == "true"
    fleet: FleetService = call.aws.service("fleet")
    fleet.image_created(
        call.account_id, call.region, image_id, call.params.get("InstanceId"), no_reboot
    )
