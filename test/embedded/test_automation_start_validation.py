"""StartAutomationExecution refuses what AWS refuses, before anything runs.

References: botocore's SSM model (StartAutomationExecution: MaxConcurrency and MaxErrors
patterns, the Parameters map's bounds), documents-syntax-data-elements-parameters.md
(types, minItems/maxItems/minChars/maxChars, {{ssm:}} references: line 70, "You can't
reference SecureString Parameter Store parameters"; the type examples at lines 205-340).
"""

import uuid

import pytest
from botocore.exceptions import ClientError

from automation_support import create_runbook, runbook, start, wait_until

SLEEP = {"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}
INVALID = "InvalidAutomationExecutionParametersException"


def refused(call) -> dict:
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response["Error"]


def sleeper(ssm, parameters=None) -> str:
    return create_runbook(ssm, runbook(SLEEP, parameters=parameters or {}))


def start_on_targets(ssm, name, **limits):
    return ssm.start_automation_execution(
        DocumentName=name,
        TargetParameterName="Value",
        Targets=[{"Key": "ParameterValues", "Values": ["a", "b", "c"]}],
        **limits,
    )


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("MaxConcurrency", "0"),
        ("MaxConcurrency", "abc"),
        ("MaxConcurrency", "101%"),
        ("MaxConcurrency", "0%"),
        ("MaxConcurrency", "-1"),
        ("MaxErrors", "abc"),
        ("MaxErrors", "100.5%"),
        ("MaxErrors", "-1"),
    ],
)
def test_rate_limits_outside_the_model_pattern_are_a_validation_exception(client, member, value):
    # botocore's SSM model: MaxConcurrency ^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$,
    # MaxErrors ^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$. "0" ran and "abc" crashed the
    # runtime before.
    ssm = client("ssm")
    name = sleeper(ssm, {"Value": {"type": "String"}})
    error = refused(lambda: start_on_targets(ssm, name, **{member: value}))
    assert error["Code"] == "ValidationException"
    assert f"'{value}'" in error["Message"]
    assert member[0].lower() + member[1:] in error["Message"]


@pytest.mark.parametrize(
    "limits",
    [{"MaxConcurrency": "1", "MaxErrors": "0"}, {"MaxConcurrency": "100%", "MaxErrors": "0%"}],
)
def test_rate_limits_the_pattern_allows_start_the_run(client, limits):
    # The same patterns: MaxErrors may be 0 (stop at the first error); 100% is a percentage.
    ssm = client("ssm")
    name = sleeper(ssm, {"Value": {"type": "String"}})
    execution_id = start_on_targets(ssm, name, **limits)["AutomationExecutionId"]
    execution = wait_until(ssm, execution_id, {"Success"})
    assert execution["MaxConcurrency"] == limits["MaxConcurrency"]


def test_a_value_longer_than_512_characters_is_a_validation_exception(client):
    # botocore's SSM model: AutomationParameterValue has max 512 characters.
    ssm = client("ssm")
    name = sleeper(ssm, {"Text": {"type": "String"}})
    error = refused(lambda: start(ssm, name, Text="x" * 513))
    assert error["Code"] == "ValidationException"
    assert "parameters.Text" in error["Message"] and "512" in error["Message"]
    start(ssm, name, Text="x" * 512)  # the bound itself is allowed


def test_more_than_50_values_for_a_parameter_is_a_validation_exception(client):
    # botocore's SSM model: AutomationParameterValueList has max 50 items.
    ssm = client("ssm")
    name = sleeper(ssm, {"Items": {"type": "StringList"}})
    error = refused(lambda: start(ssm, name, Items=[str(i) for i in range(51)]))
    assert error["Code"] == "ValidationException"
    assert "parameters.Items" in error["Message"] and "50" in error["Message"]


@pytest.mark.parametrize(
    ("declaration", "given", "word"),
    [
        ({"type": "StringList", "minItems": 2}, ["a"], "minItems"),
        ({"type": "StringList", "maxItems": 2}, ["a", "b", "c"], "maxItems"),
        ({"type": "String", "minChars": 3}, ["ab"], "minChars"),
        ({"type": "String", "maxChars": 3}, ["abcd"], "maxChars"),
        ({"type": "StringList", "maxChars": 3}, ["ab", "abcd"], "maxChars"),
        ({"type": "MapList", "maxItems": 1}, ['{"a": "1"}', '{"b": "2"}'], "maxItems"),
    ],
)
def test_item_and_character_bounds_refuse_the_start(client, declaration, given, word):
    # documents-syntax-data-elements-parameters.md lines 141-144: minItems, maxItems,
    # minChars, maxChars. Assumed: the bounds are inclusive; a list's maxChars applies to
    # each item.
    ssm = client("ssm")
    name = sleeper(ssm, {"P": declaration})
    error = refused(lambda: start(ssm, name, P=given))
    assert error["Code"] == INVALID
    assert "'P'" in error["Message"] and word in error["Message"]


def test_values_within_the_bounds_start(client):
    ssm = client("ssm")
    name = sleeper(
        ssm,
        {
            "L": {"type": "StringList", "minItems": 1, "maxItems": 2},
            "S": {"type": "String", "minChars": 2, "maxChars": 2},
        },
    )
    execution_id = start(ssm, name, L=["a", "b"], S="ab")
    assert wait_until(ssm, execution_id, {"Success"})["Parameters"]["L"] == ["a", "b"]


@pytest.mark.parametrize(
    "declaration",
    [
        {"type": "Integer", "default": 3.5},  # "Doesn't accept decimal numbers"
        {"type": "Integer", "default": "3"},  # "... or numbers wrapped in quotation marks"
        {"type": "Integer", "default": True},
        {"type": "Boolean", "default": "true"},  # "Doesn't accept "true" or 0"
        {"type": "Boolean", "default": 0},
        {"type": "StringMap", "default": ["a"]},
        {"type": "MapList", "default": {"a": "b"}},
        {"type": "MapList", "default": ["a"]},
    ],
)
def test_defaults_not_of_their_declared_type_refuse_the_start(client, declaration):
    # documents-syntax-data-elements-parameters.md, "SSM document parameter type examples"
    # (lines 205-340). A default 3.5 became 3 before.
    ssm = client("ssm")
    name = sleeper(ssm, {"P": declaration})
    error = refused(lambda: start(ssm, name))
    assert error["Code"] == INVALID
    assert "'P'" in error["Message"] and declaration["type"] in error["Message"]


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        ("Integer", "3.5"),
        ("Integer", "1e3"),
        ("Boolean", "1"),
        ("StringMap", '["not", "a", "map"]'),
        ("StringMap", "not json"),
        ("MapList", ["not a map"]),
        ("MapList", ["[1]"]),
    ],
)
def test_given_values_not_of_their_declared_type_refuse_the_start(client, kind, given):
    ssm = client("ssm")
    name = sleeper(ssm, {"P": {"type": kind}})
    error = refused(lambda: start(ssm, name, P=given))
    assert error["Code"] == INVALID
    assert "'P'" in error["Message"]


def test_defaults_of_their_declared_type_start(client):
    ssm = client("ssm")
    name = sleeper(
        ssm,
        {
            "I": {"type": "Integer", "default": 100},
            "B": {"type": "Boolean", "default": True},
            "SM": {"type": "StringMap", "default": {"Env": "Prod"}},
            "ML": {"type": "MapList", "default": [{"k": "v"}]},
        },
    )
    execution = wait_until(ssm, start(ssm, name), {"Success"})
    assert execution["Parameters"]["I"] == ["100"]
    assert execution["Parameters"]["B"] == ["true"]


def test_a_default_naming_a_secure_string_is_refused(client):
    # documents-syntax-data-elements-parameters.md line 70: "You can't reference
    # SecureString Parameter Store parameters."
    ssm = client("ssm")
    secret = f"/start-validation/{uuid.uuid4().hex[:8]}"
    ssm.put_parameter(Name=secret, Value="hunter2", Type="SecureString")
    name = sleeper(ssm, {"P": {"type": "String", "default": f"{{{{ssm:{secret}}}}}"}})
    error = refused(lambda: start(ssm, name))
    assert error["Code"] == INVALID
    assert "SecureString" in error["Message"] and secret in error["Message"]
    assert "hunter2" not in error["Message"]


def test_a_string_list_default_naming_a_string_list_parameter_takes_its_items(client):
    # documents-syntax-data-elements-parameters.md line 70: StringList Parameter Store
    # parameters can be referenced; a StringList's value is its items separated by commas.
    # Two approvers must stay two (before: the single approver "alice,mallory", and
    # neither could approve).
    ssm = client("ssm")
    approvers = f"/start-validation/{uuid.uuid4().hex[:8]}"
    ssm.put_parameter(Name=approvers, Value="alice,mallory", Type="StringList")
    name = sleeper(
        ssm,
        {
            "Approvers": {"type": "StringList", "default": f"{{{{ssm:{approvers}}}}}"},
            "AsText": {"type": "String", "default": f"{{{{ssm:{approvers}}}}}"},
            "Listed": {"type": "StringList", "default": [f"{{{{ssm:{approvers}}}}}", "carol"]},
        },
    )
    execution = wait_until(ssm, start(ssm, name), {"Success"})
    assert execution["Parameters"]["Approvers"] == ["alice", "mallory"]
    # Assumed: a String parameter keeps the text; an item of a list expands in place.
    assert execution["Parameters"]["AsText"] == ["alice,mallory"]
    assert execution["Parameters"]["Listed"] == ["alice", "mallory", "carol"]
