"""Every Automation action of the AWS reference, with its inputs and outputs.

Transcribed from the SSM User Guide's action pages (``reference`` names the page:
a file of the archived awsdocs/aws-systems-manager-user-guide repository, or a docs
URL for actions added after it was archived). Input types are the reference's own
names; where a page says "Map", "array of ... objects", "Varies" or lists several
types, the nearest of ``INPUT_TYPES`` is used and the choice is explained in the
input's description. Requiredness is the page's "Required:" line; inputs that are
only conditionally required (one of two, or per runtime) are declared optional and
the condition is in the description, since the validator cannot express "one of".
"""

from __future__ import annotations

from .registry import ActionSpec, Input, Output

_DOCS = "https://docs.aws.amazon.com/systems-manager/latest/userguide/"


def _i(name: str, type: str = "String", required: bool = False, description: str = "") -> Input:
    return Input(name, type, required, description)


def _o(name: str, type: str = "String") -> Output:
    return Output(name, type)


# The three actions that run an arbitrary AWS API share their declared inputs; the
# request parameters beside them are checked against botocore's model instead.
_AWS_API_CALL = (
    _i("Service", required=True, description="boto3 service namespace, e.g. ec2"),
    _i("Api", required=True, description="API operation name, e.g. DescribeInstances"),
)

_SPECS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "aws:approve",
        inputs=(
            _i("NotificationArn"),
            _i("Message"),
            _i("MinRequiredApprovals", "Integer", description="defaults to 1"),
            _i("Approvers", "StringList", required=True),
            # Today's page (automation-action-approve.html) adds approvals through Change
            # Manager-style approver groups; its shape is not modelled, so any value goes.
            _i("EnhancedApprovals", "Any", description="newer than the archived page"),
        ),
        outputs=(_o("ApprovalStatus"), _o("ApproverDecisions", "MapList")),
        reference="automation-action-approve.md",
        notes='the SNS topic named by NotificationArn must have a name starting with "Automation"',
    ),
    ActionSpec(
        "aws:assertAwsResourceProperty",
        inputs=(
            *_AWS_API_CALL,
            _i("PropertySelector", required=True, description="JSONPath into the API response"),
            _i("DesiredValues", "StringList", required=True),
        ),
        extra_inputs=True,
        reference="automation-action-assertAwsResourceProperty.md",
    ),
    ActionSpec(
        "aws:branch",
        inputs=(
            _i(
                "Choices",
                "MapList",
                required=True,
                description="the page states no Type/Required line; it says to specify one or more",
            ),
            _i("Default", description="step to go to when no choice is true"),
        ),
        reference="automation-action-branch.md",
    ),
    ActionSpec(
        "aws:changeInstanceState",
        inputs=(
            _i("InstanceIds", "StringList", required=True),
            _i("CheckStateOnly", "Boolean", description="true asserts the state by polling"),
            _i("DesiredState", required=True, description="running | stopped | terminated"),
            _i("Force", "Boolean"),
            _i("AdditionalInfo", description="reserved"),
            # automation-action-changestate.html's example today (not the archived page).
            _i("FailOnUnexpectedStopped", "Boolean", description="newer than the archived page"),
        ),
        reference="automation-action-changestate.md",
    ),
    ActionSpec(
        "aws:copyImage",
        inputs=(
            _i("SourceRegion", required=True),
            _i("SourceImageId", required=True),
            _i("ImageName", required=True),
            _i("ImageDescription"),
            _i("Encrypted", "Boolean"),
            _i("KmsKeyId"),
            _i("ClientToken"),
        ),
        outputs=(_o("ImageId"), _o("ImageState")),
        reference="automation-action-copyimage.md",
    ),
    ActionSpec(
        "aws:createImage",
        inputs=(
            _i("InstanceId", required=True),
            _i("ImageName", required=True),
            _i("ImageDescription"),
            _i("NoReboot", "Boolean"),
            # The page says "Map", but EC2's BlockDeviceMappings is a list of maps.
            _i("BlockDeviceMappings", "Any", description='page type "Map"'),
        ),
        outputs=(_o("ImageId"), _o("ImageState")),
        reference="automation-action-create.md",
    ),
    ActionSpec(
        "aws:createStack",
        inputs=(
            _i("Capabilities", "StringList"),
            _i("ClientRequestToken"),
            _i("DisableRollback", "Boolean", description="not together with OnFailure"),
            _i("NotificationARNs", "StringList"),
            _i("OnFailure", description="DO_NOTHING | ROLLBACK | DELETE"),
            _i("Parameters", "MapList", description="array of Parameter objects"),
            _i("ResourceTypes", "StringList"),
            _i("RoleARN"),
            _i("StackName", required=True),
            _i("StackPolicyBody", description="not together with StackPolicyURL"),
            _i("StackPolicyURL"),
            _i("Tags", "MapList", description="array of Tag objects"),
            _i("TemplateBody", description="this or TemplateURL"),
            _i("TemplateURL", description="this or TemplateBody"),
            _i("TimeoutInMinutes", "Integer"),
        ),
        outputs=(_o("StackId"), _o("StackStatus"), _o("StackStatusReason")),
        reference="automation-action-createstack.md",
    ),
    ActionSpec(
        "aws:createTags",
        inputs=(
            _i("ResourceIds", "StringList", required=True),
            _i("Tags", "MapList", required=True, description='page type "List of Maps"'),
            _i(
                "ResourceType",
                description="EC2 (default) | ManagedInstance | MaintenanceWindow | Parameter",
            ),
        ),
        reference="automation-action-createtag.md",
    ),
    ActionSpec(
        "aws:deleteImage",
        inputs=(_i("ImageId", required=True),),
        reference="automation-action-delete.md",
    ),
    ActionSpec(
        "aws:deleteStack",
        inputs=(
            _i("ClientRequestToken"),
            # The page names it in Query-API form, "RetainResources.member.N"; a runbook
            # gives the list under the plain name, as for every other list input.
            _i("RetainResources", "StringList", description='page: "RetainResources.member.N"'),
            _i("RoleARN"),
            _i("StackName", required=True),
        ),
        reference="automation-action-deletestack.md",
    ),
    ActionSpec(
        "aws:executeAutomation",
        inputs=(
            _i("DocumentName", required=True),
            _i("DocumentVersion"),
            _i("MaxConcurrency"),
            _i("MaxErrors"),
            _i("RuntimeParameters", "StringMap", description='page type "Map"'),
            _i("Tags", "MapList"),
            _i("TargetLocations", "MapList"),
            _i("TargetMaps", "MapList", description="not together with Targets"),
            _i("TargetParameterName", description="required when Targets is given"),
            _i("Targets", "MapList", description="requires TargetParameterName"),
            # Newer than the archived page; the StartAutomationExecution parameter it maps to.
            _i("TargetLocationsURL", description="StartAutomationExecution parameter"),
        ),
        outputs=(_o("Output", "StringList"), _o("ExecutionId"), _o("Status")),
        reference="automation-action-executeAutomation.md",
    ),
    ActionSpec(
        "aws:executeAwsApi",
        inputs=_AWS_API_CALL,
        extra_inputs=True,
        reference="automation-action-executeAwsApi.md",
        notes="has no outputs of its own: each step declares Name, Selector and Type",
    ),
    ActionSpec(
        "aws:executeScript",
        inputs=(
            _i("Runtime", required=True),
            _i("Handler", description="required for Python runtimes, unsupported for PowerShell"),
            # The page says "Type: String" yet describes a JSON or YAML object and every
            # example passes a map, so both are accepted.
            _i("InputPayload", "Any", description='page type "String"; examples pass a map'),
            _i("Script", description="required for PowerShell unless Attachment is given"),
            _i("Attachment"),
        ),
        outputs=(_o("Payload", "Any"), _o("OutputPayload")),
        reference="automation-action-executeScript.md",
        notes=(
            'the page names the output "Payload" (selectors read $.Payload); the service '
            "records it in the step's outputs as OutputPayload, a JSON string"
        ),
    ),
    ActionSpec(
        "aws:executeStateMachine",
        inputs=(
            _i("stateMachineArn", required=True),
            _i("name"),
            _i("input", description="JSON text"),
        ),
        outputs=(
            _o("executionArn"),
            _o("input"),
            _o("name"),
            _o("output"),
            _o("startDate"),
            _o("stateMachineArn"),
            _o("status"),
            _o("stopDate"),
        ),
        reference="automation-action-executeStateMachine.md",
        notes="input and output names are lower camel case, unlike every other action",
    ),
    ActionSpec(
        "aws:invokeLambdaFunction",
        inputs=(
            _i("FunctionName", required=True),
            _i("Qualifier"),
            _i("InvocationType", description="Event | RequestResponse (default) | DryRun"),
            _i("LogType", description="None | Tail"),
            _i("ClientContext", description="the page gives no type; Lambda takes a string"),
            _i("InputPayload", "StringMap", description="wins over Payload when both are given"),
            _i("Payload", description="JSON text"),
        ),
        outputs=(
            _o("StatusCode", "Integer"),
            _o("FunctionError"),
            _o("LogResult"),
            _o("Payload"),
            # Not on the page: AWS's own runbooks (AWSSupport-TroubleshootGlueConnection)
            # read the function's response as OutputPayload, as for aws:executeScript.
            _o("OutputPayload"),
        ),
        reference="automation-action-lamb.md",
    ),
    ActionSpec(
        "aws:invokeWebhook",
        inputs=(_i("IntegrationName", required=True), _i("Body")),
        outputs=(_o("Response"), _o("ResponseCode", "Integer")),
        reference=_DOCS + "invoke-webhook.html",
    ),
    ActionSpec(
        "aws:loop",
        inputs=(
            _i("Iterators", "StringList", description="for-each loop; not with LoopCondition"),
            _i("IteratorDataType", description="Boolean | Integer | String (default) | StringMap"),
            _i("LoopCondition", "Any", description="do-while loop: a Variable and an operator"),
            _i("MaxIterations", "Integer"),
            _i("Steps", "MapList", required=True, description="the nested steps"),
        ),
        outputs=(_o("CurrentIteration", "Integer"), _o("CurrentIteratorValue", "Any")),
        reference=_DOCS + "automation-action-loop.html",
        notes="one of Iterators or LoopCondition; at most 100 iterations",
    ),
    ActionSpec(
        "aws:pause",
        # The page shows "inputs: {}"; AWS's own runbooks pass a Message (shown while the
        # run waits), and AWS accepts them.
        inputs=(_i("Message", description="not on the page; AWS's own runbooks pass it"),),
        reference="automation-action-pause.md",
        notes="waits until SendAutomationSignal sends Resume",
    ),
    ActionSpec(
        "aws:runCommand",
        inputs=(
            _i("DocumentName", required=True),
            _i("InstanceIds", "StringList", description="this or Targets"),
            _i("Targets", "MapList", description="this or InstanceIds"),
            _i("Parameters", "StringMap", description='page type "Map"'),
            _i("CloudWatchOutputConfig", "StringMap"),
            _i("Comment"),
            _i("DocumentHash"),
            _i("DocumentHashType", description="Sha256 | Sha1"),
            _i("NotificationConfig", "Any", description="the page gives no type; an object"),
            _i("OutputS3BucketName"),
            _i("OutputS3KeyPrefix"),
            _i("ServiceRoleArn"),
            _i("TimeoutSeconds", "Integer", description="delivery timeout, not the step's"),
            # Not listed on the page, which says only that the action takes "most"
            # SendCommand parameters; rate control and version pinning are among them.
            _i("DocumentVersion", description="SendCommand parameter"),
            _i("MaxConcurrency", description="SendCommand parameter"),
            _i("MaxErrors", description="SendCommand parameter"),
        ),
        outputs=(
            _o("CommandId"),
            _o("Status"),
            _o("ResponseCode", "Integer"),
            _o("Output"),
        ),
        reference="automation-action-runcommand.md",
        notes="Automation keeps the output of only one Run Command action at a time",
    ),
    ActionSpec(
        "aws:runInstances",
        inputs=(
            _i("AdditionalInfo", description="reserved"),
            _i("BlockDeviceMappings", "MapList"),
            _i("ClientToken"),
            _i("DisableApiTermination", "Boolean"),
            _i("EbsOptimized", "Boolean"),
            _i("IamInstanceProfileArn"),
            _i("IamInstanceProfileName"),
            _i("ImageId", required=True),
            _i("InstanceInitiatedShutdownBehavior"),
            _i("InstanceType", description="m1.small when omitted"),
            _i("KernelId"),
            _i("KeyName"),
            # The page types both counts as String but its own example passes integers.
            _i("MaxInstanceCount", "Any", description='page type "String"; example passes 1'),
            _i("MetadataOptions", "StringMap"),
            _i("MinInstanceCount", "Any", description='page type "String"; example passes 1'),
            _i("Monitoring", "Boolean"),
            _i("NetworkInterfaces", "MapList"),
            _i("Placement", "StringMap"),
            _i("PrivateIpAddress"),
            _i("RamdiskId"),
            _i("SecurityGroupIds", "StringList"),
            _i("SecurityGroups", "StringList"),
            _i("SubnetId"),
            _i("TagSpecifications", "MapList"),
            _i("UserData", description="Base64-encoded"),
        ),
        outputs=(_o("InstanceIds", "StringList"), _o("InstanceStates", "StringList")),
        reference="automation-action-runinstance.md",
    ),
    ActionSpec(
        "aws:sleep",
        inputs=(
            _i("Duration", description="ISO 8601 duration; this or Timestamp"),
            _i("Timestamp", description="ISO 8601 timestamp; this or Duration"),
        ),
        reference="automation-action-sleep.md",
        notes="at most 604799 seconds (7 days)",
    ),
    ActionSpec(
        "aws:updateVariable",
        inputs=(
            _i("Name", required=True, description="variable:<name>"),
            _i("Value", "Any", required=True, description="must match the variable's type"),
        ),
        reference=_DOCS + "automation-action-update-variable.html",
    ),
    ActionSpec(
        "aws:waitForAwsResourceProperty",
        inputs=(
            *_AWS_API_CALL,
            # The page lists six types for PropertySelector, an evident copy of an output
            # Type line: it is a JSONPath, a String on the assert action's page.
            _i("PropertySelector", required=True, description="JSONPath into the API response"),
            _i("DesiredValues", "Any", required=True, description='page type "Varies"'),
        ),
        extra_inputs=True,
        reference="automation-action-waitForAwsResourceProperty.md",
    ),
)

ACTION_SPECS: dict[str, ActionSpec] = {spec.name: spec for spec in _SPECS}
