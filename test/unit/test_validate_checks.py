"""Every check of ``winupdate validate``: a small runbook that trips it, and one that passes.

Each case breaks the passing runbook ``BASE`` in one place and asserts the exact code
and the line it is reported on (the line of the marker text in the broken document).
"""

from __future__ import annotations

import pytest
from validate_support import BASE, codes, line_of, validate_text

from winupdate.documents.findings import CODES
from winupdate.documents.loader import LoadError, load_text

STOP_STEP = """\
    action: aws:changeInstanceState
    onFailure: step:Report
    inputs:
      InstanceIds:
        - '{{ InstanceId }}'
      DesiredState: stopped
"""


def _child(document: str, parameters: str = "        InstanceId: ['{{ InstanceId }}']\n") -> str:
    return BASE.replace(
        STOP_STEP,
        "    action: aws:executeAutomation\n    onFailure: step:Report\n    inputs:\n"
        f"      DocumentName: {document}\n      RuntimeParameters:\n{parameters}",
    )


def _assert_step(selector: str) -> str:
    return BASE.replace(
        "    action: aws:executeAwsApi\n    onFailure: step:Report\n"
        "    inputs:\n      Service: ec2",
        "    action: aws:assertAwsResourceProperty\n    onFailure: step:Report\n    inputs:\n"
        f"      PropertySelector: '{selector}'\n      DesiredValues: [running, stopped]\n"
        "      Service: ec2",
    )


def _without_last_is_end(text: str) -> str:
    head, _, tail = text.rpartition("    isEnd: true\n")
    return head + tail


ORPHAN = (
    "  - name: Orphan\n    action: aws:sleep\n    inputs:\n      Duration: PT1M\n    isEnd: true\n"
)

# (code, broken document, marker on the reported line, which occurrence of the marker)
CASES = [
    ("WU102", "schemaVersion: '0.3'\nmainSteps: []\n", "mainSteps", 1),
    ("WU103", BASE.replace("'0.3'", "'2.2'"), "schemaVersion", 1),
    ("WU104", BASE.replace("description:", "descripton:"), "descripton", 1),
    (
        "WU105",
        BASE.replace("    nextStep: Decide\n", "    nextStep: Decide\n" * 2),
        "nextStep: Decide",
        2,
    ),
    ("WU106", BASE.replace("description: Stop", "description: ${x} Stop"), "${x}", 1),
    (
        "WU110",
        BASE.replace("type: String\n    allowedPattern", "type: Strin\n    allowedPattern"),
        "Strin",
        1,
    ),
    ("WU111", BASE.replace("allowedValues:", "allowedValue:"), "allowedValue:", 1),
    ("WU112", BASE.replace("default: stop", "default: 3"), "default: 3", 1),
    ("WU113", BASE.replace("default: stop", "default: halt"), "default: halt", 1),
    ("WU114", BASE.replace("default: i-0123456789", "default: x-0123"), "default: x-0123", 1),
    ("WU114", BASE.replace("'^i-[a-z0-9]+$'", "'^i-[a-z'"), "allowedPattern", 1),
    (
        "WU120",
        BASE.replace("  - name: Report\n    action: aws:executeAwsApi\n", "  - name: Report\n"),
        "- name: Report",
        1,
    ),
    ("WU121", BASE.replace("  - name: Stop\n", "  - name: Describe\n"), "name: Describe", 2),
    (
        "WU122",
        BASE.replace("name: Report", "name: Report.1").replace("step:Report", "step:Report.1"),
        "name: Report.1",
        1,
    ),
    (
        "WU123",
        BASE.replace("    action: aws:branch\n", "    action: aws:branch\n    timeout: 5\n"),
        "timeout: 5",
        1,
    ),
    (
        "WU124",
        BASE.replace(
            "    onFailure: step:Report\n    inputs:\n      InstanceIds",
            "    onFailure: Retry\n    inputs:\n      InstanceIds",
        ),
        "onFailure: Retry",
        1,
    ),
    (
        "WU201",
        BASE.replace("aws:changeInstanceState", "aws:changeInstanceStat"),
        "aws:changeInstanceStat",
        1,
    ),
    ("WU202", BASE.replace("      DesiredState: stopped\n", ""), "inputs:", 3),
    (
        "WU203",
        BASE.replace(
            "      DesiredState: stopped\n", "      DesiredState: stopped\n      Forced: true\n"
        ),
        "Forced",
        1,
    ),
    (
        "WU204",
        BASE.replace(
            "      InstanceIds:\n        - '{{ InstanceId }}'\n      DesiredState",
            "      InstanceIds: '{{ InstanceId }}'\n      DesiredState",
        ),
        "InstanceIds: '{{",
        1,
    ),
    ("WU204", BASE.replace("DesiredState: stopped", "DesiredState: [stopped]"), "DesiredState", 1),
    ("WU205", BASE.replace("        Type: String\n", "        Type: Text\n"), "Type: Text", 1),
    (
        "WU206",
        BASE.replace(
            "Selector: $.Reservations[0].Instances[0].State.Name", "Selector: Reservations[0]"
        ),
        "Selector",
        1,
    ),
    ("WU207", BASE.replace("StringEquals: running", "StringEqual: running"), "StringEqual", 1),
    ("WU301", BASE.replace("Service: ec2", "Service: ec3"), "Service: ec3", 1),
    (
        "WU302",
        BASE.replace("Api: DescribeInstances", "Api: DescribeInstance"),
        "Api: DescribeInstance",
        1,
    ),
    (
        "WU303",
        BASE.replace("Api: DescribeInstances", "Api: describe_instances"),
        "describe_instances",
        1,
    ),
    ("WU304", BASE.replace("    outputs:\n", "      MaxResult: 5\n    outputs:\n"), "MaxResult", 1),
    (
        "WU305",
        BASE.replace(
            "      Message: 'Stopping {{ InstanceId }} failed ({{ automation:EXECUTION_ID }})'\n",
            "",
        ),
        "inputs:",
        5,
    ),
    (
        "WU306",
        BASE.replace(
            "      InstanceIds:\n        - '{{ InstanceId }}'\n    outputs",
            "      InstanceIds: i-0123\n    outputs",
        ),
        "InstanceIds: i-0123",
        1,
    ),
    (
        "WU306",
        BASE.replace("    outputs:\n", "      Filters: {Name: x}\n    outputs:\n"),
        "Filters",
        1,
    ),
    ("WU307", _assert_step("$..[bad"), "PropertySelector", 1),
    ("WU401", BASE.replace("    nextStep: Done\n", "    nextStep: Dnoe\n"), "nextStep: Dnoe", 1),
    (
        "WU401",
        BASE.replace(
            "onFailure: step:Report\n    inputs:\n      InstanceIds",
            "onFailure: step:Reprt\n    inputs:\n      InstanceIds",
        ),
        "step:Reprt",
        1,
    ),
    ("WU402", BASE + ORPHAN, "name: Orphan", 1),
    ("WU403", _without_last_is_end(BASE), "name: Report", 1),
    ("WU404", BASE.replace("    nextStep: Done\n", "    nextStep: Stop\n"), "name: Stop", 1),
    ("WU406", BASE.replace("      Default: Done\n", ""), "inputs:", 2),
    (
        "WU407",
        BASE.replace(
            "    isEnd: true\n  - name: Report",
            "    isEnd: true\n    nextStep: Report\n  - name: Report",
        ),
        "nextStep: Report",
        1,
    ),
    ("WU501", BASE.replace("mode {{ Mode }}", "mode {{ Mod }}"), "{{ Mod }}", 1),
    ("WU501", BASE.replace("was {{ Describe.State }}", "was {{ Descibe.State }}"), "Descibe", 1),
    (
        "WU502",
        BASE.replace("failed ({{ automation:EXECUTION_ID }})", "failed ({{ Describe.State }})"),
        "Stopping",
        1,
    ),
    (
        "WU503",
        BASE.replace("was {{ Describe.State }}", "was {{ Describe.Status }}"),
        "Describe.Status",
        1,
    ),
    ("WU504", BASE.replace("mode {{ Mode }}", "mode {{ ssm:/ops/Mode }}"), "ssm:/ops/Mode", 1),
    ("WU505", BASE.replace("; mode {{ Mode }}", ""), "  Mode:", 1),
    (
        "WU506",
        BASE.replace("automation:EXECUTION_ID", "automation:EXECUTION"),
        "automation:EXECUTION",
        1,
    ),
    ("WU507", BASE + "outputs:\n  - Describe.Stat\n", "- Describe.Stat", 1),
    ("WU601", _child("AWS-StopEC2Instanc"), "DocumentName", 1),
    (
        "WU602",
        _child(
            "AWS-StopEC2Instance",
            "        InstanceId: ['{{ InstanceId }}']\n        Force: 'true'\n",
        ),
        "Force",
        1,
    ),
    (
        "WU603",
        _child("AWS-StopEC2Instance", "        AutomationAssumeRole: ''\n"),
        "DocumentName",
        1,
    ),
    ("WU604", _child("AWS-InstallWindowsUpdates", "        Action: Scan\n"), "DocumentName", 1),
    (
        "WU703",
        BASE.replace(
            "    onFailure: step:Report\n    inputs:\n      InstanceIds",
            "    inputs:\n      InstanceIds",
        ),
        "name: Stop",
        1,
    ),
]

LINEAR = """\
schemaVersion: '0.3'
mainSteps:
  - name: A
    action: aws:sleep
    onFailure: {target}
    inputs: {{Duration: PT1M}}
  - name: B
    action: aws:sleep
    onFailure: step:C
    inputs: {{Duration: PT1M}}
  - name: C
    action: aws:executeAwsApi
    inputs:
      Service: sns
      Api: Publish
      TopicArn: arn:aws:sns:us-east-1:123456789012:AutomationOps
      Message: done
    isEnd: true
"""

APPROVE = """\
schemaVersion: '0.3'
mainSteps:
  - name: Approve
    action: aws:approve
    onFailure: step:Tell
    inputs:
      NotificationArn: arn:aws:sns:us-east-1:123456789012:{topic}
      Approvers: [arn:aws:iam::123456789012:user/alice]
  - name: Tell
    action: aws:executeAwsApi
    inputs:
      Service: sns
      Api: Publish
      TopicArn: arn:aws:sns:us-east-1:123456789012:AutomationOps
      Message: done
    isEnd: true
"""

WAIT = """\
schemaVersion: '0.3'
parameters:
  ExecutionId: {{type: String}}
mainSteps:
  - name: Wait
    action: aws:waitForAwsResourceProperty
    onFailure: step:Tell
    inputs:
      Service: ssm
      Api: GetAutomationExecution
      AutomationExecutionId: '{{{{ ExecutionId }}}}'
      PropertySelector: $.AutomationExecution.AutomationExecutionStatus
      DesiredValues: {desired}
  - name: Tell
    action: aws:executeAwsApi
    inputs:
      Service: sns
      Api: Publish
      TopicArn: arn:aws:sns:us-east-1:123456789012:AutomationOps
      Message: done
    isEnd: true
"""

LOOP = """\
schemaVersion: '0.3'
parameters:
  Ids: {{type: StringList, default: [i-1]}}
mainSteps:
  - name: Each
    action: aws:loop
    inputs:
{loop_inputs}      Steps:
        - name: Stop
          action: aws:changeInstanceState
          inputs:
            InstanceIds: ['{{{{ Each.CurrentIteratorValue }}}}']
            DesiredState: stopped
    isEnd: true
"""

SCRIPT = """\
schemaVersion: '0.3'
mainSteps:
  - name: Run
    action: aws:executeScript
    inputs:
      Runtime: {runtime}
      Handler: handler
      Script: 'def handler(events, context): return {{}}'
    isEnd: true
"""

CASES += [
    ("WU208", LOOP.format(loop_inputs=""), "inputs:", 1),
    ("WU209", SCRIPT.format(runtime="python3.7"), "Runtime: python3.7", 1),
    (
        "WU508",
        BASE.replace("default: i-0123456789", "default: '{{ Mode }}'"),
        "default: '{{ Mode }}'",
        1,
    ),
    # What the strict embedded AWS refuses, inside a loop as well as in mainSteps.
    (
        "WU401",
        BASE.replace("        - NextStep: Stop\n", "        - NextStep: Stpo\n"),
        "NextStep: Stpo",
        1,
    ),
    (
        "WU203",
        LOOP.format(loop_inputs="      Iterators: '{{ Ids }}'\n").replace(
            "DesiredState: stopped", "DesiredState: stopped\n            Forced: true"
        ),
        "Forced: true",
        1,
    ),
    (
        "WU401",
        LOOP.format(loop_inputs="      Iterators: '{{ Ids }}'\n").replace(
            "            DesiredState: stopped\n",
            "            DesiredState: stopped\n          nextStep: Nowhere\n",
        ),
        "nextStep: Nowhere",
        1,
    ),
    (
        "WU205",
        BASE.replace("        Type: String\n", "        Type: Strings\n"),
        "Type: Strings",
        1,
    ),
]

CASES += [
    ("WU405", LINEAR.format(target="step:C"), "onFailure: step:C", 1),
    ("WU701", APPROVE.format(topic="Approvals"), "NotificationArn", 1),
    ("WU702", WAIT.format(desired="[Success]"), "DesiredValues", 1),
]

# The passing counterparts of the cases that do not break BASE itself.
PASSING = {
    "BASE": BASE,
    "assert": _assert_step("$.Reservations[0].Instances[0].State.Name"),
    "child": _child("AWS-StopEC2Instance"),
    "linear": LINEAR.format(target="step:C")
    .replace(
        "onFailure: step:C\n    inputs: {Duration: PT1M}\n  - name: B",
        "onFailure: step:B\n    inputs: {Duration: PT1M}\n  - name: B",
        1,
    )
    .replace(
        "name: A\n    action: aws:sleep\n    onFailure: step:C",
        "name: A\n    action: aws:sleep\n    onFailure: step:B",
    ),
    "approve": APPROVE.format(topic="AutomationApprovals"),
    "wait": WAIT.format(desired="[Success, Failed, Cancelled, TimedOut]"),
    "cycle with a branch": BASE.replace("    nextStep: Done\n", "    nextStep: Describe\n"),
    "loop": LOOP.format(loop_inputs="      Iterators: '{{ Ids }}'\n"),
    "script": SCRIPT.format(runtime="python3.11"),
}


@pytest.mark.parametrize(("code", "text", "marker", "occurrence"), CASES, ids=[c[0] for c in CASES])
def test_the_check_reports_its_code_on_the_line(code, text, marker, occurrence):
    findings = validate_text(text)
    expected = line_of(text, marker, occurrence)
    assert (code, expected) in [(f.code, f.line) for f in findings], [f.as_text() for f in findings]


@pytest.mark.parametrize("name", sorted(PASSING))
def test_the_passing_runbook_has_no_findings(name):
    assert [f.as_text() for f in validate_text(PASSING[name])] == []


def test_every_code_has_a_tripping_case():
    assert {c[0] for c in CASES} | {"WU101"} == set(CODES)


def test_a_syntax_error_names_line_and_column():
    with pytest.raises(LoadError) as caught:
        load_text("schemaVersion: '0.3'\nmainSteps: [a\nb: c\n", "x.yaml", "x")
    assert (caught.value.line, caught.value.col) == (3, 2)
    assert caught.value.message.startswith("not valid YAML")


def test_a_json_syntax_error_names_line_and_column():
    with pytest.raises(LoadError) as caught:
        load_text('{"schemaVersion": "0.3",\n "mainSteps": [}\n', "x.json", "x", "JSON")
    assert caught.value.line == 2
    assert caught.value.message.startswith("not valid JSON")


def test_json_findings_carry_json_lines():
    text = (
        '{\n  "schemaVersion": "0.3",\n  "mainSteps": [\n    {"name": "A", "action": "aws:sleep",\n'
        '     "inputs": {"Duraton": "PT1M"}, "isEnd": true}\n  ]\n}\n'
    )
    findings = validate_text(text, fmt="JSON")
    assert [(f.code, f.line, f.col) for f in findings] == [("WU203", 5, 17)]


def test_a_duplicate_json_key_is_reported():
    text = (
        '{"schemaVersion": "0.3", "schemaVersion": "0.3",'
        ' "mainSteps": [{"name": "A", "action": "aws:sleep", "isEnd": true}]}'
    )
    assert codes(validate_text(text, fmt="JSON")) == ["WU105"]


def test_a_step_output_set_only_on_the_success_path_is_fine_after_a_branch():
    # Describe.State is used in Done, reached only through Describe's success.
    assert validate_text(BASE) == []


def test_a_child_runbook_validated_with_the_caller_is_known_with_its_parameters():
    caller = _child("MY-Child", "        Target: x\n")
    child = (
        "schemaVersion: '0.3'\nparameters:\n  Target: {type: String}\n  Must: {type: String}\n"
        "mainSteps:\n  - {name: S, action: aws:sleep, inputs: {Duration: PT1M}, isEnd: true}\n"
    )
    findings = validate_text(caller, others={"MY-Child": child})
    assert [(f.code, f.line) for f in findings] == [("WU603", line_of(caller, "DocumentName"))]
    assert "Must" in findings[0].message


def test_the_target_parameter_counts_as_passed():
    text = BASE.replace(
        STOP_STEP,
        "    action: aws:executeAwsApi\n    onFailure: step:Report\n"
        "    inputs:\n      Service: ssm\n"
        "      Api: StartAutomationExecution\n      DocumentName: AWS-StopEC2Instance\n"
        "      TargetParameterName: InstanceId\n      Targets:\n"
        "        - Key: tag:Env\n          Values: [dev]\n",
    )
    assert validate_text(text) == []
