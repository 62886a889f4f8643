data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  account   = data.aws_caller_identity.current.account_id
  ssm_arn   = "arn:${local.partition}:ssm:${local.region}:${local.account}"

  # Built from the name, not read from the role, so that the root can render it into the
  # Start runbook (DecideApproval) without waiting on this module's resources.
  role_arn = "arn:${local.partition}:iam::${local.account}:role/${var.role_name}"

  # The universal target: EventBridge Scheduler calls ssm:StartAutomationExecution with the
  # Input's members as the request (Using universal targets in EventBridge Scheduler:
  # arn:aws:scheduler:::aws-sdk:<service>:<apiAction>).
  target_arn = "arn:${local.partition}:scheduler:::aws-sdk:ssm:startAutomationExecution"

  # Only what starting the Start runbook takes (automation-setup-iam.md): starting it, passing
  # the Automation role it runs as to Systems Manager, and resolving its {{ssm:...}} parameter
  # defaults, which StartAutomationExecution reads as its caller.
  statements = concat(
    [
      {
        Sid      = "StartTheStartRunbook"
        Effect   = "Allow"
        Action   = ["ssm:StartAutomationExecution"]
        Resource = "${local.ssm_arn}:automation-definition/${var.start_document_name}:*"
      },
      {
        Sid       = "PassTheAutomationRoleToSsm"
        Effect    = "Allow"
        Action    = ["iam:PassRole"]
        Resource  = var.automation_role_arn
        Condition = { StringEquals = { "iam:PassedToService" = "ssm.amazonaws.com" } }
      },
    ],
    length(var.start_parameter_names) == 0 ? [] : [{
      Sid      = "ResolveTheStartRunbookDefaults"
      Effect   = "Allow"
      Action   = ["ssm:GetParameters"]
      Resource = [for name in var.start_parameter_names : "${local.ssm_arn}:parameter/${trimprefix(name, "/")}"]
    }],
  )
  policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })

  trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

# The schedule's own role: EventBridge Scheduler assumes it to call the target. Trusted by
# scheduler.amazonaws.com for this account's schedules only (Set up the execution role,
# EventBridge Scheduler User Guide: the aws:SourceAccount condition against confused deputies).
resource "aws_iam_role" "this" {
  count = var.enabled ? 1 : 0

  name               = var.role_name
  description        = "Assumed by EventBridge Scheduler to start ${var.start_document_name} on its schedule."
  assume_role_policy = local.trust
  tags               = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = var.enabled ? 1 : 0

  name   = "StartWindowsUpdate"
  role   = aws_iam_role.this[0].id
  policy = local.policy
}

resource "aws_scheduler_schedule" "this" {
  # checkov:skip=CKV_AWS_297:the schedule holds only the Start runbook's name (its Input), nothing secret; EventBridge Scheduler encrypts it with an AWS owned key, and a customer managed key would need its own key policy for scheduler.amazonaws.com for no gain.
  count = var.enabled ? 1 : 0

  name                         = var.name
  group_name                   = "default"
  description                  = "Starts ${var.start_document_name} (Windows Update of the tagged instances)."
  schedule_expression          = var.expression
  schedule_expression_timezone = var.timezone
  state                        = var.state

  flexible_time_window {
    mode                      = var.flexible_time_window_minutes == null ? "OFF" : "FLEXIBLE"
    maximum_window_in_minutes = var.flexible_time_window_minutes
  }

  target {
    arn      = local.target_arn
    role_arn = aws_iam_role.this[0].arn
    # Only the document: every other parameter takes the deployed default, as a person's
    # run would, and the Start runbook decides approval from who started it.
    input = jsonencode({ DocumentName = var.start_document_name })

    retry_policy {
      # A run started twice would patch twice: a failed start (throttled, denied) is tried
      # again only within the first hour of the schedule's time.
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = var.maximum_retry_attempts
    }
  }

  # The role's policy must be in place before the first invocation.
  depends_on = [aws_iam_role_policy.this]
}
