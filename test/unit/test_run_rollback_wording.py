"""What `winupdate run` says of an instance whose run rolled back, and the one line
`winupdate restore` ends with, from execution records as GetAutomationExecution returns
them."""

from __future__ import annotations

from winupdate.run.restore import RestoreOptions, restore_outcome, restore_parameters
from winupdate.run.summary import InstanceResult, rollback_of

PROCESS_ID = "11111111-2222-3333-4444-555555555555"
RESTORE_ID = "66666666-7777-8888-9999-000000000000"
AMI = "ami-0123456789abcdef0"
PLACEHOLDER = "No output available yet because the step is not successfully executed"
SCRIPT_FAILURE = (
    "Step fails when it is executing the script. ValueError: {0}. Traceback (most recent "
    'call last):\n  File "<script>", line 97, in check_restore\nValueError: {0}'
)


def process(rollback_status: str, message: str | None = None) -> dict:
    rollback = {
        "StepName": "RestoreImageBeforeOnFailure",
        "Action": "aws:executeAutomation",
        "StepStatus": rollback_status,
        "Outputs": {"ExecutionId": [RESTORE_ID]},
    }
    if message:
        rollback["FailureMessage"] = message
    return {
        "AutomationExecutionId": PROCESS_ID,
        "AutomationExecutionStatus": "Failed",
        "StepExecutions": [
            {"StepName": "CreateImageBefore", "StepStatus": "Success", "Outputs": {}},
            {"StepName": "InstallUpdates", "StepStatus": "Failed", "FailureMessage": "exit 1"},
            rollback,
        ],
        "Outputs": {"CreateImageBefore.ImageId": [AMI]},
    }


def restore_execution(status: str, steps: list[dict], outputs: dict | None = None) -> dict:
    return {
        "AutomationExecutionId": RESTORE_ID,
        "ParentAutomationExecutionId": PROCESS_ID,
        "DocumentName": "MY-Restore",
        "AutomationExecutionStatus": status,
        "StepExecutions": steps,
        "Outputs": outputs or {},
    }


def result(rolled_back_to: str | None, rollback_failure: str | None) -> InstanceResult:
    return InstanceResult(
        instance_id="i-0123456789abcdef0",
        execution_id=PROCESS_ID,
        status="Failed",
        failed_step="InstallUpdates",
        failure_reason="exit 1",
        rolled_back_to=rolled_back_to,
        rollback_failure=rollback_failure,
    )


def test_a_successful_rollback_names_the_ami_before():
    execution = process("Success")
    assert rollback_of(execution, [execution]) == (AMI, None)
    line = result(AMI, None).failure_text
    assert line == f"failed at InstallUpdates (exit 1), rolled back to {AMI}"
    assert result(AMI, None).as_dict()["rolled_back_to"] == AMI


def test_a_failed_rollback_gives_the_restore_runbooks_reason():
    execution = process("Failed", "Step RestoreImageBeforeOnFailure Failed.")
    child = restore_execution(
        "Failed",
        [
            {"StepName": "ReplaceRootVolume", "StepStatus": "Failed"},
            {
                "StepName": "ReportRestoreFailure",
                "StepStatus": "Success",
                "Outputs": {"Reason": ["the task failed"], "FailedStep": ["ReplaceRootVolume"]},
            },
        ],
    )
    assert rollback_of(execution, [execution, child]) == (None, "the task failed")
    # Without the child's record: the step's own message.
    assert rollback_of(execution, [execution]) == (None, "Step RestoreImageBeforeOnFailure Failed.")
    line = result(None, "the task failed").failure_text
    assert line == "InstallUpdates: exit 1; rollback failed: the task failed"
    assert result(None, "x").as_dict()["rolled_back_to"] is None


def test_no_rollback_step_means_no_rollback_words():
    execution = process("Success")
    execution["StepExecutions"].pop()
    assert rollback_of(execution, [execution]) == (None, None)
    assert result(None, None).failure_text == "InstallUpdates: exit 1"


def test_restore_parameters_leave_out_what_was_not_given():
    assert restore_parameters(RestoreOptions("i-0123456789abcdef0")) == {
        "InstanceId": ["i-0123456789abcdef0"],
        "DeleteReplacedVolumes": ["false"],
    }
    given = RestoreOptions("i-1", run_id=PROCESS_ID, image_id=AMI, delete_replaced_volumes=True)
    assert restore_parameters(given) == {
        "InstanceId": ["i-1"],
        "ImageId": [AMI],
        "RunId": [PROCESS_ID],
        "DeleteReplacedVolumes": ["true"],
    }


def test_a_restored_instance_ends_with_the_runbooks_summary():
    summary = (
        f"i-1 restored from {AMI} (its AMI before run x): root /dev/sda1 vol-2; state: running"
    )
    outcome = restore_outcome(
        restore_execution(
            "Success",
            [
                {
                    "StepName": "CheckRestore",
                    "StepStatus": "Success",
                    "Outputs": {"ImageId": [AMI]},
                },
                {
                    "StepName": "ReportRestore",
                    "StepStatus": "Success",
                    "Outputs": {"Summary": [summary]},
                },
            ],
            {"ReportRestoreFailure.Reason": [PLACEHOLDER]},
        ),
        "i-1",
    )
    assert (outcome.restored, outcome.line, outcome.image_id) == (True, summary, AMI)


def test_a_refusal_is_the_reason_alone_without_the_scripts_traceback():
    reason = f"{AMI} is not an UpdateBefore AMI of i-1: nothing was changed"
    execution = restore_execution(
        "Failed",
        [
            {"StepName": "CheckRestore", "StepStatus": "Failed"},
            {
                "StepName": "ReportRestoreFailure",
                "StepStatus": "Success",
                # As the runbook reports it: cut at the first newline of the script's message.
                "Outputs": {
                    "Reason": [reason + ". Traceback (most recent call last):"],
                    "FailedStep": ["CheckRestore"],
                },
            },
        ],
        {"CheckRestore.ImageId": [PLACEHOLDER]},
    )
    outcome = restore_outcome(execution, "i-1")
    assert (outcome.restored, outcome.line, outcome.image_id) == (False, reason, None)


def test_without_its_report_step_the_failed_steps_message_is_the_line():
    reason = "i-1 is pending: only a running or stopped instance can be restored"
    execution = restore_execution(
        "Failed",
        [
            {
                "StepName": "CheckRestore",
                "StepStatus": "Failed",
                "FailureMessage": SCRIPT_FAILURE.format(reason),
            },
            {"StepName": "ReportRestoreFailure", "StepStatus": "Failed", "FailureMessage": "x"},
        ],
    )
    assert restore_outcome(execution, "i-1").line == reason


def test_a_failure_past_the_checks_names_its_step():
    execution = restore_execution(
        "Failed",
        [
            {"StepName": "ReplaceRootVolume", "StepStatus": "Failed"},
            {
                "StepName": "ReportRestoreFailure",
                "StepStatus": "Success",
                "Outputs": {"Reason": ["quota exceeded"], "FailedStep": ["ReplaceRootVolume"]},
            },
        ],
    )
    line = restore_outcome(execution, "i-1").line
    assert line == "the restore of i-1 failed at ReplaceRootVolume: quota exceeded"


def test_a_rejected_restore_says_it_was_not_approved():
    execution = restore_execution(
        "Failed",
        [
            {"StepName": "CheckRestore", "StepStatus": "Success", "Outputs": {"ImageId": [AMI]}},
            {
                "StepName": "ApproveRestore",
                "StepStatus": "Failed",
                "FailureMessage": "Step ApproveRestore was rejected.",
            },
            {"StepName": "PublishRestoreNotApproved", "StepStatus": "Success"},
        ],
    )
    outcome = restore_outcome(execution, "i-1")
    assert not outcome.restored and outcome.image_id == AMI
    assert outcome.line == (
        "i-1 was not restored: the restore was not approved (Step ApproveRestore was rejected.)"
    )
