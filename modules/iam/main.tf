data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  account   = data.aws_caller_identity.current.account_id

  # Built from names, not from resource attributes, so the ARN is known at plan time
  # and the runbooks that carry it never wait on the role.
  role_arn     = "arn:${local.partition}:iam::${local.account}:role/${var.name}"
  instance_arn = "arn:${local.partition}:ec2:${local.region}:${local.account}:instance/*"
  image_arn    = "arn:${local.partition}:ec2:${local.region}::image/*"
  snapshot_arn = "arn:${local.partition}:ec2:${local.region}::snapshot/*"
  volume_arn   = "arn:${local.partition}:ec2:${local.region}:${local.account}:volume/*"
  task_arn     = "arn:${local.partition}:ec2:${local.region}:${local.account}:replace-root-volume-task/*"

  # A hook's document: an ARN as given; AWS's own documents (AWS-…, AWSEC2-…) have no
  # account in their ARN; the account's own documents have it.
  hook_document_arns = [
    for name in var.hook_document_names : (
      startswith(name, "arn:") ? name :
      startswith(name, "AWS") ? "arn:${local.partition}:ssm:${local.region}::document/${name}" :
      "arn:${local.partition}:ssm:${local.region}:${local.account}:document/${name}"
    )
  ]

  # The tags a restore puts on what it makes or replaces (documents/Restore.yaml): these
  # keys and no other, the execution always named.
  restore_tags_condition = {
    "ForAllValues:StringEquals" = { "aws:TagKeys" = ["ReplacedBy", "RestoredFrom"] }
    Null                        = { "aws:RequestTag/ReplacedBy" = "false", "aws:RequestTag/RestoredFrom" = "false" }
  }
  before_image_condition = { StringEquals = { "aws:ResourceTag/Phase" = "UpdateBefore" } }

  # The tags CreateImage asks for (documents/CreateImage.yaml's TagSpecifications): these
  # keys and no other, each one present, Phase one of the module's two.
  run_tags_condition = {
    "ForAllValues:StringEquals" = { "aws:TagKeys" = ["AutomationExecutionId", "InstanceId", "Phase"] }
    StringEquals                = { "aws:RequestTag/Phase" = ["UpdateAfter", "UpdateBefore"] }
    Null                        = { "aws:RequestTag/AutomationExecutionId" = "false", "aws:RequestTag/InstanceId" = "false" }
  }

  target_tag_condition = {
    StringEquals = { "aws:ResourceTag/${var.target_tag_key}" = var.target_tag_value }
  }

  statements = concat(
    [
      {
        # Describe and list calls support no resource-level permissions.
        Sid    = "ReadOnlyWithoutResourceLevelPermissions"
        Effect = "Allow"
        Action = [
          "ec2:DescribeImages",
          "ec2:DescribeInstanceStatus",
          "ec2:DescribeInstances",
          "ec2:DescribeReplaceRootVolumeTasks",
          "ec2:DescribeVolumes",
          "ssm:DescribeAutomationExecutions",
          "ssm:DescribeInstanceInformation",
          "ssm:GetCommandInvocation",
          "ssm:ListCommandInvocations",
          "ssm:ListCommands",
          "tag:GetResources",
        ]
        Resource = "*"
      },
      {
        Sid      = "ReadAutomationExecutions"
        Effect   = "Allow"
        Action   = ["ssm:DescribeAutomationStepExecutions", "ssm:GetAutomationExecution"]
        Resource = "arn:${local.partition}:ssm:${local.region}:${local.account}:automation-execution/*"
      },
      {
        Sid      = "ReadOwnParameters"
        Effect   = "Allow"
        Action   = ["ssm:GetParameter", "ssm:GetParameters"]
        Resource = [for name in var.parameter_names : "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter/${trimprefix(name, "/")}"]
      },
      {
        Sid       = "StartStopAndImageTaggedInstances"
        Effect    = "Allow"
        Action    = ["ec2:CreateImage", "ec2:StartInstances", "ec2:StopInstances"]
        Resource  = local.instance_arn
        Condition = local.target_tag_condition
      },
      {
        # Only images (and their snapshots) that carry the run's tags from the moment they
        # exist: a Phase of this module and an instance and execution id, no other key.
        Sid       = "CreateImagesAndSnapshots"
        Effect    = "Allow"
        Action    = ["ec2:CreateImage"]
        Resource  = [local.image_arn, local.snapshot_arn]
        Condition = local.run_tags_condition
      },
      {
        # Tags only at creation (EC2 user guide, "Grant permission to tag resources during
        # creation"): the role cannot tag an image that someone else made, so it cannot give
        # one the Phase tag that DeleteOwnImagesAndSnapshots asks for.
        Sid      = "TagImagesAndSnapshotsWithRunTags"
        Effect   = "Allow"
        Action   = ["ec2:CreateTags"]
        Resource = [local.image_arn, local.snapshot_arn]
        Condition = merge(local.run_tags_condition, {
          StringEquals = merge(local.run_tags_condition.StringEquals, { "ec2:CreateAction" = "CreateImage" })
        })
      },
      {
        Sid      = "SendInstallWindowsUpdates"
        Effect   = "Allow"
        Action   = ["ssm:SendCommand"]
        Resource = "arn:${local.partition}:ssm:${local.region}::document/AWS-InstallWindowsUpdates"
      },
    ],
    [
      for arns in [local.hook_document_arns] : {
        Sid      = "SendHookDocuments"
        Effect   = "Allow"
        Action   = ["ssm:SendCommand"]
        Resource = arns
      } if length(arns) > 0
    ],
    [
      {
        Sid       = "SendCommandToTaggedInstances"
        Effect    = "Allow"
        Action    = ["ssm:SendCommand"]
        Resource  = local.instance_arn
        Condition = { StringEquals = { "ssm:resourceTag/${var.target_tag_key}" = var.target_tag_value } }
      },
      {
        # The restore (documents/Restore.yaml): a root volume replacement of a tagged
        # instance from an AMI before (Phase UpdateBefore), the task and nothing else
        # tagged at creation.
        Sid       = "ReplaceRootVolumeOfTaggedInstances"
        Effect    = "Allow"
        Action    = ["ec2:CreateReplaceRootVolumeTask"]
        Resource  = local.instance_arn
        Condition = local.target_tag_condition
      },
      {
        # The image only: the Service Authorization Reference's snapshot row of
        # CreateReplaceRootVolumeTask is the SnapshotId source (a snapshot of the root
        # volume's lineage, ec2:ParentVolume); a request from an AMI names no snapshot.
        Sid       = "ReplaceRootVolumeFromImagesBefore"
        Effect    = "Allow"
        Action    = ["ec2:CreateReplaceRootVolumeTask"]
        Resource  = local.image_arn
        Condition = local.before_image_condition
      },
      {
        Sid      = "ReplaceRootVolumeTasksAndVolumes"
        Effect   = "Allow"
        Action   = ["ec2:CreateReplaceRootVolumeTask"]
        Resource = [local.task_arn, local.volume_arn]
      },
      {
        # Data volumes from an AMI before's snapshots only, tagged with the restore's tags.
        Sid       = "CreateVolumesFromImagesBefore"
        Effect    = "Allow"
        Action    = ["ec2:CreateVolume"]
        Resource  = local.snapshot_arn
        Condition = local.before_image_condition
      },
      {
        Sid       = "CreateVolumesWithRestoreTags"
        Effect    = "Allow"
        Action    = ["ec2:CreateVolume"]
        Resource  = local.volume_arn
        Condition = local.restore_tags_condition
      },
      {
        Sid       = "TagWithRestoreTags"
        Effect    = "Allow"
        Action    = ["ec2:CreateTags"]
        Resource  = [local.volume_arn, local.task_arn]
        Condition = local.restore_tags_condition
      },
      {
        # Attach and detach need both the instance and the volume: the instance must carry
        # the target tag; an attached volume must be one the restore made.
        Sid       = "AttachAndDetachVolumesOfTaggedInstances"
        Effect    = "Allow"
        Action    = ["ec2:AttachVolume", "ec2:DetachVolume"]
        Resource  = local.instance_arn
        Condition = local.target_tag_condition
      },
      {
        Sid       = "AttachVolumesTheRestoreMade"
        Effect    = "Allow"
        Action    = ["ec2:AttachVolume"]
        Resource  = local.volume_arn
        Condition = { Null = { "aws:ResourceTag/ReplacedBy" = "false" } }
      },
      {
        Sid      = "DetachVolumes"
        Effect   = "Allow"
        Action   = ["ec2:DetachVolume"]
        Resource = local.volume_arn
      },
      {
        # DeleteReplacedVolumes=true: only volumes that a restore replaced (it tags them).
        Sid       = "DeleteReplacedVolumes"
        Effect    = "Allow"
        Action    = ["ec2:DeleteVolume"]
        Resource  = local.volume_arn
        Condition = { Null = { "aws:ResourceTag/ReplacedBy" = "false" } }
      },
      {
        Sid      = "StartOwnRunbooks"
        Effect   = "Allow"
        Action   = ["ssm:StartAutomationExecution"]
        Resource = [for name in sort(values(var.document_names)) : "arn:${local.partition}:ssm:${local.region}:${local.account}:automation-definition/${name}:*"]
      },
      {
        Sid       = "PassOwnRoleToSsm"
        Effect    = "Allow"
        Action    = ["iam:PassRole"]
        Resource  = local.role_arn
        Condition = { StringEquals = { "iam:PassedToService" = "ssm.amazonaws.com" } }
      },
      {
        Sid      = "PublishToOwnTopic"
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = var.sns_topic_arn
      },
    ],
    # fan_out = "window": the Start runbook arms the run window (modules/run-window) after
    # its approval, waits for its execution, reads its invocations and disarms it.
    [
      for enabled in [var.arm_run_window] : {
        Sid    = "ArmOwnRunWindow"
        Effect = "Allow"
        Action = [
          "ssm:CancelMaintenanceWindowExecution",
          "ssm:DescribeMaintenanceWindowExecutions",
          "ssm:DescribeMaintenanceWindowTargets",
          "ssm:DescribeMaintenanceWindowTasks",
          "ssm:GetMaintenanceWindow",
          "ssm:UpdateMaintenanceWindow",
        ]
        Resource = var.run_window_arn
      } if enabled
    ],
    [
      for enabled in [var.arm_run_window] : {
        # The window's ARN and the task's (or target's) are both required resources of
        # these: the window's own ARN keeps them to this window's task and target.
        Sid    = "SetOwnRunWindowTaskAndTarget"
        Effect = "Allow"
        Action = ["ssm:UpdateMaintenanceWindowTarget", "ssm:UpdateMaintenanceWindowTask"]
        Resource = [
          var.run_window_arn,
          "arn:${local.partition}:ssm:${local.region}:${local.account}:windowtarget/*",
          "arn:${local.partition}:ssm:${local.region}:${local.account}:windowtask/*",
        ]
      } if enabled
    ],
    [
      for enabled in [var.arm_run_window] : {
        # These support no resource-level permissions (the run window is found by its name).
        Sid    = "ReadRunWindowExecutions"
        Effect = "Allow"
        Action = [
          "ssm:DescribeMaintenanceWindowExecutionTaskInvocations",
          "ssm:DescribeMaintenanceWindowExecutionTasks",
          "ssm:DescribeMaintenanceWindows",
          "ssm:GetMaintenanceWindowExecution",
        ]
        Resource = "*"
      } if enabled
    ],
    [
      for enabled in [var.arm_run_window] : {
        # A cancelled run cancels the per-instance runs its window started (they are no
        # children of it, so Automation does not): executions carry no tag to scope it by.
        Sid      = "StopRunWindowRuns"
        Effect   = "Allow"
        Action   = ["ssm:StopAutomationExecution"]
        Resource = "arn:${local.partition}:ssm:${local.region}:${local.account}:automation-execution/*"
      } if enabled
    ],
    [
      for arn in compact([var.kms_key_arn]) : {
        Sid      = "UseTopicKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = arn
      }
    ],
    [
      for enabled in [var.enable_ami_retention] : {
        Sid       = "DeleteOwnImagesAndSnapshots"
        Effect    = "Allow"
        Action    = ["ec2:DeleteSnapshot", "ec2:DeregisterImage"]
        Resource  = [local.image_arn, local.snapshot_arn]
        Condition = { StringEquals = { "aws:ResourceTag/Phase" = ["UpdateAfter", "UpdateBefore"] } }
      } if enabled
    ],
  )

  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })

  # What the instances' SSM agent needs to keep Run Command's output where command_output
  # says (Run Command: "Configuring Amazon CloudWatch Logs for Run Command"; S3: the agent
  # puts <prefix>/<command id>/<instance id>/<plugin>/stdout|stderr objects).
  output_bucket    = var.command_output.s3_bucket_name
  output_log_group = var.command_output.cloudwatch_log_group_name
  output_key_arn   = local.output_bucket == null ? null : "arn:${local.partition}:s3:::${local.output_bucket}/${var.command_output.s3_key_prefix}*"
  output_group_arn = local.output_log_group == null ? null : "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${local.output_log_group}"
  output_statements = concat(
    [
      for arn in compact([local.output_key_arn]) : {
        Sid      = "PutCommandOutput"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = arn
      }
    ],
    [
      for bucket in compact([local.output_bucket]) : {
        # The agent reads the bucket's default encryption before it uploads (AWS's example
        # instance policy for Run Command output).
        Sid      = "ReadCommandOutputBucketEncryption"
        Effect   = "Allow"
        Action   = ["s3:GetEncryptionConfiguration"]
        Resource = "arn:${local.partition}:s3:::${bucket}"
      }
    ],
    [
      for arn in compact([local.output_group_arn]) : {
        # The group (made if it is missing) and its streams: <command id>/<instance id>/
        # <plugin>/stdout|stderr.
        Sid      = "WriteCommandOutputLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
        Resource = [arn, "${arn}:log-stream:*"]
      }
    ],
    [
      for arn in compact([local.output_group_arn]) : {
        # The agent looks for the group before it writes (DescribeLogGroups has no
        # resource-level permissions).
        Sid      = "FindCommandOutputLogGroup"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = "*"
      }
    ],
  )
  instance_output_policy = length(local.output_statements) == 0 ? null : jsonencode({ Version = "2012-10-17", Statement = local.output_statements })

  instance_role_name = coalesce(var.instance_role_name, "${var.name}-Instance")
}

resource "aws_iam_role" "this" {
  name        = var.name
  description = "Assumed by Systems Manager Automation and the maintenance window to run the Windows Update runbooks."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ssm.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "WindowsUpdateAutomation"
  role   = aws_iam_role.this.id
  policy = local.policy
}

resource "aws_iam_role" "instance" {
  count = var.create_instance_profile ? 1 : 0

  name        = local.instance_role_name
  description = "Lets the Windows instances' SSM agent register with Systems Manager."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "instance_core" {
  count = var.create_instance_profile ? 1 : 0

  role       = aws_iam_role.instance[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_role_policy" "instance_output" {
  count = var.create_instance_profile && local.instance_output_policy != null ? 1 : 0

  name   = "WindowsUpdateCommandOutput"
  role   = aws_iam_role.instance[0].id
  policy = local.instance_output_policy
}

resource "aws_iam_instance_profile" "this" {
  count = var.create_instance_profile ? 1 : 0

  name = local.instance_role_name
  role = aws_iam_role.instance[0].name
  tags = var.tags
}
