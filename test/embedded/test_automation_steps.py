"""Step properties and final statuses (automation-actions.md, "Properties shared by all
actions"; automation-statuses.md; automation-handling-timeouts.md)."""

from automation_support import (
    api_calls,
    create_runbook,
    runbook,
    start,
    steps_by_name,
    wait_done,
    wait_until,
)


def sleep(name, duration="PT1S", **props):
    return {"name": name, "action": "aws:sleep", "inputs": {"Duration": duration}, **props}


def failing(name, **props):
    # DescribeInstances of an instance that does not exist: a real AWS error.
    return {
        "name": name,
        "action": "aws:executeAwsApi",
        "inputs": {
            "Service": "ec2",
            "Api": "DescribeInstances",
            "InstanceIds": ["i-0000000000000dead"],
        },
        **props,
    }


def run(client, *steps, **kwargs):
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(*steps, **kwargs))
    return wait_done(ssm, start(ssm, name))


def statuses(execution):
    return {name: s["StepStatus"] for name, s in steps_by_name(execution).items()}


def test_steps_run_in_order_and_the_run_succeeds(client):
    execution = run(client, sleep("a"), sleep("b"))
    assert execution["AutomationExecutionStatus"] == "Success"
    assert statuses(execution) == {"a": "Success", "b": "Success"}


def test_abort_on_failure_fails_the_run_and_leaves_later_steps_pending(client):
    # automation-statuses.md: steps not run stay Pending.
    execution = run(client, failing("bad", onFailure="Abort"), sleep("after"))
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert statuses(execution) == {"bad": "Failed", "after": "Pending"}
    assert "InvalidInstanceID" in steps_by_name(execution)["bad"]["FailureMessage"]
    assert execution["FailureMessage"]


def test_continue_on_failure_runs_the_next_step_and_is_not_critical_by_default(client):
    # automation-actions.md, isCritical: "If the onFailure property is set to Continue in a
    # step, the value defaults to false."
    execution = run(client, failing("bad", onFailure="Continue"), sleep("after"))
    assert statuses(execution) == {"bad": "Failed", "after": "Success"}
    assert execution["AutomationExecutionStatus"] == "Success"
    assert steps_by_name(execution)["bad"]["IsCritical"] is False


def test_failure_jump_to_a_step_still_fails_the_run_when_the_step_is_critical(client):
    # automation-actions.md, isCritical defaults to true unless onFailure is Continue: the
    # run that jumped to its failure handler and handled it still ends Failed.
    execution = run(
        client,
        failing("bad", onFailure="step:handler"),
        sleep("skipped", isEnd=True),
        sleep("handler", isEnd=True),
    )
    assert statuses(execution) == {"bad": "Failed", "skipped": "Pending", "handler": "Success"}
    assert execution["AutomationExecutionStatus"] == "Failed"


def test_non_critical_failure_with_a_jump_leaves_the_run_successful(client):
    # automation-handling-timeouts.md: isCritical false + onFailure step:X does not affect
    # the overall status.
    execution = run(
        client,
        failing("bad", onFailure="step:handler", isCritical=False),
        sleep("handler", isEnd=True),
    )
    assert execution["AutomationExecutionStatus"] == "Success"


def test_step_timeout_times_the_step_and_the_run_out(client):
    # automation-actions.md, timeoutSeconds; automation-statuses.md: TimedOut is terminal.
    execution = run(client, sleep("long", "PT2H", timeoutSeconds=120), sleep("after"))
    assert statuses(execution) == {"long": "TimedOut", "after": "Pending"}
    assert execution["AutomationExecutionStatus"] == "TimedOut"


def test_a_timed_out_step_is_retried_under_max_attempts(client):
    # automation-actions.md, timeoutSeconds: "If the timeout is reached and the value of
    # maxAttempts is greater than 1, then the step isn't considered to have timed out until
    # all retries have been attempted."
    execution = run(client, sleep("long", "PT2H", timeoutSeconds=120, maxAttempts=2))
    step = steps_by_name(execution)["long"]
    assert step["StepStatus"] == "TimedOut"
    assert execution["AutomationExecutionStatus"] == "TimedOut"
    took = (step["ExecutionEndTime"] - step["ExecutionStartTime"]).total_seconds()
    assert 240 <= took < 360  # two attempts of 120 modelled seconds, not one


def test_max_attempts_retries_a_failing_step_before_it_fails(client, endpoint):
    # automation-actions.md, maxAttempts: "the step isn't considered to have failed until all
    # retry attempts have failed".
    execution = run(client, failing("bad", maxAttempts=3))
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert api_calls(endpoint, execution["AutomationExecutionId"]) == 3


def test_is_end_stops_the_run_after_the_step(client):
    # automation-actions.md, isEnd.
    execution = run(client, sleep("a", isEnd=True), sleep("b"))
    assert statuses(execution) == {"a": "Success", "b": "Pending"}
    assert execution["AutomationExecutionStatus"] == "Success"


def test_next_step_jumps_over_steps(client):
    # automation-actions.md, nextStep.
    execution = run(client, sleep("a", nextStep="c"), sleep("b"), sleep("c"))
    assert statuses(execution) == {"a": "Success", "b": "Pending", "c": "Success"}


def test_output_selector_and_type_give_typed_outputs_to_later_steps(client):
    # automation-actions.md, outputs: Name, Selector (JSONPath), Type. The list is a deep
    # scan (..): automation-action-outputs-inputs.md supports `.`, `..` and `[ ]` only, so
    # a wildcard ([*]) is not a selector AWS runs.
    ssm = client("ssm")
    ssm.put_parameter(Name="/steps/one", Value="1", Type="String", Overwrite=True)
    ssm.put_parameter(Name="/steps/two", Value="2", Type="String", Overwrite=True)
    execution = run(
        client,
        {
            "name": "read",
            "action": "aws:executeAwsApi",
            "inputs": {"Service": "ssm", "Api": "GetParametersByPath", "Path": "/steps"},
            "outputs": [
                {"Name": "Names", "Selector": "$.Parameters..Name", "Type": "StringList"},
                {"Name": "First", "Selector": "$.Parameters[0].Value", "Type": "Integer"},
            ],
        },
        {
            "name": "check",
            "action": "aws:branch",
            "inputs": {
                "Choices": [
                    {"NextStep": "yes", "Variable": "{{ read.First }}", "NumericEquals": 1}
                ],
                "Default": "no",
            },
        },
        sleep("no", isEnd=True),
        sleep("yes", isEnd=True),
    )
    read = steps_by_name(execution)["read"]
    assert sorted(read["Outputs"]["Names"]) == ["/steps/one", "/steps/two"]
    assert read["Outputs"]["First"] == ["1"]
    assert statuses(execution)["yes"] == "Success"
    assert statuses(execution)["no"] == "Pending"


def test_runbook_outputs_list_step_outputs(client):
    execution = run(
        client,
        {
            "name": "who",
            "action": "aws:executeAwsApi",
            "inputs": {"Service": "sts", "Api": "GetCallerIdentity"},
            "outputs": [{"Name": "Account", "Selector": "$.Account", "Type": "String"}],
        },
        outputs=["who.Account"],
    )
    assert execution["Outputs"] == {"who.Account": ["123456789012"]}


def test_cancel_runs_the_on_cancel_step_and_ends_cancelled(client):
    # automation-actions.md, onCancel: step:X runs when a user cancels. X is not an
    # aws:sleep step: onCancel "doesn't support moving to" aws:sleep (CreateDocument refuses).
    ssm = client("ssm")
    cleanup = {
        "name": "cleanup",
        "action": "aws:executeAwsApi",
        "inputs": {"Service": "ec2", "Api": "DescribeRegions"},
        "isEnd": True,
    }
    name = create_runbook(
        ssm,
        runbook(sleep("long", "PT5H", onCancel="step:cleanup"), sleep("after"), cleanup),
    )
    execution_id = start(ssm, name)
    wait_until(ssm, execution_id, {"InProgress"})
    ssm.stop_automation_execution(AutomationExecutionId=execution_id)
    execution = wait_done(ssm, execution_id)
    assert execution["AutomationExecutionStatus"] == "Cancelled"
    assert statuses(execution) == {"long": "Cancelled", "after": "Pending", "cleanup": "Success"}


def test_unsupported_action_fails_its_step_with_a_clear_message(client):
    execution = run(
        client,
        {"name": "stack", "action": "aws:deleteStack", "inputs": {"StackName": "x"}},
    )
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert (
        "not supported by the embedded AWS" in steps_by_name(execution)["stack"]["FailureMessage"]
    )


def test_an_internal_error_while_a_step_runs_fails_the_step_and_the_run(client, monkeypatch):
    """A bug of the embedded AWS (an action raising what no action should) must not leave
    the step InProgress for ever. The docs say nothing of the emulator's own bugs; assumed:
    the step ends Failed with FailureType Internal (one of FailureDetails' types: Action,
    Permission, Throttling, Verification, Internal), the run ends Failed with the same
    message whatever the step's onFailure, later steps stay Pending, and other runs go on."""
    from winupdate.local.automation.registry import implementation

    def broken(self, inputs):
        yield 1.0  # the step has begun
        raise RuntimeError("injected bug")

    monkeypatch.setattr(implementation("aws:sleep"), "run", broken)
    ssm = client("ssm")
    document = runbook(sleep("broken", onFailure="Continue"), failing("after"))
    execution = wait_done(ssm, start(ssm, create_runbook(ssm, document)))
    message = "Internal error of the embedded AWS: RuntimeError: injected bug"
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert execution["FailureMessage"] == message
    steps = steps_by_name(execution)
    assert steps["broken"]["StepStatus"] == "Failed"
    assert steps["broken"]["FailureMessage"] == message
    assert steps["broken"]["FailureDetails"]["FailureType"] == "Internal"
    assert "ExecutionEndTime" in steps["broken"]
    assert steps["after"]["StepStatus"] == "Pending"
    monkeypatch.undo()
    later = wait_done(ssm, start(ssm, create_runbook(ssm, runbook(sleep("fine")))))
    assert later["AutomationExecutionStatus"] == "Success"
