"""How long the modelled Windows fleet takes to do things, in modelled seconds.

One table so tests and benchmarks can reason about timing; override any field with
``FleetService.durations = Durations(boot=10, ...)`` or ``dataclasses.replace``.
The defaults are typical of a t3.medium running Windows Server 2022 on AWS.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Durations:
    """Modelled seconds for each fleet process."""

    #: StartInstances / RunInstances: ``pending`` for this long, then ``running``.
    boot: float = 40.0
    #: StopInstances: ``stopping`` for this long, then ``stopped``.
    stop: float = 30.0
    #: TerminateInstances: ``shutting-down`` for this long, then ``terminated``.
    terminate: float = 20.0
    #: After the instance is ``running`` (or back from a reboot) the SSM agent pings
    #: Online after this long.
    agent_registration: float = 30.0
    #: A reboot (RebootInstances, CreateImage without NoReboot, an update that needs it):
    #: the agent is ConnectionLost for this long, the instance stays ``running``.
    reboot: float = 60.0
    #: CreateImage: the AMI (and its snapshot) is ``pending`` for this long.
    image: float = 120.0
    #: CreateVolume (and the replacement volume of a root volume replacement task, its
    #: ``pending`` time): ``creating`` for this long, then ``available``.
    volume_create: float = 30.0
    #: AttachVolume: the attachment is ``attaching`` for this long, then ``attached``.
    volume_attach: float = 10.0
    #: DetachVolume: ``detaching`` for this long, then the volume is ``available``.
    volume_detach: float = 10.0
    #: A root volume replacement task that fails: ``failing`` for this long, then ``failed``.
    root_volume_failing: float = 10.0
    #: Run Command: from SendCommand until the agent picks the invocation up.
    command_delivery: float = 2.0
    #: AWS-InstallWindowsUpdates: searching for updates (Scan and Install).
    scan: float = 20.0
    #: AWS-InstallWindowsUpdates: downloading and installing one update.
    update_per_kb: float = 45.0
    #: Any other Command document: how long each step (plugin) runs.
    plugin: float = 1.0
