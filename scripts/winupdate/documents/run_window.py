"""The run window as ``modules/run-window`` makes it, made with boto3: for harnesses that
deploy the module's runbooks without Terraform (the embedded tests, ``bench fleet``).

The Start runbook (fan_out window, the module's default) finds the window by its name,
``<document_prefix>WindowsUpdateRun``, and arms it after its approval; until then it is
disabled, with a target (the tagged instances) and one Automation task (the per-instance
runbook on each). ``test/unit/test_run_window_mirror.py`` keeps these values equal to the
Terraform module's.
"""

from __future__ import annotations

from typing import Any

# modules/run-window/main.tf
SCHEDULE = "at(2099-12-31T00:00:00)"
DURATION_HOURS = 24
CUTOFF_HOURS = 0
PRIORITY = 1
TASK_NAME = "WindowsUpdate"
TARGET_NAME = "TaggedInstances"
RESOURCE_ID = "{{RESOURCE_ID}}"


def run_window_name(document_prefix: str) -> str:
    return f"{document_prefix}WindowsUpdateRun"


def create_run_window(
    ssm: Any,
    *,
    name: str,
    process_document: str,
    service_role_arn: str,
    tag_key: str,
    tag_value: str,
    max_concurrency: str,
    max_errors: str,
    parameters: dict[str, str] | None = None,
) -> str:
    """Create the disabled run window, its target and its task; the window's id."""
    window_id = ssm.create_maintenance_window(
        Name=name,
        Description="Armed by the Start runbook after its approval.",
        Schedule=SCHEDULE,
        ScheduleTimezone="UTC",
        Duration=DURATION_HOURS,
        Cutoff=CUTOFF_HOURS,
        AllowUnassociatedTargets=False,
    )["WindowId"]
    ssm.update_maintenance_window(WindowId=window_id, Enabled=False)
    target_id = ssm.register_target_with_maintenance_window(
        WindowId=window_id,
        ResourceType="INSTANCE",
        Name=TARGET_NAME,
        Targets=[{"Key": f"tag:{tag_key}", "Values": [tag_value]}],
    )["WindowTargetId"]
    values = {k: [v] for k, v in (parameters or {}).items() if v != ""}
    values["InstanceId"] = [RESOURCE_ID]
    ssm.register_task_with_maintenance_window(
        WindowId=window_id,
        Name=TASK_NAME,
        TaskType="AUTOMATION",
        TaskArn=process_document,
        ServiceRoleArn=service_role_arn,
        Priority=PRIORITY,
        MaxConcurrency=max_concurrency,
        MaxErrors=max_errors,
        Targets=[{"Key": "WindowTargetIds", "Values": [target_id]}],
        TaskInvocationParameters={
            "Automation": {"DocumentVersion": "$DEFAULT", "Parameters": values}
        },
    )
    return window_id
