"""The fleet service: the Windows hosts, their agents, AMIs and commands over modelled time.

Registered in ``extensions.SERVICES`` as ``fleet``. Everything that takes time is an
event on one queue, keyed by its modelled due time; ``tick()`` (called before every
request) runs the events that are due, each at its own due time, so what a caller
sees does not depend on how often it polls. One lock guards the whole model: the
server answers requests on many threads.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.ec2.models.instances import StateReason

from ..moto_patches.volumes import image_snapshots
from . import owned_documents
from .catalogue import Catalogue, generate
from .durations import Durations
from .instances import (
    Host,
    all_instances,
    computer_name,
    find_instance,
    is_windows,
    reservations_shape,
    set_state,
)

if TYPE_CHECKING:
    from ..server import EmbeddedAws
    from .commands import Command

Event = Callable[[float], None]
# The state EC2 shows on the way to the state moto sets at once.
TRANSIENT_STATES = {"running": "pending", "stopped": "stopping", "terminated": "shutting-down"}


class FleetService:
    name = "fleet"

    def __init__(self, aws: EmbeddedAws, durations: Durations | None = None) -> None:
        self.aws = aws
        self.durations = durations or Durations()
        self.lock = threading.RLock()
        self.hosts: dict[str, Host] = {}
        self.commands: dict[str, Command] = {}
        #: (account, region, image id) -> the updates of the instance when the AMI was made
        #: (``root_volumes`` brings them back when a root volume is restored from it).
        self.image_catalogues: dict[tuple[str, str, str], Catalogue] = {}
        #: ReplaceRootVolumeTask id -> task (``root_volumes``).
        self.root_volume_tasks: dict[str, Any] = {}
        self._events: list[tuple[float, int, Event]] = []
        self._synced_shape: Any = None
        self._seq = itertools.count()
        self._regions = boto3.session.Session().get_available_regions("ssm")

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> None:
        with self.lock:
            self._install_documents()

    def stop(self) -> None:
        with self.lock:
            self._events.clear()
            self.hosts.clear()
            self._synced_shape = None
            self.commands.clear()
            self.image_catalogues.clear()
            self.root_volume_tasks.clear()

    def now(self) -> float:
        return self.aws.clock.now()

    def tick(self) -> None:
        with self.lock:
            if not owned_documents.installed("us-east-1"):
                self._install_documents()  # moto was reset
            self._sync()
            now = self.now()
            while self._events and self._events[0][0] <= now:
                due, _, event = heapq.heappop(self._events)
                event(due)

    def next_event(self) -> float | None:
        """When the next modelled fleet process is due (virtual time jumps to it)."""
        with self.lock:
            return self._events[0][0] if self._events else None

    def schedule(self, due: float, event: Event) -> None:
        with self.lock:
            heapq.heappush(self._events, (due, next(self._seq), event))

    def _install_documents(self) -> None:
        for region in self._regions:
            owned_documents.install(region, DEFAULT_ACCOUNT_ID)

    # -- hosts -----------------------------------------------------------------
    def _sync(self) -> None:
        """Adopt instances we did not see launched; forget those moto forgot.

        Runs before every request: it looks at every instance only when moto's reservations
        changed (an instance only comes and goes with one), not once per request per
        instance of a fleet."""
        shape = reservations_shape()
        if shape == self._synced_shape:
            return
        self._synced_shape = shape
        seen = set()
        for account_id, region, instance in all_instances():
            seen.add(instance.id)
            if instance.id not in self.hosts:
                host = self._adopt(account_id, region, instance)
                if host.windows and instance.state == "running" and not self.agent_refused(host):
                    host.online = True
                    host.registered_at = host.last_ping = self.now()
        for gone in set(self.hosts) - seen:
            del self.hosts[gone]

    def _adopt(self, account_id: str, region: str, instance: Any) -> Host:
        windows = is_windows(account_id, region, instance)
        host = Host(
            instance_id=instance.id,
            account_id=account_id,
            region=region,
            windows=windows,
            computer_name=computer_name(instance.id),
        )
        if windows:
            instance.platform = "windows"
        self.hosts[instance.id] = host
        return host

    def host(self, instance_id: str) -> Host | None:
        with self.lock:
            return self.hosts.get(instance_id)

    def _host_for(self, account_id: str, region: str, instance_id: str) -> tuple[Host, Any]:
        instance = find_instance(account_id, region, instance_id)
        host = self.hosts.get(instance_id)
        if host is None and instance is not None:
            host = self._adopt(account_id, region, instance)
        return host, instance

    def catalogue(self, host: Host) -> Catalogue:
        if host.catalogue is None:
            host.catalogue = generate(host.instance_id, self.now())
        return host.catalogue

    # -- instance state changes --------------------------------------------------
    def launched(
        self, account_id: str, region: str, instance_ids: list[str], starting: bool = False
    ) -> None:
        """RunInstances/StartInstances: ``pending`` for ``boot`` seconds, then ``running``.

        ``starting`` (StartInstances): the ``start_fails`` fault sends the instance back to
        ``stopped`` after its ``pending`` time instead.
        """
        with self.lock:
            now = self.now()
            faults = self.aws.service("faults")
            for host in self._begin_transition(account_id, region, instance_ids, "running", now):
                if starting and faults.fleet_fault("start_fails", host.instance_id):
                    self.schedule(now + self.durations.boot, self._failed_to_start(host))
                    continue
                self.schedule(now + self.durations.boot, self._became_running(host))

    def stopped(self, account_id: str, region: str, instance_ids: list[str]) -> None:
        with self.lock:
            now = self.now()
            for host in self._begin_transition(account_id, region, instance_ids, "stopped", now):
                self.schedule(now + self.durations.stop, self._settle(host, "stopped"))

    def terminated(self, account_id: str, region: str, instance_ids: list[str]) -> None:
        with self.lock:
            now = self.now()
            for host in self._begin_transition(account_id, region, instance_ids, "terminated", now):
                host.terminated = True
                self.schedule(now + self.durations.terminate, self._settle(host, "terminated"))

    def _begin_transition(
        self, account_id: str, region: str, instance_ids: list[str], target: str, now: float
    ) -> list[Host]:
        """The hosts moto just moved to ``target``, shown in its in-between state for now.

        moto changes an instance's state at once; we put it back in the state EC2 shows on
        the way (``pending``, ``stopping``, ``shutting-down``), invalidate its pending state
        events and take its agent offline. The caller schedules the rest of the transition.
        """
        moving = []
        for instance_id in instance_ids:
            host, instance = self._host_for(account_id, region, instance_id)
            if instance is None or instance.state != target:
                continue
            set_state(instance, TRANSIENT_STATES[target])
            host.state_gen += 1
            self._agent_offline(host, now)
            moving.append(host)
        return moving

    def rebooted(self, account_id: str, region: str, instance_ids: list[str]) -> None:
        with self.lock:
            for instance_id in instance_ids:
                host, instance = self._host_for(account_id, region, instance_id)
                if host is not None and instance is not None:
                    self.reboot(host, self.now())

    def reboot(self, host: Host, when: float) -> float:
        """The OS restarts at ``when``: agent offline, back Online after ``reboot`` seconds.

        Returns the modelled time the agent is back.
        """
        self._agent_offline(host, when)
        host.reboot_pending = False
        back = when + self.durations.reboot
        self.schedule(back, self._agent_online(host, host.agent_gen))
        return back

    def hang(self, host: Host, when: float) -> None:
        """The OS goes down at ``when`` and does not come back until the next stop/start."""
        self._agent_offline(host, when)
        host.reboot_pending = True

    def _became_running(self, host: Host) -> Event:
        gen = host.state_gen

        def event(due: float) -> None:
            instance = host.moto_instance()
            if host.state_gen != gen or instance is None:
                return
            set_state(instance, "running")
            host.agent_gen += 1
            if host.windows:
                self.schedule(
                    due + self.durations.agent_registration,
                    self._agent_online(host, host.agent_gen),
                )

        return event

    def _failed_to_start(self, host: Host) -> Event:
        """``pending`` -> ``stopped`` with the reason EC2 gives when it has no capacity.

        EC2 accepts StartInstances and only then finds it cannot place the instance: the
        instance shows ``pending``, then ``stopped`` again, its StateReason and
        StateTransitionReason saying why (the EC2 StateReason code
        Server.InsufficientInstanceCapacity).
        The agent never ran, so it stays ConnectionLost.
        """
        gen = host.state_gen

        def event(due: float) -> None:
            instance = host.moto_instance()
            if host.state_gen != gen or instance is None:
                return
            set_state(instance, "stopped")
            host.state_gen += 1
            stamp = datetime.fromtimestamp(due, UTC).strftime("%Y-%m-%d %H:%M:%S GMT")
            instance._reason = f"Server.InsufficientInstanceCapacity ({stamp})"
            instance.state_reason = StateReason(
                "Server.InsufficientInstanceCapacity: Insufficient capacity.",
                "Server.InsufficientInstanceCapacity",
            )

        return event

    def _settle(self, host: Host, state: str) -> Event:
        gen = host.state_gen

        def event(due: float) -> None:
            instance = host.moto_instance()
            if host.state_gen == gen and instance is not None:
                set_state(instance, state)

        return event

    def _agent_online(self, host: Host, gen: int) -> Event:
        def event(due: float) -> None:
            instance = host.moto_instance()
            if host.agent_gen != gen or instance is None or instance.state != "running":
                return
            # The agent does not come back after this boot (or reboot): it stays
            # ConnectionLost, or unlisted if it never registered; waiters keep waiting.
            if self.aws.service("faults").fleet_fault("agent_never_online", host.instance_id):
                return
            if self.agent_refused(host):
                return
            host.online = True
            host.last_ping = due
            if host.registered_at is None:
                host.registered_at = due
            for waiter in host.extra.pop("on_online", []):
                waiter(due)

        return event

    def agent_refused(self, host: Host) -> str | None:
        """Why the agent cannot register: its instance's credentials may not call
        ssm:UpdateInstanceInformation (the agent's first call and its ping; the instance
        role needs AmazonSSMManagedInstanceCore: setup-instance-permissions). Checked when
        the OS comes up; a running agent whose role loses the permission is not modelled
        going offline until its next boot."""
        return self.aws.service("iam").instance_role_refusal(
            host.account_id, host.region, host.instance_id, "ssm", "UpdateInstanceInformation"
        )

    def _agent_offline(self, host: Host, when: float) -> None:
        if host.online:
            host.last_ping = when
        host.online = False
        host.agent_gen += 1

    def wait_for_agent(self, host: Host, callback: Event) -> None:
        """Call ``callback(time)`` the next time the agent comes Online."""
        host.extra.setdefault("on_online", []).append(callback)

    # -- images -------------------------------------------------------------------
    def image_created(
        self,
        account_id: str,
        region: str,
        image_id: str,
        instance_id: str | None,
        no_reboot: bool,
    ) -> None:
        with self.lock:
            now = self.now()
            backend = ec2_backends[account_id][region]
            image = backend.amis.get(image_id)
            if image is None:
                return
            image.state = "pending"
            # CreationDate on the modelled clock, so before/after images order as they ran.
            image.creation_date = datetime.fromtimestamp(now, UTC).replace(tzinfo=None)
            snapshots = image_snapshots(image)
            for snapshot in snapshots:
                snapshot.status = "pending"
            if instance_id:
                host, instance = self._host_for(account_id, region, instance_id)
                if host is not None and host.windows:
                    # The AMI holds the disk as it is now: what is installed and pending.
                    self.image_catalogues[(account_id, region, image_id)] = copy.deepcopy(
                        self.catalogue(host)
                    )
                if (
                    not no_reboot
                    and host is not None
                    and instance is not None
                    and instance.state == "running"
                ):
                    self.reboot(host, now)

            faults = self.aws.service("faults")
            if faults.fleet_fault("image_stays_pending", instance_id):
                return
            failing = faults.fleet_fault("image_fails", instance_id)

            def available(due: float) -> None:
                current = backend.amis.get(image_id)
                if current is image:
                    image.state = "failed" if failing else "available"
                    if failing:
                        image.state_reason = {
                            "Code": "Client.InternalError",
                            "Message": "Injected fault: the snapshot of the root volume failed",
                        }
                for snapshot in snapshots:
                    snapshot.status = "error" if failing else "completed"

            self.schedule(now + self.durations.image, available)


def fleet(aws: EmbeddedAws) -> FleetService:
    """The factory ``extensions.SERVICES`` names."""
    return FleetService(aws)
