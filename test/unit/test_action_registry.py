"""The action registry holds what the SSM User Guide says of every Automation action.

Facts are copied from the guide as literals (cited per test) because a fresh clone
has no copy of the guide to read at test time.
"""

from __future__ import annotations

import pytest

from winupdate.local.automation.registry import INPUT_TYPES, ActionSpec, spec, specs

# The "Topics" list of automation-actions.md (archived awsdocs/aws-systems-manager-user-guide).
ACTIONS_ON_REFERENCE_PAGE = (
    "aws:approve",
    "aws:assertAwsResourceProperty",
    "aws:branch",
    "aws:changeInstanceState",
    "aws:copyImage",
    "aws:createImage",
    "aws:createStack",
    "aws:createTags",
    "aws:deleteImage",
    "aws:deleteStack",
    "aws:executeAutomation",
    "aws:executeAwsApi",
    "aws:executeScript",
    "aws:executeStateMachine",
    "aws:invokeWebhook",
    "aws:invokeLambdaFunction",
    "aws:pause",
    "aws:runCommand",
    "aws:runInstances",
    "aws:sleep",
    "aws:waitForAwsResourceProperty",
)

# Added to Automation after the guide's repository was archived (2023); their pages are
# automation-action-loop.html and automation-action-update-variable.html on docs.aws.amazon.com.
ACTIONS_NEWER_THAN_REFERENCE = ("aws:loop", "aws:updateVariable")

ALL_SPECS = sorted(specs().values(), key=lambda s: s.name)


def _by_name(spec_: ActionSpec) -> str:
    return spec_.name


def test_every_action_named_on_the_actions_reference_is_registered():
    # automation-actions.md, "Topics".
    assert set(ACTIONS_ON_REFERENCE_PAGE) <= set(specs())


@pytest.mark.parametrize("action", ["aws:loop", "aws:updateVariable", "aws:invokeWebhook"])
def test_actions_added_after_the_archived_guide_are_registered(action):
    # automation-action-loop.html, automation-action-update-variable.html, invoke-webhook.html.
    assert action in specs()


def test_registry_holds_no_action_the_references_do_not_name():
    assert set(specs()) == set(ACTIONS_ON_REFERENCE_PAGE) | set(ACTIONS_NEWER_THAN_REFERENCE)


def test_each_spec_is_filed_under_its_own_name():
    assert all(name == s.name for name, s in specs().items())


# Required inputs as each page's "Required: Yes" lines give them.
REQUIRED_INPUTS = {
    # automation-action-approve.md
    "aws:approve": {"Approvers"},
    # automation-action-create.md
    "aws:createImage": {"InstanceId", "ImageName"},
    # automation-action-runcommand.md (InstanceIds and Targets are one-of, so neither)
    "aws:runCommand": {"DocumentName"},
    # automation-action-executeAutomation.md
    "aws:executeAutomation": {"DocumentName"},
    # automation-action-changestate.md
    "aws:changeInstanceState": {"InstanceIds", "DesiredState"},
    # automation-action-waitForAwsResourceProperty.md
    "aws:waitForAwsResourceProperty": {"Service", "Api", "PropertySelector", "DesiredValues"},
    # automation-action-assertAwsResourceProperty.md
    "aws:assertAwsResourceProperty": {"Service", "Api", "PropertySelector", "DesiredValues"},
    # automation-action-executeAwsApi.md
    "aws:executeAwsApi": {"Service", "Api"},
    # automation-action-sleep.md (Duration and Timestamp are one-of)
    "aws:sleep": set(),
    # automation-action-pause.md
    "aws:pause": set(),
}


@pytest.mark.parametrize("action", sorted(REQUIRED_INPUTS))
def test_required_inputs_match_the_action_page(action):
    assert set(specs()[action].required_inputs) == REQUIRED_INPUTS[action]


@pytest.mark.parametrize(
    ("action", "name", "type_"),
    [
        # automation-action-approve.md
        ("aws:approve", "NotificationArn", "String"),
        ("aws:approve", "Message", "String"),
        ("aws:approve", "MinRequiredApprovals", "Integer"),
        ("aws:approve", "Approvers", "StringList"),
        # automation-action-changestate.md
        ("aws:changeInstanceState", "InstanceIds", "StringList"),
        ("aws:changeInstanceState", "CheckStateOnly", "Boolean"),
        ("aws:changeInstanceState", "Force", "Boolean"),
        # automation-action-create.md
        ("aws:createImage", "NoReboot", "Boolean"),
        # automation-action-runcommand.md
        ("aws:runCommand", "InstanceIds", "StringList"),
        ("aws:runCommand", "Targets", "MapList"),
        ("aws:runCommand", "TimeoutSeconds", "Integer"),
        # automation-action-executeAutomation.md
        ("aws:executeAutomation", "Targets", "MapList"),
        ("aws:executeAutomation", "TargetMaps", "MapList"),
        # automation-action-branch.md
        ("aws:branch", "Choices", "MapList"),
    ],
)
def test_input_types_match_the_action_page(action, name, type_):
    declared = specs()[action].input(name)
    assert declared is not None, f"{action} has no input {name}"
    assert declared.type == type_


@pytest.mark.parametrize(
    ("action", "outputs"),
    [
        # automation-action-approve.md
        ("aws:approve", {"ApprovalStatus", "ApproverDecisions"}),
        # automation-action-create.md
        ("aws:createImage", {"ImageId", "ImageState"}),
        # automation-action-runcommand.md
        ("aws:runCommand", {"CommandId", "Status", "ResponseCode", "Output"}),
        # automation-action-executeAutomation.md
        ("aws:executeAutomation", {"ExecutionId", "Status", "Output"}),
        # automation-action-changestate.md: "Output: None"
        ("aws:changeInstanceState", set()),
        # automation-action-executeAwsApi.md: outputs are declared by the step itself
        ("aws:executeAwsApi", set()),
    ],
)
def test_outputs_match_the_action_page(action, outputs):
    assert {o.name for o in specs()[action].outputs} == outputs


@pytest.mark.parametrize("action", ["aws:executeAutomation", "aws:runCommand"])
def test_rate_control_inputs_are_accepted(action):
    # automation-action-executeAutomation.md lists them; automation-action-runcommand.md
    # says the action takes "most" SendCommand parameters, and these are SendCommand's.
    spec_ = specs()[action]
    assert spec_.input("MaxConcurrency") is not None
    assert spec_.input("MaxErrors") is not None


def test_only_the_arbitrary_api_actions_pass_undeclared_inputs_through():
    # The pages of these three say "Inputs are defined by the API operation that you
    # choose"; every other page lists all of its inputs.
    assert {s.name for s in ALL_SPECS if s.extra_inputs} == {
        "aws:executeAwsApi",
        "aws:waitForAwsResourceProperty",
        "aws:assertAwsResourceProperty",
    }


def test_approve_notes_the_sns_topic_name_prefix():
    # automation-action-approve.md: the topic "must be prefixed with "Automation"".
    assert "Automation" in specs()["aws:approve"].notes


@pytest.mark.parametrize("spec_", ALL_SPECS, ids=_by_name)
def test_every_input_and_output_type_is_a_known_type(spec_):
    types = {i.type for i in spec_.inputs} | {o.type for o in spec_.outputs}
    assert types <= INPUT_TYPES


@pytest.mark.parametrize("spec_", ALL_SPECS, ids=_by_name)
def test_no_action_declares_an_input_or_output_twice(spec_):
    inputs = [i.name for i in spec_.inputs]
    outputs = [o.name for o in spec_.outputs]
    assert len(inputs) == len(set(inputs))
    assert len(outputs) == len(set(outputs))


@pytest.mark.parametrize("spec_", ALL_SPECS, ids=_by_name)
def test_every_action_cites_its_reference_page(spec_):
    ref = spec_.reference
    assert ref.endswith(".md") or ref.startswith("https://docs.aws.amazon.com/")


def test_spec_lookup_returns_none_for_an_unknown_action():
    assert spec("aws:noSuchAction") is None
