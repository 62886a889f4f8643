"""aws:executeScript handlers share warm worker processes, not state a runbook can see.

Workers keep boto3 clients between scripts (as a warm Lambda container keeps what its
code made); each script still gets a fresh namespace, its own execution's environment,
and its calls are counted against its own execution.
"""

from automation_support import (
    api_calls,
    create_runbook,
    runbook,
    script_role,
    start,
    steps_by_name,
    wait_done,
)

COUNTING = """
import os

import boto3
from botocore.config import Config


def handler(events, context):
    ssm = boto3.client("ssm")
    ssm.describe_parameters()
    ssm.describe_parameters()
    boto3.client("ssm", config=Config(retries={"total_max_attempts": 1})).describe_parameters()
    return {
        "execution": os.environ["AUTOMATION_EXECUTION_ID"],
        "key": boto3.DEFAULT_SESSION.get_credentials().access_key,
    }
"""

GLOBALS = """
SEEN = []


def handler(events, context):
    SEEN.append(events["Run"])
    leftover = globals().get("LEFTOVER")
    globals()["LEFTOVER"] = events["Run"]
    return {"seen": SEEN, "leftover": leftover}
"""

ANNOTATED = """
def handler(events, context) -> dict:
    return {"annotation": repr(handler.__annotations__["return"])}
"""

NOISY = """
import subprocess
import sys


def handler(events, context):
    print("from the script")
    subprocess.run([sys.executable, "-c", "print('from a subprocess')"], check=True)
    return {"done": True}
"""


def script_step(script, payload=None):
    return {
        "name": "script",
        "action": "aws:executeScript",
        "inputs": {
            "Runtime": "python3.11",
            "Handler": "handler",
            "Script": script,
            "InputPayload": payload or {},
        },
        "outputs": [{"Name": "Result", "Selector": "$.Payload", "Type": "StringMap"}],
    }


def script_runbook(client, *steps):
    """A runbook of ``steps`` with an assumeRole (its scripts call AWS: ``script_role``)."""
    return runbook(*steps, assumeRole=script_role(client("iam")))


def run(client, script, payload=None):
    ssm = client("ssm")
    name = create_runbook(ssm, script_runbook(client, script_step(script, payload)))
    execution = wait_done(ssm, start(ssm, name), wall_timeout=30)
    assert execution["AutomationExecutionStatus"] == "Success", steps_by_name(execution)
    return execution


def result(execution):
    import json

    return json.loads(steps_by_name(execution)["script"]["Outputs"]["Result"][0])


def test_each_execution_counts_the_calls_of_its_own_script(client, endpoint):
    first, second = run(client, COUNTING), run(client, COUNTING)
    for execution in (first, second):
        execution_id = execution["AutomationExecutionId"]
        assert api_calls(endpoint, execution_id) == 3
        assert result(execution)["execution"] == execution_id
    assert result(first)["key"] != result(second)["key"]


def test_a_script_sees_no_globals_left_by_an_earlier_script(client):
    first = result(run(client, GLOBALS, {"Run": "first"}))
    second = result(run(client, GLOBALS, {"Run": "second"}))
    assert first == {"seen": ["first"], "leftover": None}
    assert second == {"seen": ["second"], "leftover": None}


def test_a_subprocess_of_a_script_cannot_garble_the_worker_s_answer(client):
    execution = run(client, NOISY)
    step = steps_by_name(execution)["script"]
    assert result(execution) == {"done": True}
    assert step["Outputs"]["ExecutionLog"] == ["from the script"]
    assert result(run(client, NOISY)) == {"done": True}  # the worker still answers


def test_a_script_s_annotations_are_evaluated_as_its_runtime_does(client):
    # python3.11 evaluates annotations when a function is defined (no PEP 563 by default).
    assert result(run(client, ANNOTATED)) == {"annotation": "<class 'dict'>"}
