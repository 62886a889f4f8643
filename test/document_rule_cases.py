"""Runbooks that break one CreateDocument rule each (``document_rules``), and runbooks in the
forms AWS accepts, shared by the rules' unit tests and the test that the embedded AWS and
``winupdate validate`` agree on them.

Pages are those of the SSM User Guide (../shared/reference/ssm-user-guide/), with the line
the rule follows.
"""

from __future__ import annotations

from dataclasses import dataclass

# Accepted by CreateDocument, and no rule breaks it. onCancel moves to an aws:executeAwsApi
# step (one of the actions it may move to), the branch names steps that exist.
BASE = """\
schemaVersion: '0.3'
description: Describe one instance and stop it when it runs.
parameters:
  InstanceId:
    type: String
    default: i-0123456789abcdef0
mainSteps:
  - name: Describe
    action: aws:executeAwsApi
    onFailure: step:Report
    onCancel: step:Report
    maxAttempts: 2
    inputs:
      Service: ec2
      Api: DescribeInstances
      InstanceIds: ['{{ InstanceId }}']
    outputs:
      - Name: State
        Selector: $.Reservations[0].Instances[0].State.Name
        Type: String
    nextStep: Decide
  - name: Decide
    action: aws:branch
    inputs:
      Choices:
        - NextStep: Stop
          Variable: '{{ Describe.State }}'
          StringEquals: running
      Default: Report
  - name: Stop
    action: aws:changeInstanceState
    onFailure: Continue
    inputs:
      InstanceIds: ['{{ InstanceId }}']
      DesiredState: stopped
    isEnd: true
  - name: Report
    action: aws:executeAwsApi
    inputs:
      Service: ec2
      Api: DescribeRegions
    isEnd: true
outputs:
  - Describe.State
"""

LOOP = BASE.replace(
    "  - name: Report\n",
    "  - name: Each\n    action: aws:loop\n    inputs:\n      Iterators: ['{{ InstanceId }}']\n"
    "      Steps:\n        - name: Inner\n          action: aws:sleep\n"
    "          inputs: {Duration: PT1S}\n<INNER>    nextStep: Report\n  - name: Report\n",
).replace("      Default: Report\n", "      Default: Each\n")


def _loop(inner: str) -> str:
    """A runbook with an aws:loop whose one nested step has ``inner`` added."""
    return LOOP.replace("<INNER>", inner)


@dataclass(frozen=True)
class Case:
    id: str
    code: str  # the validator's code for the rule
    text: str
    marker: str  # text on the line the finding points at
    cites: str  # page and line of the SSM User Guide the rule follows
    says: str  # a part of the message both AWS and the validator give

    @property
    def param(self):
        import pytest

        return pytest.param(self, id=self.id)


REPORT_ACTION = (
    "    action: aws:executeAwsApi\n    inputs:\n      Service: ec2\n      Api: DescribeRegions\n"
)


def _rename_report(new: str) -> str:
    return BASE.replace("name: Report", f"name: {new}").replace("Report\n", f"{new}\n")


TRIPPING = [
    Case(
        "unknown step property (onFailur)",
        "WU123",
        BASE.replace("    onFailure: Continue\n", "    onFailur: Continue\n"),
        "onFailur: Continue",
        "automation-actions.md:44, Properties shared by all actions",
        "step Stop: unknown property 'onFailur'",
    ),
    Case(
        "unknown top-level key",
        "WU104",
        BASE.replace("description:", "descripton:"),
        "descripton:",
        "documents-syntax-data-elements-parameters.md:7, Top-level data elements",
        "unknown top-level key 'descripton'",
    ),
    Case(
        "unknown action input",
        "WU203",
        BASE.replace(
            "      DesiredState: stopped\n", "      DesiredState: stopped\n      Forced: true\n"
        ),
        "Forced: true",
        "automation-action-changestate.md:10, Input",
        "aws:changeInstanceState has no input 'Forced'",
    ),
    Case(
        "unknown action",
        "WU201",
        BASE.replace("aws:changeInstanceState", "aws:changeInstanceStat"),
        "aws:changeInstanceStat",
        "automation-actions.md:60, action: the name of the action the step is to run",
        "'aws:changeInstanceStat' is not an Automation action",
    ),
    Case(
        "step name with a dot",
        "WU122",
        _rename_report("Report.1"),
        "name: Report.1",
        "automation-actions.md:56, name: Allowed pattern [a-zA-Z0-9_]+$",
        "step name 'Report.1' may use only letters, digits and _",
    ),
    Case(
        "step name with a dash",
        "WU122",
        _rename_report("Report-1"),
        "name: Report-1",
        "automation-actions.md:56, name: Allowed pattern [a-zA-Z0-9_]+$",
        "step name 'Report-1' may use only letters, digits and _",
    ),
    Case(
        "step name used twice",
        "WU121",
        BASE.replace("  - name: Stop\n", "  - name: Decide\n").replace(
            "NextStep: Stop", "NextStep: Decide"
        ),
        "name: Decide",
        "automation-actions.md:54, name: unique across all step names in the runbook",
        "step name Decide is used twice",
    ),
    Case(
        "onCancel: Continue",
        "WU124",
        BASE.replace("    onCancel: step:Report\n", "    onCancel: Continue\n"),
        "onCancel: Continue",
        "automation-actions.md:83, onCancel: Valid values: Abort | step:step_name",
        "step Describe: onCancel is 'Continue'",
    ),
    Case(
        "onCancel moving to an aws:sleep step",
        "WU124",
        BASE.replace(
            REPORT_ACTION,
            "    action: aws:sleep\n    inputs:\n      Duration: PT1S\n",
        ),
        "onCancel: step:Report",
        "automation-actions.md:85, onCancel doesn't support moving to aws:sleep (and 7 more)",
        "step Describe: onCancel cannot move to Report, an aws:sleep step",
    ),
    Case(
        "onCancel moving to an aws:approve step",
        "WU124",
        BASE.replace(
            REPORT_ACTION,
            "    action: aws:approve\n    inputs:\n"
            "      Approvers: ['arn:aws:iam::123456789012:user/alice']\n",
        ),
        "onCancel: step:Report",
        "automation-actions.md:85, onCancel doesn't support moving to aws:approve",
        "step Describe: onCancel cannot move to Report, an aws:approve step",
    ),
    Case(
        "maxAttempts: three",
        "WU124",
        BASE.replace("maxAttempts: 2", "maxAttempts: three"),
        "maxAttempts: three",
        "automation-actions.md:65, maxAttempts: Type: Integer",
        "step Describe: maxAttempts is 'three'",
    ),
    Case(
        "timeoutSeconds: 0",
        "WU124",
        BASE.replace("    maxAttempts: 2\n", "    timeoutSeconds: 0\n"),
        "timeoutSeconds: 0",
        "automation-actions.md:70, timeoutSeconds: Type: Integer (assumed: 1 s or more)",
        "step Describe: timeoutSeconds is 0",
    ),
    Case(
        "isEnd: yes-please",
        "WU124",
        BASE.replace("    isEnd: true\n", "    isEnd: yes-please\n", 1),
        "isEnd: yes-please",
        "automation-actions.md:97, isEnd: Valid values: true | false",
        "step Stop: isEnd is 'yes-please'",
    ),
    Case(
        "output Type: Float",
        "WU205",
        BASE.replace("        Type: String\n", "        Type: Float\n"),
        "Type: Float",
        "automation-action-executeAwsApi.md:90, outputs: Integer, Boolean, String, StringList, "
        "StringMap, or MapList",
        "step Describe: output type 'Float' is unknown",
    ),
    Case(
        "output without Selector",
        "WU205",
        BASE.replace("        Selector: $.Reservations[0].Instances[0].State.Name\n", ""),
        "- Name: State",
        "automation-action-executeAwsApi.md:88, Selector: Required: Yes",
        "step Describe: output #1 has no Selector",
    ),
    Case(
        "document output naming no step output",
        "WU507",
        BASE.replace("  - Describe.State\n", "  - Describe.Stat\n"),
        "- Describe.Stat",
        "documents-syntax-data-elements-parameters.md:157, outputs (e.g. CreateImage.ImageId); "
        "automation-action-outputs-inputs.md:3",
        "output 'Describe.Stat' is not an output of any step",
    ),
    Case(
        "parameter type Float",
        "WU110",
        BASE.replace("    type: String\n", "    type: Float\n"),
        "type: Float",
        "documents-syntax-data-elements-parameters.md:74, type: String, StringList, Integer, "
        "Boolean, MapList, and StringMap",
        "parameter InstanceId: unknown type 'Float'",
    ),
    Case(
        "unknown parameter property",
        "WU111",
        BASE.replace("    default: i-0123456789abcdef0\n", "    defualt: i-0123456789abcdef0\n"),
        "defualt:",
        "documents-syntax-data-elements-parameters.md:72, the fields parameters accept",
        "parameter InstanceId: unknown property 'defualt'",
    ),
    Case(
        "branch NextStep naming no step",
        "WU401",
        BASE.replace("NextStep: Stop", "NextStep: Stpo"),
        "NextStep: Stpo",
        "automation-action-branch.md:50, NextStep: the next step in the runbook",
        "step Decide: NextStep names 'Stpo', which is not a step",
    ),
    Case(
        "branch Default naming no step",
        "WU401",
        BASE.replace("      Default: Report\n", "      Default: Reprot\n"),
        "Default: Reprot",
        "automation-action-branch.md:74, Default: the name of a step",
        "step Decide: Default names 'Reprot', which is not a step",
    ),
    Case(
        "nextStep naming no step",
        "WU401",
        BASE.replace("    nextStep: Decide\n", "    nextStep: Decied\n"),
        "nextStep: Decied",
        "automation-actions.md:101, nextStep: which step in an automation to process next",
        "step Describe: nextStep names 'Decied', which is not a step",
    ),
    Case(
        "nested step with an unknown property",
        "WU123",
        _loop("          onFailur: Continue\n"),
        "onFailur: Continue",
        "automation-actions.md:44 (a loop's Steps are steps: automation-action-loop.html)",
        "step Inner: unknown property 'onFailur'",
    ),
    Case(
        "nested step jumping nowhere",
        "WU401",
        _loop("          nextStep: Nowhere\n"),
        "nextStep: Nowhere",
        "automation-actions.md:101 (a nested step may name its loop's or a main step)",
        "step Inner: nextStep names 'Nowhere', which is not a step",
    ),
]

# Forms AWS accepted in its own runbooks (the corpus) or the guide shows: no rule breaks them.
ACCEPTED = [
    Case("the base runbook", "", BASE, "", "", ""),
    Case(
        "a loop whose nested step jumps out",
        "",
        _loop("          onFailure: step:Report\n"),
        "",
        "",
        "",
    ),
    Case(
        "timeoutSeconds and isCritical as strings",
        "",
        BASE.replace(
            "    maxAttempts: 2\n",
            "    maxAttempts: 2\n    timeoutSeconds: '600'\n    isCritical: 'false'\n",
        ),
        "",
        'AWSEC2-CloneInstanceAndUpgradeWindows: "timeoutSeconds": "600"; 123 string isCritical',
        "",
    ),
    Case(
        "a parameter typed by resource",
        "",
        BASE.replace("    type: String\n", "    type: AWS::EC2::Instance::Id\n"),
        "",
        "23 of AWS's runbooks type a parameter AWS::EC2::Instance::Id",
        "",
    ),
    Case(
        "an output without Type",
        "",
        BASE.replace("        Type: String\n", ""),
        "",
        "9 outputs in AWS's runbooks have no Type (String)",
        "",
    ),
    Case(
        "onCancel: Abort and onFailure: Continue",
        "",
        BASE.replace("    onCancel: step:Report\n", "    onCancel: Abort\n"),
        "",
        "automation-actions.md:83",
        "",
    ),
]
