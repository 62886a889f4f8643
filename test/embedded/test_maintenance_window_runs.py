"""Running maintenance windows on the embedded AWS, as AWS documents it.

References (each test cites the behaviour it pins):
- API reference (botocore's SSM model): RegisterTaskWithMaintenanceWindow (Priority,
  MaxConcurrency, MaxErrors, CutoffBehavior), CreateMaintenanceWindow (Duration, Cutoff),
  the maintenance window execution operations and MaintenanceWindowExecutionStatus.
- User guide: mw-cli-register-tasks-parameters.md (pseudo parameters),
  maintenance-windows-targetless-tasks.md, mw-cli-task-options.md.

A window runs through the emulator-only control ``POST /_winupdate/maintenance-windows/run``
(``ControlClient.run_maintenance_window``); everything read back goes through boto3.
"""

from __future__ import annotations

import ast
import json
import time
import uuid
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from fleet_support import launch
from moto.core import DEFAULT_ACCOUNT_ID

import winupdate.local.maintenance_windows.responses as responses_module
import winupdate.local.maintenance_windows.runner as runner_module
from automation_support import create_runbook, runbook, service_role
from shape_check import checked
from winupdate.errors import WinUpdateError
from winupdate.local.control_client import ControlClient

ROLE_ARN = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/MaintenanceWindowRole"
TERMINAL = {"SUCCESS", "FAILED", "TIMED_OUT", "CANCELLED", "SKIPPED_OVERLAPPING"}
PSEUDO_PARAMETERS = (
    "RESOURCE_ID",
    "RESOURCE_TYPE",
    "TARGET_ID",
    "TARGET_TYPE",
    "WINDOW_ID",
    "WINDOW_EXECUTION_ID",
    "WINDOW_TASK_ID",
    "WINDOW_TARGET_ID",
    "TASK_EXECUTION_ID",
    "INVOCATION_ID",
)


@pytest.fixture(autouse=True)
def window_role(client):
    """The tasks' service role exists and trusts Systems Manager: the window starts each
    runbook as a session of it (mw-cli-task-options.md, ServiceRoleArn)."""
    return service_role(client("iam"), ROLE_ARN.rsplit("/", 1)[-1])


@pytest.fixture
def ssm(client):
    return client("ssm")


@pytest.fixture
def ec2(client):
    return client("ec2")


@pytest.fixture
def control(endpoint):
    return ControlClient(endpoint)


@pytest.fixture
def make_window(ssm):
    created: list[str] = []

    def make(duration: int = 2, cutoff: int = 0) -> str:
        window_id = ssm.create_maintenance_window(
            Name=f"mw-run-{uuid.uuid4().hex[:8]}",
            Schedule="cron(0 3 ? * SUN *)",
            Duration=duration,
            Cutoff=cutoff,
            AllowUnassociatedTargets=False,
        )["WindowId"]
        created.append(window_id)
        return window_id

    yield make
    for window_id in created:
        ssm.delete_maintenance_window(WindowId=window_id)


def sleeper(ssm, duration: str = "PT1M", *parameters: str) -> str:
    """A runbook that sleeps; its String parameters default to '' so any subset can be given."""
    return create_runbook(
        ssm,
        runbook(
            {"name": "nap", "action": "aws:sleep", "inputs": {"Duration": duration}},
            parameters={name: {"type": "String", "default": ""} for name in parameters},
        ),
        prefix="MwSleep",
    )


def failing(ssm) -> str:
    """A runbook whose only step fails: it reads a parameter that does not exist."""
    return create_runbook(
        ssm,
        runbook(
            {
                "name": "read",
                "action": "aws:executeAwsApi",
                "inputs": {
                    "Service": "ssm",
                    "Api": "GetParameter",
                    "Name": f"/mw-run/missing-{uuid.uuid4().hex}",
                },
            },
            parameters={"InstanceId": {"type": "String"}},
        ),
        prefix="MwFail",
    )


def tagged_instances(ec2, count: int) -> tuple[str, list[str]]:
    """``count`` instances tagged ``MwRun=<unique value>``; the value and the sorted ids."""
    value = uuid.uuid4().hex[:10]
    return value, sorted(launch(ec2, tags={"MwRun": value}) for _ in range(count))


def register_tag_target(ssm, window_id: str, value: str, owner: str | None = None) -> str:
    params: dict[str, Any] = {
        "WindowId": window_id,
        "ResourceType": "INSTANCE",
        "Targets": [{"Key": "tag:MwRun", "Values": [value]}],
    }
    if owner:
        params["OwnerInformation"] = owner
    return ssm.register_target_with_maintenance_window(**params)["WindowTargetId"]


def register_task(
    ssm,
    window_id: str,
    document: str,
    parameters: dict[str, list[str]],
    target_id: str | None = None,
    priority: int = 1,
    **extra: Any,
) -> str:
    params: dict[str, Any] = {
        "WindowId": window_id,
        "TaskArn": document,
        "ServiceRoleArn": ROLE_ARN,
        "TaskType": "AUTOMATION",
        "TaskInvocationParameters": {
            "Automation": {"DocumentVersion": "$DEFAULT", "Parameters": parameters}
        },
        "Priority": priority,
        **extra,
    }
    if target_id:
        params["Targets"] = [{"Key": "WindowTargetIds", "Values": [target_id]}]
        params.setdefault("MaxConcurrency", "10")
        params.setdefault("MaxErrors", "1")
    return ssm.register_task_with_maintenance_window(**params)["WindowTaskId"]


def wait_window(ssm, execution_id: str, wall_timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + wall_timeout
    while True:
        run = ssm.get_maintenance_window_execution(WindowExecutionId=execution_id)
        if run["Status"] in TERMINAL:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"window execution {execution_id} still {run['Status']}")
        time.sleep(0.05)


def tasks_of(ssm, execution_id: str) -> dict[str, dict[str, Any]]:
    """Task executions by TaskArn (the identities do not carry the WindowTaskId)."""
    identities = ssm.describe_maintenance_window_execution_tasks(WindowExecutionId=execution_id)[
        "WindowExecutionTaskIdentities"
    ]
    return {task["TaskArn"]: task for task in identities}


def invocations_of(ssm, execution_id: str, task_id: str) -> list[dict[str, Any]]:
    return ssm.describe_maintenance_window_execution_task_invocations(
        WindowExecutionId=execution_id, TaskId=task_id
    )["WindowExecutionTaskInvocationIdentities"]


def automation(ssm, execution_id: str) -> dict[str, Any]:
    return ssm.get_automation_execution(AutomationExecutionId=execution_id)["AutomationExecution"]


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


# -- targets and pseudo parameters ---------------------------------------------------------
def test_a_tag_target_runs_one_automation_per_tagged_instance_with_its_resource_id(
    ssm, ec2, control, make_window
):
    # mw-cli-register-tasks-parameters.md: "When the maintenance window task runs, it passes
    # the correct values instead of the pseudo parameter placeholders"; for target type
    # INSTANCE "both the {{TARGET_ID}} and {{RESOURCE_ID}} parameters yield the instance ID".
    # DescribeMaintenanceWindowExecutionTaskInvocations: "the individual task executions
    # (one per target)".
    value, instances = tagged_instances(ec2, 2)
    launch(ec2, tags={"MwRun": "someone-else"})
    window_id = make_window()
    target_id = register_tag_target(ssm, window_id, value, owner="team-a")
    names = ["InstanceId", *(n.title().replace("_", "") for n in PSEUDO_PARAMETERS[1:])]
    document = sleeper(ssm, "PT1M", *names)
    parameters = {
        name: [f"{{{{{pseudo}}}}}"] for name, pseudo in zip(names, PSEUDO_PARAMETERS, strict=True)
    }
    parameters["TargetId"] = ["{{ TARGET_ID }}"]  # spaces inside the braces work too
    task_id = register_task(ssm, window_id, document, parameters, target_id)

    run_id = control.run_maintenance_window(window_id)
    run = wait_window(ssm, run_id)

    assert run["Status"] == "SUCCESS"
    [task] = tasks_of(ssm, run_id).values()
    assert run["TaskIds"] == [task["TaskExecutionId"]]
    invocations = invocations_of(ssm, run_id, task["TaskExecutionId"])
    assert len(invocations) == 2
    seen = []
    for invocation in invocations:
        assert invocation["Status"] == "SUCCESS"
        assert invocation["WindowTargetId"] == target_id
        assert invocation["OwnerInformation"] == "team-a"
        execution = automation(ssm, invocation["ExecutionId"])
        assert execution["DocumentName"] == document
        assert execution["AutomationExecutionStatus"] == "Success"
        assert execution["ExecutedBy"] == ROLE_ARN
        given = {k: v[0] for k, v in execution["Parameters"].items()}
        seen.append(given["InstanceId"])
        assert given["TargetId"] == given["InstanceId"]
        assert given["TargetType"] == "INSTANCE"
        assert given["WindowId"] == window_id
        assert given["WindowExecutionId"] == run_id
        assert given["WindowTaskId"] == task_id
        assert given["WindowTargetId"] == target_id
        assert given["TaskExecutionId"] == task["TaskExecutionId"]
        assert given["InvocationId"] == invocation["InvocationId"]
        # RESOURCE_TYPE is not in the user guide's list: it reaches the runbook as written.
        assert given["ResourceType"] == "{{RESOURCE_TYPE}}"
        assert json.loads(invocation["Parameters"])["Parameters"]["InstanceId"] == [
            given["InstanceId"]
        ]
    assert sorted(seen) == instances


def test_a_targetless_task_runs_once(ssm, control, make_window):
    # maintenance-windows-targetless-tasks.md: targets are optional for Automation tasks
    # ("the node to restart is specified in the --task-invocation-parameters"); the
    # placeholder MaxConcurrency/MaxErrors "don't affect the running of your task".
    window_id = make_window()
    document = sleeper(ssm, "PT1M", "InstanceId", "Run")
    register_task(
        ssm,
        window_id,
        document,
        {"InstanceId": ["i-02573cafcfEXAMPLE"], "Run": ["{{WINDOW_EXECUTION_ID}}"]},
    )

    run_id = control.run_maintenance_window(window_id)
    assert wait_window(ssm, run_id)["Status"] == "SUCCESS"

    [task] = tasks_of(ssm, run_id).values()
    [invocation] = invocations_of(ssm, run_id, task["TaskExecutionId"])
    assert "WindowTargetId" not in invocation
    given = automation(ssm, invocation["ExecutionId"])["Parameters"]
    assert given == {"InstanceId": ["i-02573cafcfEXAMPLE"], "Run": [run_id]}


# -- priority, concurrency, errors -------------------------------------------------------------
def test_tasks_run_in_priority_order_and_equal_priorities_in_parallel(ssm, control, make_window):
    # RegisterTaskWithMaintenanceWindow.Priority: "the lower the number the higher the
    # priority. Tasks in a maintenance window are scheduled in priority order with tasks
    # that have the same priority scheduled in parallel."
    window_id = make_window()
    later, first_a, first_b = (sleeper(ssm, "PT10M") for _ in range(3))
    register_task(ssm, window_id, later, {}, priority=5)  # registered first, runs last
    register_task(ssm, window_id, first_a, {}, priority=1)
    register_task(ssm, window_id, first_b, {}, priority=1)

    run_id = control.run_maintenance_window(window_id)
    assert wait_window(ssm, run_id)["Status"] == "SUCCESS"

    tasks = tasks_of(ssm, run_id)
    a, b, last = tasks[first_a], tasks[first_b], tasks[later]
    assert abs((a["StartTime"] - b["StartTime"]).total_seconds()) < 60  # together
    assert last["StartTime"] >= max(a["EndTime"], b["EndTime"])  # after both ended
    priorities = {
        arn: ssm.get_maintenance_window_execution_task(
            WindowExecutionId=run_id, TaskId=task["TaskExecutionId"]
        )["Priority"]
        for arn, task in tasks.items()
    }
    assert priorities == {later: 5, first_a: 1, first_b: 1}


def test_max_concurrency_limits_parallel_invocations(ssm, ec2, control, make_window):
    # RegisterTaskWithMaintenanceWindow.MaxConcurrency: "The maximum number of targets this
    # task can be run for, in parallel."
    value, _instances = tagged_instances(ec2, 4)
    window_id = make_window()
    target_id = register_tag_target(ssm, window_id, value)
    document = sleeper(ssm, "PT10M", "InstanceId")
    register_task(
        ssm, window_id, document, {"InstanceId": ["{{RESOURCE_ID}}"]}, target_id, MaxConcurrency="2"
    )

    run_id = control.run_maintenance_window(window_id)
    assert wait_window(ssm, run_id)["Status"] == "SUCCESS"

    [task] = tasks_of(ssm, run_id).values()
    invocations = invocations_of(ssm, run_id, task["TaskExecutionId"])
    assert len(invocations) == 4
    spans = [(i["StartTime"], i["EndTime"]) for i in invocations]
    most = max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)
    assert most == 2


def test_max_errors_stops_further_invocations(ssm, ec2, control, make_window):
    # RegisterTaskWithMaintenanceWindow.MaxErrors: "The maximum number of errors allowed
    # before this task stops being scheduled": with 1 allowed, the second error stops it.
    value, _instances = tagged_instances(ec2, 4)
    window_id = make_window()
    target_id = register_tag_target(ssm, window_id, value)
    register_task(
        ssm,
        window_id,
        failing(ssm),
        {"InstanceId": ["{{RESOURCE_ID}}"]},
        target_id,
        MaxConcurrency="1",
        MaxErrors="1",
    )

    run_id = control.run_maintenance_window(window_id)
    run = wait_window(ssm, run_id)

    assert run["Status"] == "FAILED"
    [task] = tasks_of(ssm, run_id).values()
    assert task["Status"] == "FAILED"
    assert "MaxErrors" in task["StatusDetails"]
    invocations = invocations_of(ssm, run_id, task["TaskExecutionId"])
    assert [i["Status"] for i in invocations] == ["FAILED", "FAILED"]
    for invocation in invocations:
        assert automation(ssm, invocation["ExecutionId"])["AutomationExecutionStatus"] == "Failed"
    failed = ssm.describe_maintenance_window_execution_task_invocations(
        WindowExecutionId=run_id,
        TaskId=task["TaskExecutionId"],
        Filters=[{"Key": "STATUS", "Values": ["SUCCESS"]}],
    )["WindowExecutionTaskInvocationIdentities"]
    assert failed == []


# -- cutoff and cancel ---------------------------------------------------------------------------
def test_the_cutoff_stops_new_tasks_and_cancel_task_stops_new_invocations(
    ssm, ec2, control, make_window
):
    # CreateMaintenanceWindow.Cutoff: "The number of hours before the end of the maintenance
    # window that Systems Manager stops scheduling new tasks for execution."
    # CutoffBehavior CANCEL_TASK, Automation: "any task invocations that are already running
    # continue, but no new task invocations are started ... The status for tasks that are
    # not completed is TIMED_OUT."
    # Duration 1 h, Cutoff 0: nothing starts after 60 modelled minutes (6 s at test speed).
    value, _instances = tagged_instances(ec2, 3)
    window_id = make_window(duration=1, cutoff=0)
    target_id = register_tag_target(ssm, window_id, value)
    slow = sleeper(ssm, "PT35M", "InstanceId")
    register_task(
        ssm,
        window_id,
        slow,
        {"InstanceId": ["{{RESOURCE_ID}}"]},
        target_id,
        MaxConcurrency="1",
        CutoffBehavior="CANCEL_TASK",
    )
    later = sleeper(ssm, "PT1M")
    register_task(ssm, window_id, later, {}, priority=2)

    run_id = control.run_maintenance_window(window_id)
    run = wait_window(ssm, run_id)

    assert run["Status"] == "TIMED_OUT"
    assert "cutoff" in run["StatusDetails"]
    tasks = tasks_of(ssm, run_id)
    assert set(tasks) == {slow}  # the priority-2 task never started
    assert tasks[slow]["Status"] == "TIMED_OUT"
    # 0-35 min, 35-70 min (started before the cutoff, ran past it), the third never started
    invocations = invocations_of(ssm, run_id, tasks[slow]["TaskExecutionId"])
    assert [i["Status"] for i in invocations] == ["SUCCESS", "SUCCESS"]
    assert (invocations[1]["EndTime"] - run["StartTime"]).total_seconds() > 3600


def test_cancel_lets_running_tasks_finish_and_starts_no_other(ssm, control, make_window):
    # CancelMaintenanceWindowExecution: "Stops a maintenance window execution that is already
    # in progress and cancels any tasks in the window that haven't already starting running.
    # Tasks already in progress will continue to completion."
    window_id = make_window()
    running, later = sleeper(ssm, "PT10M"), sleeper(ssm, "PT1M")
    register_task(ssm, window_id, running, {}, priority=1)
    register_task(ssm, window_id, later, {}, priority=2)
    run_id = control.run_maintenance_window(window_id)
    deadline = time.monotonic() + 5
    while not ssm.describe_maintenance_window_execution_tasks(WindowExecutionId=run_id)[
        "WindowExecutionTaskIdentities"
    ]:
        assert time.monotonic() < deadline
        time.sleep(0.02)

    cancelled = checked(ssm, "CancelMaintenanceWindowExecution", WindowExecutionId=run_id)
    assert cancelled["WindowExecutionId"] == run_id
    assert ssm.get_maintenance_window_execution(WindowExecutionId=run_id)["Status"] in (
        "CANCELLING",
        "CANCELLED",
    )

    run = wait_window(ssm, run_id)
    assert run["Status"] == "CANCELLED"
    tasks = tasks_of(ssm, run_id)
    assert set(tasks) == {running} and tasks[running]["Status"] == "SUCCESS"


# -- the API ---------------------------------------------------------------------------------------
def test_every_response_matches_its_botocore_shape(ssm, ec2, control, make_window):
    value, _instances = tagged_instances(ec2, 1)
    window_id = make_window()
    target_id = register_tag_target(ssm, window_id, value, owner="team-a")
    document = sleeper(ssm, "PT1M", "InstanceId")
    register_task(
        ssm,
        window_id,
        document,
        {"InstanceId": ["{{RESOURCE_ID}}"]},
        target_id,
        AlarmConfiguration={"IgnorePollAlarmFailure": True, "Alarms": [{"Name": "cpu"}]},
    )
    run_id = control.run_maintenance_window(window_id)
    wait_window(ssm, run_id)

    listed = checked(ssm, "DescribeMaintenanceWindowExecutions", WindowId=window_id)
    assert [r["WindowExecutionId"] for r in listed["WindowExecutions"]] == [run_id]
    run = checked(ssm, "GetMaintenanceWindowExecution", WindowExecutionId=run_id)
    [task_id] = run["TaskIds"]
    tasks = checked(ssm, "DescribeMaintenanceWindowExecutionTasks", WindowExecutionId=run_id)
    assert tasks["WindowExecutionTaskIdentities"][0]["AlarmConfiguration"]["Alarms"] == [
        {"Name": "cpu"}
    ]
    task = checked(
        ssm, "GetMaintenanceWindowExecutionTask", WindowExecutionId=run_id, TaskId=task_id
    )
    assert (task["Type"], task["TaskArn"], task["ServiceRole"]) == (
        "AUTOMATION",
        document,
        ROLE_ARN,
    )
    assert (task["MaxConcurrency"], task["MaxErrors"]) == ("10", "1")
    invocations = checked(
        ssm,
        "DescribeMaintenanceWindowExecutionTaskInvocations",
        WindowExecutionId=run_id,
        TaskId=task_id,
    )["WindowExecutionTaskInvocationIdentities"]
    invocation = checked(
        ssm,
        "GetMaintenanceWindowExecutionTaskInvocation",
        WindowExecutionId=run_id,
        TaskId=task_id,
        InvocationId=invocations[0]["InvocationId"],
    )
    assert invocation["OwnerInformation"] == "team-a"
    assert invocation["TaskType"] == "AUTOMATION"
    assert invocation["StartTime"] <= invocation["EndTime"]


def test_executions_filter_on_executed_before_and_after_and_page(ssm, control, make_window):
    # DescribeMaintenanceWindowExecutions.Filters: "Supported keys include ExecutedBefore
    # and ExecutedAfter ... date/time strings in a valid ISO 8601 date/time format";
    # MaxResults / NextToken page. A window with no task ends at once.
    window_id = make_window()
    ids = [control.run_maintenance_window(window_id) for _ in range(11)]
    for run_id in ids:
        wait_window(ssm, run_id)
    page = ssm.describe_maintenance_window_executions(WindowId=window_id, MaxResults=10)
    rest = ssm.describe_maintenance_window_executions(
        WindowId=window_id, MaxResults=10, NextToken=page["NextToken"]
    )
    assert "NextToken" not in rest
    listed = page["WindowExecutions"] + rest["WindowExecutions"]
    assert {r["WindowExecutionId"] for r in listed} == set(ids)

    # Halfway between the 5th and the 6th start: a timestamp's precision cannot matter.
    starts = [
        ssm.get_maintenance_window_execution(WindowExecutionId=i)["StartTime"] for i in ids[4:6]
    ]
    stamp = (starts[0] + (starts[1] - starts[0]) / 2).isoformat()
    before = ssm.describe_maintenance_window_executions(
        WindowId=window_id, Filters=[{"Key": "ExecutedBefore", "Values": [stamp]}]
    )["WindowExecutions"]
    after = ssm.describe_maintenance_window_executions(
        WindowId=window_id, Filters=[{"Key": "ExecutedAfter", "Values": [stamp]}]
    )["WindowExecutions"]
    assert {r["WindowExecutionId"] for r in before} == set(ids[:5])
    assert {r["WindowExecutionId"] for r in after} == set(ids[5:])


def test_unknown_ids_are_does_not_exist(ssm, control, make_window):
    # API reference: DoesNotExistException - "Error returned when the ID specified for a
    # resource, such as a maintenance window or patch baseline, doesn't exist."
    with pytest.raises(WinUpdateError, match="DoesNotExistException"):
        control.run_maintenance_window("mw-00000000000000000")
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_maintenance_window_executions(WindowId="mw-00000000000000000")
    assert error_code(excinfo) == "DoesNotExistException"
    unknown = str(uuid.uuid4())
    for operation, params in (
        ("get_maintenance_window_execution", {}),
        ("cancel_maintenance_window_execution", {}),
        ("describe_maintenance_window_execution_tasks", {}),
        ("get_maintenance_window_execution_task", {"TaskId": unknown}),
    ):
        with pytest.raises(ClientError) as excinfo:
            getattr(ssm, operation)(WindowExecutionId=unknown, **params)
        assert error_code(excinfo) == "DoesNotExistException", operation

    run_id = control.run_maintenance_window(make_window())
    wait_window(ssm, run_id)
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_maintenance_window_execution_task_invocations(
            WindowExecutionId=run_id, TaskId=unknown
        )
    assert error_code(excinfo) == "DoesNotExistException"


def test_every_error_code_raised_exists_in_the_ssm_model():
    """STYLE: a test checks every error code we raise exists in the service model."""
    model = botocore.session.get_session().get_service_model("ssm")
    known = {
        shape.name
        for op in model.operation_names
        for shape in model.operation_model(op).error_shapes
    }
    known.add("ValidationException")
    raised = set()
    for module in (responses_module, runner_module):
        tree = ast.parse(Path(module.__file__).read_text())
        raised |= {
            node.args[0].value
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "AwsError"
            and isinstance(node.args[0], ast.Constant)
        }
    assert raised and raised <= known, raised - known
