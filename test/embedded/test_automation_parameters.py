"""Parameters and variables of a runbook run on the embedded AWS.

Reference: documents-syntax-data-elements-parameters.md (types, default,
allowedValues, allowedPattern, {{ssm:}} references) and automation-variables.md.
"""

import pytest
from botocore.exceptions import ClientError

from automation_support import create_runbook, runbook, start, steps_by_name, wait_done

ECHO = """
def handler(events, context):
    return {k: [type(v).__name__, v] for k, v in events.items()}
"""


def echo_step(payload):
    return {
        "name": "echo",
        "action": "aws:executeScript",
        "inputs": {
            "Runtime": "python3.11",
            "Handler": "handler",
            "Script": ECHO,
            "InputPayload": payload,
        },
        "outputs": [{"Name": "Echo", "Selector": "$.Payload", "Type": "StringMap"}],
    }


def run_echo(ssm, parameters, payload, **given):
    name = create_runbook(ssm, runbook(echo_step(payload), parameters=parameters))
    execution = wait_done(ssm, start(ssm, name, **given))
    assert execution["AutomationExecutionStatus"] == "Success", execution
    import json

    return json.loads(steps_by_name(execution)["echo"]["Outputs"]["Echo"][0]), execution


def test_each_parameter_type_reaches_steps_with_its_own_type(client):
    # documents-syntax-data-elements-parameters.md: String, StringList, Integer, Boolean,
    # MapList, StringMap.
    ssm = client("ssm")
    parameters = {
        "S": {"type": "String"},
        "L": {"type": "StringList"},
        "I": {"type": "Integer"},
        "B": {"type": "Boolean"},
        "ML": {"type": "MapList"},
        "SM": {"type": "StringMap"},
    }
    payload = {k: f"{{{{ {k} }}}}" for k in parameters}
    echo, execution = run_echo(
        ssm,
        parameters,
        payload,
        S="text",
        L=["a", "b"],
        I="42",
        B="true",
        ML=['{"k": "v"}'],
        SM='{"x": "y"}',
    )
    assert echo == {
        "S": ["str", "text"],
        "L": ["list", ["a", "b"]],
        "I": ["int", 42],
        "B": ["bool", True],
        "ML": ["list", [{"k": "v"}]],
        "SM": ["dict", {"x": "y"}],
    }
    assert execution["Parameters"]["L"] == ["a", "b"]


def test_defaults_apply_and_ssm_references_resolve_from_parameter_store(client):
    # documents-syntax-data-elements-parameters.md: a default may reference {{ssm:name}}.
    ssm = client("ssm")
    ssm.put_parameter(Name="ParamsTestTag", Value="WinUpdate", Type="String", Overwrite=True)
    parameters = {
        "Tag": {"type": "String", "default": "{{ssm:ParamsTestTag}}"},
        "Count": {"type": "Integer", "default": 7},
    }
    echo, execution = run_echo(ssm, parameters, {"Tag": "{{Tag}}", "Count": "{{ Count }}"})
    assert echo == {"Tag": ["str", "WinUpdate"], "Count": ["int", 7]}
    assert execution["Parameters"]["Tag"] == ["WinUpdate"]


def test_ssm_reference_inside_step_inputs_resolves(client):
    ssm = client("ssm")
    ssm.put_parameter(Name="ParamsInline", Value="inline-value", Type="String", Overwrite=True)
    echo, _ = run_echo(ssm, {}, {"V": "{{ssm:ParamsInline}}"})
    assert echo == {"V": ["str", "inline-value"]}


def test_automation_and_global_variables_resolve_with_spaces_inside_braces(client):
    # automation-variables.md: automation:EXECUTION_ID, global:ACCOUNT_ID, global:REGION ...
    ssm = client("ssm")
    payload = {
        "Id": "{{ automation:EXECUTION_ID }}",
        "Doc": "{{automation:DOCUMENT_NAME}}",
        "Account": "{{global:ACCOUNT_ID}}",
        "Region": "{{ global:REGION }}",
        "Partition": "{{global:AWS_PARTITION}}",
        "Mixed": "x-{{ automation:EXECUTION_ID }}-y",
    }
    echo, execution = run_echo(ssm, {}, payload)
    execution_id = execution["AutomationExecutionId"]
    assert echo["Id"] == ["str", execution_id]
    assert echo["Doc"] == ["str", execution["DocumentName"]]
    assert echo["Account"] == ["str", "123456789012"]
    assert echo["Region"] == ["str", "us-east-1"]
    assert echo["Partition"] == ["str", "aws"]
    assert echo["Mixed"] == ["str", f"x-{execution_id}-y"]


def test_missing_required_parameter_refuses_the_start(client):
    ssm = client("ssm")
    name = create_runbook(
        ssm,
        runbook(
            {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}},
            parameters={"InstanceId": {"type": "String"}},
        ),
    )
    with pytest.raises(ClientError) as err:
        start(ssm, name)
    assert err.value.response["Error"]["Code"] == "InvalidAutomationExecutionParametersException"
    assert "InstanceId" in err.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("declaration", "value"),
    [
        ({"type": "String", "allowedValues": ["Install", "Scan"]}, "Delete"),
        ({"type": "String", "allowedPattern": "^i-[0-9a-f]+$"}, "not-an-instance"),
        ({"type": "Integer"}, "ten"),
        ({"type": "Boolean"}, "maybe"),
    ],
)
def test_invalid_parameter_value_is_refused_naming_the_parameter(client, declaration, value):
    ssm = client("ssm")
    name = create_runbook(
        ssm,
        runbook(
            {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}},
            parameters={"Choice": declaration},
        ),
    )
    with pytest.raises(ClientError) as err:
        start(ssm, name, Choice=value)
    assert err.value.response["Error"]["Code"] == "InvalidAutomationExecutionParametersException"
    assert "Choice" in err.value.response["Error"]["Message"]


def test_undeclared_parameter_is_refused(client):
    ssm = client("ssm")
    name = create_runbook(
        ssm, runbook({"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}})
    )
    with pytest.raises(ClientError) as err:
        start(ssm, name, Nope="x")
    assert "Nope" in err.value.response["Error"]["Message"]


def test_reference_to_an_output_no_step_produced_fails_the_step(client):
    # automation-variables.md: a step's output is available to later steps only.
    ssm = client("ssm")
    name = create_runbook(ssm, runbook(echo_step({"V": "{{ nowhere.Output }}"})))
    execution = wait_done(ssm, start(ssm, name))
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert "nowhere.Output" in steps_by_name(execution)["echo"]["FailureMessage"]
