"""`winupdate bench fleet`: a whole patch night on the embedded AWS in virtual time.

N tagged Windows instances, the design's per-instance runbook started with rate control
(Targets by tag, MaxConcurrency C) under the account's Automation quota, optional faults,
then the numbers: makespan against the ideal, concurrency, slots per instance, AWS calls,
time from a failure to its message, deadlock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from ..errors import UsageError
from ..local.control_client import ControlClient
from ..local.faults import FLEET_FAULTS
from ..local.fleet.windows_update import Install, Selection
from ..local.server import EmbeddedAws
from .designs import DESIGNS, TAG_KEY
from .metrics import (
    blind_order_seconds,
    failure_to_message,
    ideal_instance_seconds,
    ideal_seconds,
    instance_of,
    interval,
    peak_overlap,
    run_digest,
    scheduled_seconds,
)

FAN_OUTS = ("automation", "window", "start")
WINDOW_ACTIVE = {"PENDING", "IN_PROGRESS", "CANCELLING"}
ACTIVE = {"Pending", "InProgress", "Waiting", "Cancelling"}
# A run that has not ended after this much modelled time is called deadlocked.
HORIZON_SECONDS = 3 * 86400.0


@dataclass
class FleetBench:
    instances: int
    concurrency: int
    documents: str
    faults: dict[str, int]
    quota: int = 100
    out: Path | None = None
    #: Off: every poll of an unchanged resource is a request (the numbers are the same;
    #: ``test_reused_polls_change_nothing``). On: the simulation is several times faster.
    reuse_unchanged_polls: bool = True
    #: "automation": the per-instance runbook started with Automation rate control (AWS's
    #: ramp: 1, then 2, 4, ... up to C). "window": a maintenance window's task runs it
    #: per tagged instance, at most C at once (the module's ``maintenance_window.fan_out =
    #: "window"``: no approval). "start": the design's Start runbook, as a person starts a
    #: run: one approval (given at once), then its own fan-out — the module's run window
    #: (its ``fan_out = "window"``, the default), the seed's rate control — and a summary.
    fan_out: str = "automation"
    #: The module's rollback_on_failure: a failed update restores the instance from its
    #: AMI before (the Restore runbook, a child run of its per-instance run).
    rollback: bool = False


def parse_faults(spec: str | None) -> dict[str, int]:
    """``image_fails:2,command_fails:1`` -> {kind: how many instances it hits}."""
    faults: dict[str, int] = {}
    for part in filter(None, (spec or "").split(",")):
        kind, _, count = part.partition(":")
        if kind not in FLEET_FAULTS:
            raise UsageError(
                f"unknown fault {kind!r}; use one of {', '.join(sorted(FLEET_FAULTS))}"
            )
        if count and not count.isdigit():
            raise UsageError(f"fault {kind}: {count!r} is not a number of instances")
        faults[kind] = int(count or 1)
    return faults


def run_fleet_bench(bench: FleetBench) -> dict[str, Any]:
    if bench.documents not in DESIGNS:
        raise UsageError(f"--documents must be one of {', '.join(DESIGNS)}")
    if bench.fan_out not in FAN_OUTS:
        raise UsageError(f"--fan-out must be one of {', '.join(FAN_OUTS)}")
    if bench.fan_out != "automation" and bench.out is not None:
        raise UsageError("--out draws a rate-controlled run; use it with --fan-out automation")
    if bench.instances < 1 or bench.concurrency < 1:
        raise UsageError("--instances and --concurrency must be at least 1")
    if bench.fan_out == "start" and bench.documents != "module":
        raise UsageError(
            "--fan-out start runs the module's Start runbook (the seed's takes no "
            "MaxConcurrency): use --documents module"
        )
    if bench.rollback and bench.documents != "module":
        raise UsageError("--rollback is the module's rollback_on_failure: use --documents module")
    design = DESIGNS[bench.documents](**({"RollbackOnFailure": True} if bench.rollback else {}))
    began = time.perf_counter()
    aws = EmbeddedAws(port=0, virtual=True, reuse_unchanged_polls=bench.reuse_unchanged_polls)
    endpoint = aws.start()
    try:
        return _simulate(aws, endpoint, design, bench, began)
    finally:
        aws.stop()


def _simulate(aws: EmbeddedAws, endpoint: str, design: Any, bench: FleetBench, began: float):
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=aws.region
    )
    ssm = session.client("ssm", endpoint_url=endpoint)
    ec2 = session.client("ec2", endpoint_url=endpoint)
    sns = session.client("sns", endpoint_url=endpoint)
    control = ControlClient(endpoint)
    topic = sns.create_topic(Name="AutomationWinUpdateBench")["TopicArn"]
    approver = "arn:aws:iam::123456789012:user/bench-approver"
    design.install(ssm, session.client("iam", endpoint_url=endpoint), topic, approver)

    fleet = aws.service("fleet")
    instance_ids = _launch(aws, ec2, ssm, fleet, bench.instances)
    instances = set(instance_ids)
    selection = Selection.from_parameters(design.install_parameters())
    per_instance = {
        instance_id: ideal_instance_seconds(
            fleet.durations,
            Install.plan(
                selection,
                fleet.catalogue(fleet.hosts[instance_id]).pending,
                fleet.durations,
                aws.clock.now(),
            ),
        )
        for instance_id in instance_ids
    }
    faulted = []
    for kind, count in bench.faults.items():
        for instance_id in instance_ids[:count]:
            control.inject_fault(kind=kind, instance_id=instance_id, count=1)
            faulted.append(instance_id)
    control.automation_settings(
        MaxConcurrentExecutions=bench.quota, AutoApprove={"Principal": approver, "AfterSeconds": 0}
    )

    service = aws.service("automation")
    started_at = aws.clock.now()
    start_id = None
    if bench.fan_out == "window":
        window_id = _window(ssm, design, bench.concurrency)
        window_execution_id = control.run_maintenance_window(window_id)
        parent_id = None

        def busy() -> bool:
            return _window_execution(ssm, window_execution_id)["Status"] in WINDOW_ACTIVE
    elif bench.fan_out == "start":
        # The module's run window is armed with an at(...) schedule: in virtual time a
        # schedule fires only up to where the harness follows the clock.
        aws.service("maintenance-windows").apply_settings(
            {"FollowUntil": started_at + HORIZON_SECONDS}
        )
        start_id = ssm.start_automation_execution(
            DocumentName=design.start,
            # C at once, every failure let through (as the window row's MaxErrors 100%).
            Parameters={"MaxConcurrency": [str(bench.concurrency)], "MaxErrors": ["100%"]},
        )["AutomationExecutionId"]
        parent_id = None

        def busy() -> bool:
            return False
    else:
        parent_id = ssm.start_automation_execution(
            DocumentName=design.process,
            Parameters=design.process_parameters,
            TargetParameterName=design.target_parameter,
            Targets=[{"Key": f"tag:{TAG_KEY}", "Values": ["ON"]}],
            MaxConcurrency=str(bench.concurrency),
        )["AutomationExecutionId"]

        def busy() -> bool:
            return False

    deadlocked = _wait(aws, service, started_at, busy)

    executions = list(service.executions.values())
    now = aws.clock.now()
    if start_id is not None:
        start = service.get(start_id)
        status = str(start.status)
        end = start.end if start.end is not None else now
    elif parent_id is None:
        window = _window_execution(ssm, window_execution_id)
        status, end = window["Status"], window.get("EndTime", now)
    else:
        parent = service.get(parent_id)
        status = str(parent.status)
        end = parent.end if parent.end is not None else now
    # Each instance's own executions, in the order they started (ties: in the order the
    # service created them, which is the order of ``executions``).
    by_instance: dict[str, list[tuple[float, float]]] = {}
    for ex in sorted(executions, key=lambda ex: ex.start or 0.0):
        owner = instance_of(ex, instances)
        if owner is not None and ex.resolved_targets is None:
            by_instance.setdefault(owner, []).append(interval(ex, now))
    # The bound starts the instances in the order the fan-out started them.
    order = [*by_instance, *sorted(set(per_instance) - set(by_instance))]
    ramped = parent_id is not None or (start_id is not None and design.run_window is None)
    ideal_scheduled = scheduled_seconds(
        bench.concurrency, [per_instance[i] for i in order], ramp=ramped
    )
    # Each instance's own modelled time (its first per-instance run's, start to end): no
    # fan-out can end before the C slots have worked through all of it, nor before the
    # longest instance has ended.
    own = [runs[0][1] - runs[0][0] for runs in by_instance.values()]
    lower_bound = max(sum(own) / bench.concurrency, max(own)) if own else 0.0
    # What the order alone allows with those times and C at once: longest first (only a
    # fan-out that knows every duration in advance can start them so), and the median of
    # random orders (what a fan-out blind to the durations, as AWS's are, can expect).
    lpt = scheduled_seconds(bench.concurrency, sorted(own, reverse=True), ramp=False)
    blind = blind_order_seconds(bench.concurrency, own)
    api_calls = sum(ex.api_calls for ex in executions)
    ideal = ideal_seconds(bench.instances, bench.concurrency, list(per_instance.values()))
    makespan = end - started_at
    messages = control.messages(topic)
    result = {
        "instances": bench.instances,
        "concurrency": bench.concurrency,
        "documents": bench.documents,
        "fan_out": bench.fan_out,
        "quota": bench.quota,
        "faults": bench.faults or None,
        "status": status,
        "makespan_s": round(makespan, 1),
        "ideal_s": round(ideal, 1),
        "ratio": _ratio(makespan, ideal),
        "lower_bound_s": round(lower_bound, 1),
        "ratio_lower_bound": _ratio(makespan, lower_bound),
        "longest_first_s": round(lpt, 1),
        "ratio_longest_first": _ratio(lpt, lower_bound),
        "blind_order_median_s": round(blind, 1),
        "ratio_blind_order": _ratio(blind, lower_bound),
        "ideal_scheduled_s": round(ideal_scheduled, 1),
        "ratio_scheduled": _ratio(makespan, ideal_scheduled),
        "peak_executions": peak_overlap(interval(ex, now) for ex in executions),
        "peak_slots_per_instance": max((peak_overlap(v) for v in by_instance.values()), default=0),
        "api_calls_per_instance": round(api_calls / bench.instances, 1),
        "failure_to_message_s": failure_to_message(
            executions, messages, set(faulted), design.process
        )
        if faulted
        else None,
        "failed_instances": sorted(
            {
                owner
                for ex in executions
                if ex.document_name == design.process
                and ex.resolved_targets is None
                and str(ex.status) != "Success"
                and (owner := instance_of(ex, instances)) is not None
            }
        ),
        "deadlocked": deadlocked,
        **instance_seconds(service, executions, instances, design.process, now),
        "run_digest": run_digest(executions, messages),
        "wall_s": round(time.perf_counter() - began, 1),
    }
    if bench.out is not None and parent_id is not None:
        result["timeline"] = str(_draw(session, endpoint, parent_id, bench.out))
    return result


def instance_seconds(
    service: Any, executions: list[Any], instances: set[str], process: str, now: float
) -> dict[str, Any]:
    """Modelled seconds of each instance's per-instance run, from its start to its end:
    the mean of those that succeeded and of those that failed without a rollback, and each
    rolled-back one (its Restore child's time
    included; it holds a second Automation slot meanwhile)."""
    succeeded: list[float] = []
    rolled_back: list[float] = []
    failed: list[float] = []
    for ex in executions:
        if ex.document_name != process or ex.resolved_targets is not None:
            continue
        if instance_of(ex, instances) is None:
            continue
        began, ended = interval(ex, now)
        if str(ex.status) == "Success":
            succeeded.append(ended - began)
        elif (service.step_outputs(ex).get("ReportFailure.RolledBackTo") or [""])[0]:
            rolled_back.append(ended - began)
        else:
            failed.append(ended - began)
    return {
        "instance_s_succeeded_mean": round(sum(succeeded) / len(succeeded), 1)
        if succeeded
        else None,
        "instance_s_failed_mean": round(sum(failed) / len(failed), 1) if failed else None,
        "instance_s_rolled_back": sorted(round(s, 1) for s in rolled_back) or None,
    }


def _window(ssm: Any, design: Any, concurrency: int) -> str:
    """A maintenance window that runs the design's per-instance runbook on every tagged
    instance, at most ``concurrency`` at once: the module's ``fan_out = "window"``."""
    window_id = ssm.create_maintenance_window(
        Name="WinUpdateBench",
        Schedule="cron(0 2 ? * SUN *)",
        Duration=24,
        Cutoff=0,
        AllowUnassociatedTargets=False,
    )["WindowId"]
    target_id = ssm.register_target_with_maintenance_window(
        WindowId=window_id,
        ResourceType="INSTANCE",
        Targets=[{"Key": f"tag:{TAG_KEY}", "Values": ["ON"]}],
    )["WindowTargetId"]
    parameters = {**design.process_parameters, design.target_parameter: ["{{RESOURCE_ID}}"]}
    ssm.register_task_with_maintenance_window(
        WindowId=window_id,
        Targets=[{"Key": "WindowTargetIds", "Values": [target_id]}],
        TaskArn=design.process,
        TaskType="AUTOMATION",
        MaxConcurrency=str(concurrency),
        MaxErrors="100%",
        TaskInvocationParameters={
            "Automation": {"DocumentVersion": "$DEFAULT", "Parameters": parameters}
        },
    )
    return window_id


def _window_execution(ssm: Any, window_execution_id: str) -> dict[str, Any]:
    """The window execution, its times in modelled epoch seconds."""
    window = dict(ssm.get_maintenance_window_execution(WindowExecutionId=window_execution_id))
    for key in ("StartTime", "EndTime"):
        if key in window:
            window[key] = window[key].timestamp()
    return window


def _launch(aws: EmbeddedAws, ec2: Any, ssm: Any, fleet: Any, count: int) -> list[str]:
    """``count`` tagged Windows instances, running, their agents Online."""
    image = ssm.get_parameter(
        Name="/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"
    )["Parameter"]["Value"]
    ids: list[str] = []
    while len(ids) < count:
        batch = min(100, count - len(ids))
        reservation = ec2.run_instances(
            ImageId=image,
            MinCount=batch,
            MaxCount=batch,
            InstanceType="t3.medium",
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": TAG_KEY, "Value": "ON"}]}
            ],
        )
        ids.extend(i["InstanceId"] for i in reservation["Instances"])
    # The fleet model itself, not DescribeInstanceInformation, and the clock stepped here,
    # event by event, while it is held (as a request in flight holds it): left to the
    # engine, it could jump past the moment the last agent came online before this loop
    # looked again, and the run would start later by however long that jump was (a 70 s
    # difference in the digest's times on a loaded machine).
    aws.request_started()
    try:
        while True:
            fleet.tick()
            with fleet.lock:
                hosts = [fleet.hosts.get(instance_id) for instance_id in ids]
            if all(host is not None and host.online for host in hosts):
                return ids
            when = aws.next_event()
            if when is None:
                raise RuntimeError("the fleet's agents never came online and nothing is due")
            aws.clock.advance_to(when)
            aws.advanced()
    finally:
        aws.request_ended()


def _wait(aws: EmbeddedAws, service: Any, started_at: float, busy: Any) -> bool:
    """Until every execution has ended and ``busy()`` (what starts them) is not; True when
    the horizon passed first (deadlock)."""
    while True:
        # Looked at outside the service's lock and only now and then: every look at a
        # thousand executions is time the engine thread, which does the work, waits for.
        with service.lock:
            executions = list(service.executions.values())
        active = [ex for ex in executions if str(ex.status) in ACTIVE]
        if not active and not busy():
            return False
        if aws.clock.now() - started_at > HORIZON_SECONDS:
            for ex in active:
                service.request_cancel(ex)
            return True
        time.sleep(0.25)


def _draw(session: Any, endpoint: str, parent_id: str, out: Path) -> Path:
    from ..run.aws import Aws
    from ..run.report import write_report
    from ..run.timeline import load_timeline

    timeline = load_timeline(Aws(endpoint_url=endpoint, session=session), parent_id)
    write_report(timeline, out)
    return out


def _ratio(value: float, bound: float) -> float | None:
    """``value / bound`` to three places; None without a bound (nothing was measured)."""
    return round(value / bound, 3) if bound else None
