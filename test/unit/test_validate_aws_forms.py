"""Forms AWS accepts in its own runbooks are never errors (issue 15), and what is only
uncertain is a warning: severity is certainty.

Each false-error class found in AWS's own runbooks is pinned here by a small runbook
of our own (the AWS runbooks stay out of the project). The comment on each test names
the page, or the AWS runbook, that shows AWS accepts the form.
"""

from __future__ import annotations

import pytest
from validate_support import validate_text

from winupdate.documents.findings import ERROR, WARNING


def _runbook(steps: str, parameters: str = "", extra: str = "") -> str:
    head = "schemaVersion: '0.3'\n"
    if parameters:
        head += "parameters:\n" + parameters
    return head + extra + "mainSteps:\n" + steps


def _by_code(findings) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        out.setdefault(f.code, set()).add(f.severity)
    return out


def _errors(findings) -> list[str]:
    return [f.as_text() for f in findings if f.severity == ERROR]


SLEEP_END = "    action: aws:sleep\n    inputs: {Duration: PT1S}\n    isEnd: true\n"


# --- WU502: an output not set on every path ------------------------------------------

BRANCHED_USE = _runbook(
    """\
  - name: Make
    action: aws:executeAwsApi
    onFailure: step:Use
    inputs: {Service: ec2, Api: DescribeRegions}
    outputs: [{Name: First, Selector: '$.Regions[0].RegionName', Type: String}]
  - name: Use
    action: aws:sleep
    inputs: {Duration: 'PT{{ Make.First }}S'}
    isEnd: true
"""
)


def test_an_output_missing_on_some_path_is_a_warning():
    # AWS does not check this at CreateDocument; a run fails only if it takes the path
    # on which Make failed (the WU502 class, 420+ errors on AWS's runbooks).
    assert _by_code(validate_text(BRANCHED_USE)) == {"WU502": {WARNING}}


def test_an_output_no_path_sets_before_a_step_every_run_passes_is_an_error():
    text = _runbook(
        """\
  - name: Use
    action: aws:sleep
    inputs: {Duration: 'PT{{ Make.First }}S'}
  - name: Make
    action: aws:executeAwsApi
    inputs: {Service: ec2, Api: DescribeRegions}
    outputs: [{Name: First, Selector: '$.Regions[0].RegionName', Type: String}]
    isEnd: true
"""
    )
    assert _by_code(validate_text(text)) == {"WU502": {ERROR}}


def test_an_output_no_path_sets_on_a_failure_path_only_is_a_warning():
    # Assumed: only runs whose Try fails reach Recover, so only they fail.
    # AWSSupport-CloneXenEC2WinInstanceAndMigrateToNitro has such a use.
    text = _runbook(
        """\
  - name: Try
    action: aws:sleep
    onFailure: step:Recover
    inputs: {Duration: PT1S}
    nextStep: Make
  - name: Recover
    action: aws:sleep
    inputs: {Duration: 'PT{{ Make.First }}S'}
    isEnd: true
  - name: Make
    action: aws:executeAwsApi
    inputs: {Service: ec2, Api: DescribeRegions}
    outputs: [{Name: First, Selector: '$.Regions[0].RegionName', Type: String}]
    isEnd: true
"""
    )
    assert _by_code(validate_text(text)) == {"WU502": {WARNING}}


# --- allowedPattern is a Java regular expression --------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[\w-\/]+$",  # a class shorthand before '-' is a literal '-' in Java
        r"^[\w-_+=.@\/]*$",
        r"^\{[\p{L}\p{Z}\p{N}_.:\/=\+\-@\"',\[\]]*\}$",  # Unicode properties
        r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*",  # surrogate pairs
        r"^\p{Alpha}+\Q.x\E$",  # POSIX class and quoting
    ],
)
def test_a_java_pattern_python_re_refuses_is_accepted(pattern):
    # documents-syntax-data-elements-parameters.md: "The first validation is performed
    # using the Java regex library"; AWSConfigRemediation-* runbooks use [\w-\/].
    text = _runbook(
        "  - name: S\n    action: aws:sleep\n    inputs: {Duration: 'PT{{P}}S'}\n    isEnd: true\n",
        "  P:\n    type: String\n    allowedPattern: '" + pattern.replace("'", "''") + "'\n",
    )
    assert validate_text(text) == []


def test_an_empty_default_need_not_match_the_pattern_or_the_allowed_values():
    # documents-syntax-data-elements-parameters.md's own example pairs default: '' with
    # allowedPattern "^i-[a-z0-9]{8,17}$"; the pattern is applied to "the user input".
    params = (
        "  A: {type: String, default: '', allowedPattern: '^i-[a-z0-9]{8,17}$'}\n"
        "  B: {type: String, default: '', allowedValues: [x, y]}\n"
    )
    steps = "  - name: S\n    action: aws:sleep\n    inputs: {Duration: 'PT{{A}}{{B}}S'}\n"
    assert validate_text(_runbook(steps + "    isEnd: true\n", params)) == []


def test_a_default_that_misses_the_pattern_is_a_warning_and_a_broken_pattern_an_error():
    steps = "  - name: S\n    action: aws:sleep\n    inputs: {Duration: 'PT{{A}}{{B}}S'}\n"
    params = (
        "  A: {type: String, default: x-1, allowedPattern: '^i-[a-z0-9]+$'}\n"
        "  B: {type: String, allowedPattern: '^i-[a-z'}\n"
    )
    findings = [f for f in validate_text(_runbook(steps + "    isEnd: true\n", params))]
    assert sorted((f.code, f.severity) for f in findings) == [
        ("WU114", ERROR),
        ("WU114", WARNING),
    ]


# --- selectors, Api names, request members --------------------------------------------


def test_selectors_without_a_leading_dollar_are_warnings():
    # AWSSupport-ResetLinuxUserPassword: Selector 'SnapshotId', PropertySelector
    # 'Volumes[0].State'; AWS accepted and runs them.
    text = _runbook(
        """\
  - name: Get
    action: aws:executeAwsApi
    inputs: {Service: ec2, Api: DescribeVolumes}
    outputs: [{Name: Id, Selector: 'Volumes[0].VolumeId', Type: String}]
  - name: Wait
    action: aws:waitForAwsResourceProperty
    inputs:
      Service: ec2
      Api: DescribeVolumes
      VolumeIds: ['{{ Get.Id }}']
      PropertySelector: Volumes[0].State
      DesiredValues: [available]
    isEnd: true
"""
    )
    assert _by_code(validate_text(text)) == {"WU206": {WARNING}, "WU307": {WARNING}}


def test_a_lower_camel_case_api_name_is_a_warning():
    # AWSDocs-LambdaWithS3SSMDocument calls s3 deleteObject.
    text = _runbook(
        "  - name: Del\n    action: aws:executeAwsApi\n    inputs:\n"
        "      {Service: s3, Api: deleteObject, Bucket: b, Key: k}\n    isEnd: true\n"
    )
    assert _by_code(validate_text(text)) == {"WU303": {WARNING}}


def test_request_forms_aws_runbooks_use_are_warnings_or_fine():
    # AWSConfigRemediation-EnableVPCFlowLogsToS3Bucket passes Filters to DescribeFlowLogs
    # (member Filter); AWSEC2-CloneInstanceAndUpgradeSQLServer passes InstanceIds: null;
    # automation-variables.md passes ["{{LaunchInstance.InstanceIds}}"] (a StringList as
    # a list's item); AWS-CreateDSManagementInstance passes a one-item list for a string.
    text = _runbook(
        """\
  - name: Flow
    action: aws:executeAwsApi
    inputs:
      Service: ec2
      Api: DescribeFlowLogs
      Filters: [{Name: flow-log-id, Values: ['{{ Ids }}']}]
  - name: Desc
    action: aws:executeAwsApi
    inputs: {Service: ec2, Api: DescribeInstances, InstanceIds: null}
  - name: Tag
    action: aws:executeAwsApi
    inputs: {Service: iam, Api: GetInstanceProfile, InstanceProfileName: ['{{ Name }}']}
    isEnd: true
""",
        "  Ids: {type: StringList}\n  Name: {type: String}\n",
    )
    assert _by_code(validate_text(text)) == {"WU304": {WARNING}, "WU306": {WARNING}}


def test_a_list_variable_for_a_string_input_is_a_warning_and_a_literal_list_an_error():
    # AWS-UpdateLinuxAmi passes runInstances' StringList InstanceIds to aws:createImage's
    # String InstanceId; a literal list cannot be one string.
    text = _runbook(
        """\
  - name: Launch
    action: aws:runInstances
    inputs: {ImageId: ami-1}
  - name: Image
    action: aws:createImage
    inputs: {InstanceId: '{{ Launch.InstanceIds }}', ImageName: [a, b]}
    isEnd: true
"""
    )
    assert sorted((f.code, f.severity) for f in validate_text(text)) == [
        ("WU204", ERROR),
        ("WU204", WARNING),
    ]


# --- aws:loop, variables, aws:updateVariable -----------------------------------------

LOOPED = _runbook(
    """\
  - name: Each
    action: aws:loop
    inputs:
      MaxIterations: 3
      LoopCondition:
        Variable: '{{ Check.Done }}'
        BooleanEquals: false
      Steps:
        - name: Check
          action: aws:executeAwsApi
          onFailure: step:Failed
          onCancel: step:Failed
          inputs: {Service: ec2, Api: DescribeRegions}
          outputs: [{Name: Done, Selector: '$.Regions[0].OptInStatus', Type: Boolean}]
        - name: Count
          action: aws:updateVariable
          inputs: {Name: 'variable:Passes', Value: '{{ Each.CurrentIteration }}'}
          isEnd: true
    nextStep: Done
  - name: Done
"""
    + SLEEP_END
    # onCancel moves here, so not an aws:sleep step: automation-actions.md, onCancel "doesn't
    # support moving to" aws:sleep (nor aws:approve, aws:pause, aws:createImage, ...).
    + "  - name: Failed\n    action: aws:executeAwsApi\n"
    + "    inputs: {Service: ec2, Api: DescribeRegions}\n    isEnd: true\n",
    extra="variables:\n  Passes: {type: Integer, default: 0}\n",
)


def test_a_loop_its_nested_jumps_out_and_its_condition_on_nested_outputs_are_fine():
    # automation-action-loop.html: the loop "inherits" its steps' onFailure, and onCancel
    # "can only be used for steps defined within a loop"; AWS-OrchestrateUnmanagedEC2Actions
    # sends nested onFailure to a main step and reads a nested output in LoopCondition.
    # automation-action-update-variable.html: Name is variable:<name>.
    assert [f.as_text() for f in validate_text(LOOPED)] == []


@pytest.mark.parametrize(
    ("action", "inputs"),
    [
        # automation-action-changestate.html's example today
        (
            "aws:changeInstanceState",
            "{InstanceIds: [i-1], DesiredState: running, FailOnUnexpectedStopped: true}",
        ),
        # AWSResilienceHub-PromoteRdsReadReplicaSOP_2020-04-01 passes a Message to aws:pause
        ("aws:pause", "{Message: wait for traffic}"),
        # issue 15 names EnhancedApprovals among aws:approve's inputs today
        (
            "aws:approve",
            "{Approvers: ['arn:aws:iam::123456789012:role/A'], EnhancedApprovals: {}}",
        ),
    ],
)
def test_todays_inputs_of_an_action_are_known(action, inputs):
    text = _runbook(f"  - name: S\n    action: {action}\n    inputs: {inputs}\n    isEnd: true\n")
    assert "WU203" not in _by_code(validate_text(text))


def test_a_lambda_steps_output_payload_is_an_output():
    # AWSSupport-TroubleshootGlueConnection reads {{ RunEndpointChecks.OutputPayload }} of
    # an aws:invokeLambdaFunction step.
    text = _runbook(
        """\
  - name: Call
    action: aws:invokeLambdaFunction
    inputs: {FunctionName: f}
  - name: Use
    action: aws:sleep
    inputs: {Duration: 'PT{{ Call.OutputPayload }}S'}
    isEnd: true
"""
    )
    assert validate_text(text) == []


def test_a_default_may_use_system_variables_and_a_parameter_with_a_warning():
    # AWS-UpdateLinuxAmi: TargetAmiName defaults to "..._{{SourceAmiId}}_on_{{global:DATE_TIME}}";
    # automation-variables.md lists cross-referencing parameters as unsupported.
    params = (
        "  Source: {type: String, default: ami-1}\n"
        "  Name: {type: String, default: 'x_{{Source}}_{{global:DATE_TIME}}_"
        "{{automation:EXECUTION_ID}}'}\n"
    )
    steps = "  - name: S\n    action: aws:sleep\n    inputs: {Duration: 'PT{{Name}}S'}\n"
    assert _by_code(validate_text(_runbook(steps + "    isEnd: true\n", params))) == {
        "WU508": {WARNING}
    }


# --- other documents -----------------------------------------------------------------


def test_aws_owned_documents_called_by_name_are_not_unknown_documents():
    # botocore's ssm model, CreateDocument Name: aws, amazon, amzn, AWSEC2,
    # AWSConfigRemediation and AWSSupport are prefixes "reserved by Amazon Web Services".
    step = (
        "  - name: {name}\n    action: aws:executeAutomation\n"
        "    inputs: {{DocumentName: {doc}, RuntimeParameters: {{X: y}}}}\n"
    )
    text = _runbook(
        step.format(name="A", doc="AWSSupport-SomethingNew")
        + step.format(name="B", doc="AmazonCloudWatch-ManageAgent")
        + step.format(name="C", doc="Team-Child")
        + "    isEnd: true\n"
    )
    findings = validate_text(text)
    assert [(f.code, f.severity) for f in findings] == [("WU601", WARNING)]
    assert "Team-Child" in findings[0].message


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "schemaVersion: '2.2'\nmainSteps:\n  - action: aws:runShellScript\n"
            "    name: run\n    inputs: {runCommand: [date]}\n",
            "Command",
        ),
        (
            "schemaVersion: '0.3'\ntemplateInformation: x\nexecutableRunBooks:\n"
            "  - {name: AWS-HelloWorld, version: '1'}\nemergencyChange: false\n"
            "mainSteps:\n  - name: Approve\n    action: aws:approve\n"
            "    inputs: {Approvers: ['{{Approver}}']}\n",
            "Change Manager",
        ),
    ],
)
def test_a_document_that_is_not_a_runbook_gets_one_line(text, kind):
    findings = validate_text(text)
    assert [(f.code, f.severity) for f in findings] == [("WU103", WARNING)]
    assert kind in findings[0].message and "not an Automation runbook" in findings[0].message


def test_an_undocumented_action_is_a_warning_only_in_an_aws_named_document():
    # AWSEC2-CloneInstanceAndUpgradeWindows uses aws:putServerUpgradeMetrics; a user's
    # runbook cannot (AWS refuses unknown actions at CreateDocument).
    text = _runbook(
        "  - name: M\n    action: aws:putServerUpgradeMetrics\n    inputs: {}\n    isEnd: true\n"
    )
    assert [(f.code, f.severity) for f in validate_text(text, name="AWSEC2-Mine")] == [
        ("WU201", WARNING)
    ]
    assert [(f.code, f.severity) for f in validate_text(text, name="mine")] == [("WU201", ERROR)]


@pytest.mark.parametrize("runtime", ["python3.6", "python3.7", "python3.8"])
def test_a_retired_script_runtime_is_an_error_of_its_own(runtime):
    # The one known exception: AWS no longer creates or runs scripts on these.
    text = _runbook(
        f"  - name: R\n    action: aws:executeScript\n    inputs:\n      Runtime: {runtime}\n"
        "      Handler: h\n      Script: 'def h(e, c): return 1'\n    isEnd: true\n"
    )
    assert [(f.code, f.severity) for f in validate_text(text)] == [("WU209", ERROR)]


def test_no_error_in_the_forms_above_when_validated_as_one_runbook():
    assert _errors(validate_text(LOOPED)) == [] and _errors(validate_text(BRANCHED_USE)) == []
