data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  account   = data.aws_caller_identity.current.account_id
  ssm_arn   = "arn:${local.partition}:ssm:${local.region}:${local.account}"

  executions = "${local.ssm_arn}:automation-execution/*"

  # Who starts a run or a restore. Not the per-instance, CreateImage or WindowsUpdate
  # runbooks, which change instances without the Start runbook's approval; the Restore
  # runbook asks the same approvers itself (only a failed run's own rollback is not asked
  # again). Not SendAutomationSignal, so an operator cannot approve what they started.
  operator_statements = [
    {
      Sid      = "StartTheStartAndRestoreRunbooks"
      Effect   = "Allow"
      Action   = ["ssm:StartAutomationExecution"]
      Resource = [for name in [var.start_document_name, var.restore_document_name] : "${local.ssm_arn}:automation-definition/${name}:*"]
    },
    {
      # winupdate run reads the parameters the runbook declares before it starts it.
      Sid      = "ReadTheStartAndRestoreRunbooks"
      Effect   = "Allow"
      Action   = ["ssm:DescribeDocument"]
      Resource = [for name in [var.start_document_name, var.restore_document_name] : "${local.ssm_arn}:document/${name}"]
    },
    {
      # The Start runbook runs as the module's role: starting it passes that role
      # (automation-setup-iam.md), to Systems Manager only.
      Sid       = "PassTheAutomationRoleToSsm"
      Effect    = "Allow"
      Action    = ["iam:PassRole"]
      Resource  = var.role_arn
      Condition = { StringEquals = { "iam:PassedToService" = "ssm.amazonaws.com" } }
    },
    {
      # The Start runbook's {{ssm:...}} parameter defaults are resolved at the start, as
      # the caller.
      Sid      = "ResolveTheStartRunbookDefaults"
      Effect   = "Allow"
      Action   = ["ssm:GetParameters"]
      Resource = [for name in var.start_parameter_names : "${local.ssm_arn}:parameter/${trimprefix(name, "/")}"]
    },
    {
      Sid      = "FollowAndStopRuns"
      Effect   = "Allow"
      Action   = ["ssm:DescribeAutomationStepExecutions", "ssm:GetAutomationExecution", "ssm:StopAutomationExecution"]
      Resource = local.executions
    },
    {
      # List calls that support no resource-level permissions: the runs (those the run
      # window started among them), and the AMIs and instances that winupdate run reports on.
      Sid    = "ListRunsAndTheirImages"
      Effect = "Allow"
      Action = [
        "ec2:DescribeImages",
        "ec2:DescribeInstances",
        "ssm:DescribeAutomationExecutions",
        "ssm:DescribeMaintenanceWindowExecutionTaskInvocations",
        "ssm:DescribeMaintenanceWindowExecutionTasks",
      ]
      Resource = "*"
    },
  ]

  # Who answers a run's approval. aws:approve accepts a signal only from a principal in the
  # deployed approvers list; this policy lets them send it (and see what they approve).
  approver_statements = [
    {
      Sid      = "ApproveOrRejectRuns"
      Effect   = "Allow"
      Action   = ["ssm:SendAutomationSignal"]
      Resource = local.executions
    },
    {
      Sid      = "ReadRuns"
      Effect   = "Allow"
      Action   = ["ssm:DescribeAutomationStepExecutions", "ssm:GetAutomationExecution"]
      Resource = local.executions
    },
    {
      Sid      = "ListRuns"
      Effect   = "Allow"
      Action   = ["ssm:DescribeAutomationExecutions"]
      Resource = "*"
    },
  ]

  operator_policy = jsonencode({ Version = "2012-10-17", Statement = local.operator_statements })
  approver_policy = jsonencode({ Version = "2012-10-17", Statement = local.approver_statements })

  # principal kind -> names, per policy; a policy is created only when someone gets it.
  operators = { for kind, names in var.operator_principals : kind => toset(names) }
  approvers = { for kind, names in var.approver_principals : kind => toset(names) }

  create_operator = length(flatten(values(var.operator_principals))) > 0
  create_approver = length(flatten(values(var.approver_principals))) > 0
}

resource "aws_iam_policy" "operator" {
  count = local.create_operator ? 1 : 0

  name        = "${var.name_prefix}WindowsUpdateOperator"
  description = "Start ${var.start_document_name} and ${var.restore_document_name} (which ask the approvers), follow and stop runs; not approve them, not start the other runbooks."
  policy      = local.operator_policy
  tags        = var.tags
}

resource "aws_iam_policy" "approver" {
  count = local.create_approver ? 1 : 0

  name        = "${var.name_prefix}WindowsUpdateApprover"
  description = "Approve or reject Windows Update runs (only principals in the deployed approvers list are accepted by the run)."
  policy      = local.approver_policy
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "operator" {
  for_each = local.operators.roles

  role       = each.value
  policy_arn = aws_iam_policy.operator[0].arn
}

resource "aws_iam_user_policy_attachment" "operator" {
  # checkov:skip=CKV_AWS_40:operator_principals may name users as well as roles and groups (the issue asks for all three); a deployment that wants groups only names groups.
  for_each = local.operators.users

  user       = each.value
  policy_arn = aws_iam_policy.operator[0].arn
}

resource "aws_iam_group_policy_attachment" "operator" {
  for_each = local.operators.groups

  group      = each.value
  policy_arn = aws_iam_policy.operator[0].arn
}

resource "aws_iam_role_policy_attachment" "approver" {
  for_each = local.approvers.roles

  role       = each.value
  policy_arn = aws_iam_policy.approver[0].arn
}

resource "aws_iam_user_policy_attachment" "approver" {
  # checkov:skip=CKV_AWS_40:approver_principals may name users as well as roles and groups (approvers are often named people); a deployment that wants groups only names groups.
  for_each = local.approvers.users

  user       = each.value
  policy_arn = aws_iam_policy.approver[0].arn
}

resource "aws_iam_group_policy_attachment" "approver" {
  for_each = local.approvers.groups

  group      = each.value
  policy_arn = aws_iam_policy.approver[0].arn
}
