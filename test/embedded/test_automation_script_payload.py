"""What aws:executeScript returns (automation-action-executeScript.md, Output, Payload: "Up to
100KB is returned. If you output a list, a maximum of 100 items is returned."): a returned
list is cut to its first 100 items; a longer Payload fails the step, because the page does not
say how AWS cuts it (the embedded AWS refuses what it cannot model, loudly)."""

from automation_support import create_runbook, runbook, start, steps_by_name, wait_done

SCRIPT = """
def handler(events, context):
    if events["Kind"] == "list":
        return [str(i) for i in range(150)]
    return {"Text": "x" * (101 * 1024)}
"""


def run(client, kind: str) -> dict:
    ssm = client("ssm")
    step = {
        "name": "script",
        "action": "aws:executeScript",
        "inputs": {
            "Runtime": "python3.11",
            "Handler": "handler",
            "Script": SCRIPT,
            "InputPayload": {"Kind": kind},
        },
        "outputs": [{"Name": "Items", "Selector": "$.Payload", "Type": "StringList"}],
    }
    return wait_done(ssm, start(ssm, create_runbook(ssm, runbook(step))), wall_timeout=30)


def test_a_returned_list_gives_its_first_100_items(client):
    execution = run(client, "list")
    assert execution["AutomationExecutionStatus"] == "Success", steps_by_name(execution)
    assert steps_by_name(execution)["script"]["Outputs"]["Items"] == [str(i) for i in range(100)]


def test_a_payload_over_100_kb_fails_the_step_and_says_why(client):
    execution = run(client, "large")
    step = steps_by_name(execution)["script"]
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert "up to 100 KB" in step["FailureMessage"]
    assert "not supported by the embedded AWS" in step["FailureMessage"]
