"""EC2 instances as the fleet sees them: state changes that take time, and Windows hosts.

moto flips an instance to ``running`` or ``stopped`` at once. After moto answered
RunInstances/StartInstances/StopInstances/TerminateInstances we put the instance in
the transitional state AWS shows (``pending``, ``stopping``, ``shutting-down``) and
the service's ``tick()`` moves it on when the modelled time has passed
(``Durations.boot``/``stop``/``terminate``). The answer to the call itself still
carries moto's ``CurrentState``; every later DescribeInstances shows the model.

Which instances are Windows: every instance gets a Windows SSM agent unless its image
is a Linux one — an image whose platform is ``Linux/UNIX`` or whose name is a Linux
distribution's (moto's stock Amazon Linux, Ubuntu, RHEL, SUSE images). An image
moto does not know (``ami-12345678`` in a test) or one created from a Windows
instance is Windows. Windows instances report ``Platform: windows`` like AWS's.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.ec2.exceptions import InvalidInstanceIdError
from moto.ec2.models import ec2_backends

from ..dispatch import Call, after
from .catalogue import Catalogue
from .xml_answers import texts_in

if TYPE_CHECKING:
    from .service import FleetService

STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
_LINUX_PLATFORMS = {"linux/unix", "linux"}
_LINUX_NAMES = re.compile(
    r"amzn|amazon-linux|al2023|ubuntu|debian|rhel|centos|suse|sles|fedora|linux", re.IGNORECASE
)


@dataclass
class Host:
    """One instance and its SSM agent."""

    instance_id: str
    account_id: str
    region: str
    windows: bool
    computer_name: str
    #: Bumped on every instance state change: stale scheduled transitions are dropped.
    state_gen: int = 0
    #: Bumped whenever the agent goes offline or is rescheduled.
    agent_gen: int = 0
    online: bool = False
    registered_at: float | None = None
    last_ping: float | None = None
    terminated: bool = False
    #: Updates were installed that need a restart AllowReboot did not allow.
    reboot_pending: bool = False
    catalogue: Catalogue | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def registered(self) -> bool:
        return self.registered_at is not None

    def ping_status(self) -> str:
        return "Online" if self.online else "ConnectionLost"

    def moto_instance(self) -> Any:
        return find_instance(self.account_id, self.region, self.instance_id)


def find_instance(account_id: str, region: str, instance_id: str) -> Any:
    """moto's instance, or None. (Its lookup by id is an index: ``moto_patches.speedups``.)"""
    try:
        return ec2_backends[account_id][region].get_instance(instance_id)
    except InvalidInstanceIdError:
        return None


def all_instances() -> list[tuple[str, str, Any]]:
    """(account, region, instance) for every instance moto holds."""
    found = []
    for account_id, regions in list(ec2_backends.items()):
        for region, backend in list(regions.items()):
            for reservation in list(backend.reservations.values()):
                for instance in reservation.instances:
                    found.append((account_id, region, instance))
    return found


def reservations_shape() -> tuple:
    """Which reservations moto holds and how many instances each: it changes whenever an
    instance is added or dropped, and costs a look per reservation, not per instance.
    The reservation objects themselves are part of it (compared by identity, and kept
    alive by it): after a reset moto may make the same reservation ids again (a seeded
    run), with new instances in them."""
    return tuple(
        (account_id, region, reservation_id, len(reservation.instances), reservation)
        for account_id, regions in list(ec2_backends.items())
        for region, backend in list(regions.items())
        for reservation_id, reservation in list(backend.reservations.items())
    )


def set_state(instance: Any, name: str) -> None:
    instance._state.name = name
    instance._state.code = STATE_CODES[name]


def is_windows(account_id: str, region: str, instance: Any) -> bool:
    image = ec2_backends[account_id][region].amis.get(instance.image_id)
    if image is None:
        return True
    platform = (image.platform or "").lower()
    if platform == "windows":
        return True
    if platform in _LINUX_PLATFORMS:
        return False
    return not _LINUX_NAMES.search(image.name or "")


def computer_name(instance_id: str) -> str:
    """EC2Launch names a Windows host ``EC2AMAZ-`` and seven characters."""
    return "EC2AMAZ-" + instance_id.removeprefix("i-")[-7:].upper().rjust(7, "0")


def instance_ids_in(body: bytes) -> list[str]:
    """Instance ids in moto's XML answer (instancesSet of Run/Start/Stop/Terminate)."""
    return texts_in(body, "instanceId")


def previous_states_in(body: bytes) -> dict[str, str]:
    """Instance id -> ``previousState`` name in moto's XML answer to Start/StopInstances."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return {}
    found: dict[str, str] = {}
    for item in root.iter():
        children = {c.tag.rsplit("}", 1)[-1]: c for c in item}
        if "instanceId" not in children or "previousState" not in children:
            continue
        for element in children["previousState"]:
            if element.tag.rsplit("}", 1)[-1] == "name" and element.text:
                found[children["instanceId"].text or ""] = element.text
    return found


def _fleet(call: Call) -> FleetService:
    return call.aws.service("fleet")


@after("ec2", "RunInstances")
def _run_instances(call: Call, status: int, body: bytes) -> None:
    if status == 200:
        _fleet(call).launched(call.account_id, call.region, instance_ids_in(body))


@after("ec2", "StartInstances")
def _start_instances(call: Call, status: int, body: bytes) -> None:
    if status != 200:
        return
    # StartInstances on a running instance changes nothing on AWS (previous and current
    # state are both running); moto answers ``pending`` but must not reboot our model.
    previous = previous_states_in(body)
    ids = [i for i in instance_ids_in(body) if previous.get(i) != "running"]
    _fleet(call).launched(call.account_id, call.region, ids, starting=True)


@after("ec2", "StopInstances")
def _stop_instances(call: Call, status: int, body: bytes) -> None:
    if status != 200:
        return
    # Stopping a stopped instance changes nothing on AWS: no ``stopping`` spell.
    previous = previous_states_in(body)
    ids = [i for i in instance_ids_in(body) if previous.get(i) != "stopped"]
    _fleet(call).stopped(call.account_id, call.region, ids)


@after("ec2", "TerminateInstances")
def _terminate_instances(call: Call, status: int, body: bytes) -> None:
    if status == 200:
        _fleet(call).terminated(call.account_id, call.region, instance_ids_in(body))


@after("ec2", "RebootInstances")
def _reboot_instances(call: Call, status: int, body: bytes) -> None:
    if status == 200:
        ids = [v for k, v in sorted(call.params.items()) if k.startswith("InstanceId.")]
        _fleet(call).rebooted(call.account_id, call.region, ids)
