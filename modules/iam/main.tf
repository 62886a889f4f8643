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
      {
        Sid       = "SendCommandToTaggedInstances"
        Effect    = "Allow"
        Action    = ["ssm:SendCommand"]
        Resource  = local.instance_arn
        Condition = { StringEquals = { "ssm:resourceTag/${var.target_tag_key}" = var.target_tag_value } }
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

resource "aws_iam_instance_profile" "this" {
  count = var.create_instance_profile ? 1 : 0

  name = local.instance_role_name
  role = aws_iam_role.instance[0].name
  tags = var.tags
}
