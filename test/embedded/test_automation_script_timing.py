"""aws:executeScript is timed in real seconds (automation-action-executeScript.md: "Each
aws:executeScript action can run up to a maximum duration of 600 seconds (10 minutes). You
can limit the timeout by specifying the timeoutSeconds parameter").

The script is real Python in a real process. On the scaled clock (600 modelled seconds per
wall second in tests) merely starting Python and importing boto3 would exceed a 60 s
timeoutSeconds, which AWS never does to a script that ends within its timeout.
"""

from automation_support import (
    create_runbook,
    runbook,
    script_role,
    start,
    steps_by_name,
    wait_done,
)

SLOW = """
import time

import boto3


def handler(events, context):
    boto3.client("sts").get_caller_identity()
    time.sleep(float(events["Seconds"]))
    return {"slept": events["Seconds"]}
"""


def script_step(seconds: float, timeout: int):
    return {
        "name": "script",
        "action": "aws:executeScript",
        "timeoutSeconds": timeout,
        "inputs": {
            "Runtime": "python3.11",
            "Handler": "handler",
            "Script": SLOW,
            "InputPayload": {"Seconds": str(seconds)},
        },
    }


def run(client, step):
    ssm = client("ssm")
    # Its scripts call AWS: the runbook needs an assumeRole (script_role).
    name = create_runbook(ssm, runbook(step, assumeRole=script_role(client("iam"))))
    return wait_done(ssm, start(ssm, name), wall_timeout=30)


def test_a_script_that_ends_within_its_timeout_succeeds_whatever_the_clock_speed(client):
    # Half a wall second plus a boto3 call: 300+ modelled seconds at the test speed.
    execution = run(client, script_step(0.5, timeout=60))
    assert execution["AutomationExecutionStatus"] == "Success", steps_by_name(execution)


def test_a_script_that_outlasts_its_timeout_times_out(client):
    execution = run(client, script_step(5, timeout=1))
    step = steps_by_name(execution)["script"]
    assert step["StepStatus"] == "TimedOut"
    assert "Timeout: 1 seconds" in step["FailureMessage"]
    assert execution["AutomationExecutionStatus"] == "TimedOut"


COUNTING = """
import boto3


def handler(events, context):
    ssm = boto3.client("ssm")
    for _ in range(3):
        ssm.describe_parameters()
    return {"region": ssm.meta.region_name}
"""


def test_calls_a_script_makes_are_counted_against_its_execution(client, endpoint):
    from automation_support import api_calls

    step = {
        "name": "script",
        "action": "aws:executeScript",
        "inputs": {"Runtime": "python3.11", "Handler": "handler", "Script": COUNTING},
        "outputs": [{"Name": "Region", "Selector": "$.Payload.region", "Type": "String"}],
    }
    execution = run(client, step)
    assert execution["AutomationExecutionStatus"] == "Success"
    assert steps_by_name(execution)["script"]["Outputs"]["Region"] == ["us-east-1"]
    assert api_calls(endpoint, execution["AutomationExecutionId"]) == 3


def test_scripts_run_quickly_in_a_warm_worker(client):
    # Each script step costs modelled time for its wall time; a warm worker keeps a short
    # script far under a minute of modelled time even at the test speed.
    quick = {
        "name": "script",
        "action": "aws:executeScript",
        "inputs": {
            "Runtime": "python3.11",
            "Handler": "handler",
            "Script": "def handler(events, context):\n    return 1\n",
        },
    }
    run(client, quick)  # warms a worker
    step = steps_by_name(run(client, quick))["script"]
    assert (step["ExecutionEndTime"] - step["ExecutionStartTime"]).total_seconds() < 60
