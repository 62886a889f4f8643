"""SSM maintenance windows on the embedded AWS, as the SSM API reference describes them.

Each test cites the behaviour from the API reference (botocore's SSM model carries the same
text). Every response is checked against the operation's output shape, both as boto3 parses
it and as the raw JSON the server sends (the parser would hide unknown members).
"""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import botocore.session
import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ssm.models import ssm_backends

import winupdate.local.maintenance_windows.store as mw_module
from shape_check import checked

REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/MaintenanceWindowRole"
AUTOMATION_PARAMETERS = {
    "Automation": {
        "DocumentVersion": "$DEFAULT",
        "Parameters": {"InstanceId": ["{{ TARGET_ID }}"], "Severities": ["Critical"]},
    }
}


@pytest.fixture
def ssm(client):
    return client("ssm")


@pytest.fixture
def window_id(ssm):
    window = ssm.create_maintenance_window(
        Name=f"mw-test-{uuid.uuid4().hex[:8]}",
        Schedule="cron(0 3 ? * SUN *)",
        ScheduleTimezone="Europe/Paris",
        Duration=3,
        Cutoff=1,
        AllowUnassociatedTargets=False,
    )
    yield window["WindowId"]
    ssm.delete_maintenance_window(WindowId=window["WindowId"])


def register_target(ssm, window_id, tag="ON", owner=None, resource_type="INSTANCE"):
    params = {
        "WindowId": window_id,
        "ResourceType": resource_type,
        "Targets": [{"Key": "tag:WinUpdate", "Values": [tag]}],
        "Name": f"target-{tag}",
    }
    if owner:
        params["OwnerInformation"] = owner
    return ssm.register_target_with_maintenance_window(**params)["WindowTargetId"]


def register_automation_task(ssm, window_id, target_id, priority=1, **extra):
    return ssm.register_task_with_maintenance_window(
        WindowId=window_id,
        Targets=[{"Key": "WindowTargetIds", "Values": [target_id]}],
        TaskArn="WinUpdate-Main",
        ServiceRoleArn=ROLE_ARN,
        TaskType="AUTOMATION",
        TaskInvocationParameters=AUTOMATION_PARAMETERS,
        Priority=priority,
        MaxConcurrency="2",
        MaxErrors="1",
        Name="RunWinUpdate",
        Description="Monthly updates",
        CutoffBehavior="CONTINUE_TASK",
        **extra,
    )["WindowTaskId"]


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


# -- DescribeMaintenanceWindowTargets -----------------------------------------------------
def test_targets_filter_on_window_target_id_type_and_owner_information(ssm, window_id):
    # API reference, DescribeMaintenanceWindowTargets.Filters: "The supported filter keys
    # are Type, WindowTargetId, and OwnerInformation." The AWS provider reads a target back
    # by filtering on its WindowTargetId.
    first = register_target(ssm, window_id, "ON", owner="team-a")
    second = register_target(ssm, window_id, "PILOT", owner="team-b")

    by_id = checked(
        ssm,
        "DescribeMaintenanceWindowTargets",
        WindowId=window_id,
        Filters=[{"Key": "WindowTargetId", "Values": [second]}],
    )["Targets"]
    assert [t["WindowTargetId"] for t in by_id] == [second]
    assert by_id[0]["Targets"] == [{"Key": "tag:WinUpdate", "Values": ["PILOT"]}]
    assert by_id[0]["OwnerInformation"] == "team-b"

    by_owner = ssm.describe_maintenance_window_targets(
        WindowId=window_id, Filters=[{"Key": "OwnerInformation", "Values": ["team-a"]}]
    )["Targets"]
    assert [t["WindowTargetId"] for t in by_owner] == [first]

    by_type = ssm.describe_maintenance_window_targets(
        WindowId=window_id, Filters=[{"Key": "Type", "Values": ["INSTANCE"]}]
    )["Targets"]
    assert {t["WindowTargetId"] for t in by_type} == {first, second}

    unfiltered = ssm.describe_maintenance_window_targets(WindowId=window_id)["Targets"]
    assert {t["WindowTargetId"] for t in unfiltered} == {first, second}


def test_targets_page_with_max_results_and_next_token(ssm, window_id):
    # API reference: MaxResults limits the items returned (10 to 100); NextToken fetches
    # the next set.
    ids = {register_target(ssm, window_id, f"T{n}") for n in range(12)}
    page = ssm.describe_maintenance_window_targets(WindowId=window_id, MaxResults=10)
    assert len(page["Targets"]) == 10 and page["NextToken"]
    rest = ssm.describe_maintenance_window_targets(
        WindowId=window_id, MaxResults=10, NextToken=page["NextToken"]
    )
    assert len(rest["Targets"]) == 2 and "NextToken" not in rest
    assert {t["WindowTargetId"] for t in page["Targets"] + rest["Targets"]} == ids


def test_an_unsupported_filter_key_is_rejected(ssm, window_id):
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_maintenance_window_targets(
            WindowId=window_id, Filters=[{"Key": "Name", "Values": ["x"]}]
        )
    assert error_code(excinfo) == "ValidationException"
    assert "WindowTargetId" in str(excinfo.value)


def test_a_cutoff_not_shorter_than_the_duration_is_refused(ssm, window_id):
    # AWS refuses it ("Cuttoff was 12 but must be smaller than 5", as users report the
    # answer: awsdocs/aws-cloudformation-user-guide#891): no task of the window could start.
    with pytest.raises(ClientError) as excinfo:
        ssm.create_maintenance_window(
            Name="mw-cutoff",
            Schedule="rate(1 day)",
            Duration=2,
            Cutoff=2,
            AllowUnassociatedTargets=False,
        )
    assert error_code(excinfo) == "ValidationException"
    assert "Cutoff was 2 but must be smaller than 2" in str(excinfo.value)
    with pytest.raises(ClientError) as excinfo:
        ssm.update_maintenance_window(WindowId=window_id, Cutoff=3)  # its Duration is 3
    assert error_code(excinfo) == "ValidationException"
    assert ssm.get_maintenance_window(WindowId=window_id)["Cutoff"] == 1


def test_describe_on_an_unknown_window_is_does_not_exist(ssm):
    # API reference: DoesNotExistException - "Error returned when the ID specified for a
    # resource, such as a maintenance window or patch baseline, doesn't exist."
    with pytest.raises(ClientError) as excinfo:
        ssm.describe_maintenance_window_targets(WindowId="mw-00000000000000000")
    assert error_code(excinfo) == "DoesNotExistException"


# -- DescribeMaintenanceWindowTasks / GetMaintenanceWindowTask ---------------------------
def test_tasks_filter_on_window_task_id_task_arn_priority_and_type(ssm, window_id):
    # API reference, DescribeMaintenanceWindowTasks.Filters: "The supported filter keys are
    # WindowTaskId, TaskArn, Priority, and TaskType."
    target = register_target(ssm, window_id)
    first = register_automation_task(ssm, window_id, target, priority=1)
    second = register_automation_task(ssm, window_id, target, priority=5)

    tasks = checked(
        ssm,
        "DescribeMaintenanceWindowTasks",
        WindowId=window_id,
        Filters=[{"Key": "WindowTaskId", "Values": [second]}],
    )["Tasks"]
    assert [t["WindowTaskId"] for t in tasks] == [second]
    assert tasks[0]["Type"] == "AUTOMATION"
    assert tasks[0]["CutoffBehavior"] == "CONTINUE_TASK"

    def ids(key, value):
        found = ssm.describe_maintenance_window_tasks(
            WindowId=window_id, Filters=[{"Key": key, "Values": [value]}]
        )["Tasks"]
        return {t["WindowTaskId"] for t in found}

    assert ids("Priority", "1") == {first}
    assert ids("TaskType", "AUTOMATION") == {first, second}
    assert ids("TaskType", "RUN_COMMAND") == set()
    assert ids("TaskArn", "WinUpdate-Main") == {first, second}


def test_get_task_answers_every_field_of_an_automation_task(ssm, window_id):
    # API reference, GetMaintenanceWindowTask: "Retrieves the details of a maintenance
    # window task", including TaskInvocationParameters (Automation: DocumentVersion,
    # Parameters), MaxConcurrency, MaxErrors, Priority, ServiceRoleArn, Targets, LoggingInfo.
    target = register_target(ssm, window_id)
    task_id = register_automation_task(
        ssm,
        window_id,
        target,
        priority=3,
        LoggingInfo={"S3BucketName": "logs", "S3KeyPrefix": "mw", "S3Region": REGION},
        AlarmConfiguration={"IgnorePollAlarmFailure": True, "Alarms": [{"Name": "cpu"}]},
    )

    task = checked(ssm, "GetMaintenanceWindowTask", WindowId=window_id, WindowTaskId=task_id)

    assert task["WindowId"] == window_id and task["WindowTaskId"] == task_id
    assert task["TaskType"] == "AUTOMATION"
    assert task["TaskArn"] == "WinUpdate-Main"
    assert task["TaskInvocationParameters"] == AUTOMATION_PARAMETERS
    assert task["Targets"] == [{"Key": "WindowTargetIds", "Values": [target]}]
    assert (task["Priority"], task["MaxConcurrency"], task["MaxErrors"]) == (3, "2", "1")
    assert task["ServiceRoleArn"] == ROLE_ARN
    assert (task["Name"], task["Description"]) == ("RunWinUpdate", "Monthly updates")
    assert task["CutoffBehavior"] == "CONTINUE_TASK"
    assert task["LoggingInfo"]["S3BucketName"] == "logs"
    assert task["AlarmConfiguration"] == {
        "IgnorePollAlarmFailure": True,
        "Alarms": [{"Name": "cpu"}],
    }


def test_get_task_of_an_unknown_id_is_does_not_exist(ssm, window_id):
    with pytest.raises(ClientError) as excinfo:
        ssm.get_maintenance_window_task(WindowId=window_id, WindowTaskId=str(uuid.uuid4()))
    assert error_code(excinfo) == "DoesNotExistException"


# -- UpdateMaintenanceWindow ---------------------------------------------------------------
def test_window_fields_round_trip_and_update_changes_only_what_is_given(ssm, window_id):
    window = checked(ssm, "GetMaintenanceWindow", WindowId=window_id)
    assert (window["ScheduleTimezone"], window["Duration"], window["Cutoff"]) == (
        "Europe/Paris",
        3,
        1,
    )
    assert window["Enabled"] is True and window["AllowUnassociatedTargets"] is False
    assert window["CreatedDate"] and window["ModifiedDate"]

    # API reference, UpdateMaintenanceWindow: "Only specified parameters are modified."
    updated = checked(
        ssm,
        "UpdateMaintenanceWindow",
        WindowId=window_id,
        Duration=4,
        Cutoff=2,
        ScheduleTimezone="UTC",
        Enabled=False,
        AllowUnassociatedTargets=True,
    )
    assert (updated["Duration"], updated["Cutoff"], updated["ScheduleTimezone"]) == (4, 2, "UTC")
    window = ssm.get_maintenance_window(WindowId=window_id)
    assert window["Enabled"] is False and window["AllowUnassociatedTargets"] is True
    assert window["Schedule"] == "cron(0 3 ? * SUN *)"
    assert window["Duration"] == 4


def test_describe_windows_filters_on_enabled(ssm, window_id):
    # API reference, DescribeMaintenanceWindows.Filters: "Supported filter keys are Name and
    # Enabled. For example, Name=MyMaintenanceWindow and Enabled=True."
    ssm.update_maintenance_window(WindowId=window_id, Enabled=False)
    disabled = checked(
        ssm, "DescribeMaintenanceWindows", Filters=[{"Key": "Enabled", "Values": ["False"]}]
    )["WindowIdentities"]
    assert window_id in {w["WindowId"] for w in disabled}
    enabled = ssm.describe_maintenance_windows(Filters=[{"Key": "Enabled", "Values": ["True"]}])
    assert window_id not in {w["WindowId"] for w in enabled["WindowIdentities"]}


def test_update_window_with_replace_nulls_optional_fields(ssm, window_id):
    # API reference, UpdateMaintenanceWindow.Replace: "If True, then all fields that are
    # required by the CreateMaintenanceWindow operation are also required for this API
    # request. Optional fields that aren't specified are set to null."
    ssm.update_maintenance_window(WindowId=window_id, Description="before")
    with pytest.raises(ClientError) as excinfo:
        ssm.update_maintenance_window(WindowId=window_id, Replace=True, Name="only-a-name")
    assert error_code(excinfo) == "ValidationException"

    ssm.update_maintenance_window(
        WindowId=window_id,
        Replace=True,
        Name="replaced",
        Schedule="rate(7 days)",
        Duration=2,
        Cutoff=0,
        AllowUnassociatedTargets=False,
    )
    window = ssm.get_maintenance_window(WindowId=window_id)
    assert window["Name"] == "replaced" and "Description" not in window
    assert "ScheduleTimezone" not in window


# -- UpdateMaintenanceWindowTarget / Task ---------------------------------------------------
def test_update_target_changes_moto_store(ssm, window_id):
    target = register_target(ssm, window_id, "ON")
    updated = checked(
        ssm,
        "UpdateMaintenanceWindowTarget",
        WindowId=window_id,
        WindowTargetId=target,
        Targets=[{"Key": "tag:WinUpdate", "Values": ["PILOT"]}],
        Description="pilot ring",
    )
    assert updated["Targets"] == [{"Key": "tag:WinUpdate", "Values": ["PILOT"]}]
    assert updated["Name"] == "target-ON"  # not given, so unchanged
    # moto's own objects hold the change: moto's operations see the same data.
    stored = ssm_backends[DEFAULT_ACCOUNT_ID][REGION].windows[window_id].targets[target]
    assert stored.description == "pilot ring"


def test_update_task_changes_only_what_is_given_and_replace_needs_task_arn(ssm, window_id):
    # API reference, UpdateMaintenanceWindowTask: "Modifies a task assigned to a maintenance
    # window"; with Replace, "all fields that are required by RegisterTaskWithMaintenanceWindow
    # are also required" and unspecified optional fields are set to null.
    target = register_target(ssm, window_id)
    task_id = register_automation_task(ssm, window_id, target)
    new_parameters = {"Automation": {"DocumentVersion": "2", "Parameters": {"A": ["b"]}}}
    updated = checked(
        ssm,
        "UpdateMaintenanceWindowTask",
        WindowId=window_id,
        WindowTaskId=task_id,
        Priority=7,
        TaskInvocationParameters=new_parameters,
    )
    assert updated["Priority"] == 7 and updated["MaxConcurrency"] == "2"
    task = ssm.get_maintenance_window_task(WindowId=window_id, WindowTaskId=task_id)
    assert task["TaskInvocationParameters"] == new_parameters
    assert task["Name"] == "RunWinUpdate"

    with pytest.raises(ClientError) as excinfo:
        ssm.update_maintenance_window_task(WindowId=window_id, WindowTaskId=task_id, Replace=True)
    assert error_code(excinfo) == "ValidationException"

    ssm.update_maintenance_window_task(
        WindowId=window_id, WindowTaskId=task_id, Replace=True, TaskArn="Other"
    )
    task = ssm.get_maintenance_window_task(WindowId=window_id, WindowTaskId=task_id)
    assert task["TaskArn"] == "Other" and "Description" not in task and "Priority" not in task
    assert task["TaskType"] == "AUTOMATION"


# -- Deregister --------------------------------------------------------------------------------
def test_deregister_unknown_ids_is_does_not_exist(ssm, window_id):
    with pytest.raises(ClientError) as excinfo:
        ssm.deregister_target_from_maintenance_window(
            WindowId=window_id, WindowTargetId=str(uuid.uuid4())
        )
    assert error_code(excinfo) == "DoesNotExistException"
    with pytest.raises(ClientError) as excinfo:
        ssm.deregister_task_from_maintenance_window(
            WindowId=window_id, WindowTaskId=str(uuid.uuid4())
        )
    assert error_code(excinfo) == "DoesNotExistException"


def test_safe_deregister_refuses_a_target_a_task_uses(ssm, window_id):
    # API reference, DeregisterTargetFromMaintenanceWindow.Safe: "The system checks if the
    # target is being referenced by a task. If the target is being referenced, the system
    # returns an error and doesn't deregister the target."
    target = register_target(ssm, window_id)
    task_id = register_automation_task(ssm, window_id, target)
    with pytest.raises(ClientError) as excinfo:
        ssm.deregister_target_from_maintenance_window(
            WindowId=window_id, WindowTargetId=target, Safe=True
        )
    assert error_code(excinfo) == "TargetInUseException"

    checked(ssm, "DeregisterTaskFromMaintenanceWindow", WindowId=window_id, WindowTaskId=task_id)
    response = ssm.deregister_target_from_maintenance_window(
        WindowId=window_id, WindowTargetId=target, Safe=True
    )
    assert response["WindowTargetId"] == target
    assert ssm.describe_maintenance_window_targets(WindowId=window_id)["Targets"] == []


def test_every_error_code_raised_exists_in_the_ssm_model():
    """STYLE: a test checks every error code we raise exists in the service model."""
    model = botocore.session.get_session().get_service_model("ssm")
    known = {
        shape.name
        for op in model.operation_names
        for shape in model.operation_model(op).error_shapes
    }
    known.add("ValidationException")  # sent by AWS's JSON protocol layer for any operation
    source = Path(mw_module.__file__).read_text()
    raised = {
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "AwsError"
        and isinstance(node.args[0], ast.Constant)
    }
    assert raised, "expected AwsError codes in maintenance_windows.py"
    assert raised <= known, raised - known


def test_a_window_created_in_motos_backend_directly_still_answers(ssm):
    # Windows made by moto itself (not through the API, so without our creation hook)
    # answer with AWS's defaults: enabled, no unassociated targets.
    backend = ssm_backends[DEFAULT_ACCOUNT_ID][REGION]
    window_id = backend.create_maintenance_window(
        "direct", None, 2, 0, "rate(1 day)", None, None, None, None, None
    )
    try:
        window = checked(ssm, "GetMaintenanceWindow", WindowId=window_id)
        assert window["Enabled"] is True and window["AllowUnassociatedTargets"] is False
        updated = ssm.update_maintenance_window(WindowId=window_id, Cutoff=1)
        assert updated["Enabled"] is True and updated["Cutoff"] == 1
    finally:
        backend.delete_maintenance_window(window_id)


# -- tasks without targets -----------------------------------------------------------------------
def test_a_task_without_targets_refuses_max_concurrency_and_max_errors(ssm, window_id):
    # maintenance-windows-targetless-tasks.md: "For maintenance window tasks without a target
    # specified, you can't supply values for --max-errors and --max-concurrency". The message
    # is AWS's (terraform-provider-aws issue 19396).
    task = {
        "WindowId": window_id,
        "TaskArn": "WinUpdate-Start",
        "ServiceRoleArn": ROLE_ARN,
        "TaskType": "AUTOMATION",
        "TaskInvocationParameters": AUTOMATION_PARAMETERS,
    }
    with pytest.raises(ClientError) as excinfo:
        ssm.register_task_with_maintenance_window(**task, MaxConcurrency="2", MaxErrors="1")
    assert error_code(excinfo) == "ValidationException"
    assert excinfo.value.response["Error"]["Message"] == (
        "Maintenance window tasks without targets do not support MaxErrors values. "
        "Maintenance window tasks without targets do not support MaxConcurrency values."
    )
    task_id = ssm.register_task_with_maintenance_window(**task)["WindowTaskId"]
    with pytest.raises(ClientError, match="do not support MaxConcurrency values"):
        ssm.update_maintenance_window_task(
            WindowId=window_id, WindowTaskId=task_id, MaxConcurrency="5"
        )


def test_a_task_switched_between_targets_and_none_in_place(ssm, window_id):
    # What the AWS provider sends when a task loses or gains its targets: Replace=true, and
    # MaxConcurrency/MaxErrors only with targets.
    target = register_target(ssm, window_id)
    task_id = register_automation_task(ssm, window_id, target)
    replace = {"WindowId": window_id, "WindowTaskId": task_id, "Replace": True}
    with pytest.raises(ClientError, match="do not support MaxErrors values"):
        ssm.update_maintenance_window_task(**replace, TaskArn="WinUpdate-Start", MaxErrors="1")
    ssm.update_maintenance_window_task(**replace, TaskArn="WinUpdate-Start")
    task = ssm.get_maintenance_window_task(WindowId=window_id, WindowTaskId=task_id)
    assert task["TaskArn"] == "WinUpdate-Start"
    assert "Targets" not in task or task["Targets"] == []
    assert "MaxConcurrency" not in task and "MaxErrors" not in task
    ssm.update_maintenance_window_task(
        **replace,
        TaskArn="WinUpdate-Main",
        Targets=[{"Key": "WindowTargetIds", "Values": [target]}],
        MaxConcurrency="2",
        MaxErrors="1",
    )
    task = ssm.get_maintenance_window_task(WindowId=window_id, WindowTaskId=task_id)
    assert task["Targets"] == [{"Key": "WindowTargetIds", "Values": [target]}]
    assert (task["MaxConcurrency"], task["MaxErrors"]) == ("2", "1")
