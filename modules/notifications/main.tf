data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  account   = data.aws_caller_identity.current.account_id

  create_key = var.create_topic && var.kms_key_arn == null

  # Built from the name so the ARN is known at plan time (IAM policy, parameters).
  topic_arn   = var.create_topic ? "arn:${local.partition}:sns:${data.aws_region.current.name}:${local.account}:${var.topic_name}" : var.existing_topic_arn
  kms_key_arn = local.create_key ? try(aws_kms_key.this[0].arn, null) : (var.create_topic ? var.kms_key_arn : null)
  owner       = "arn:${local.partition}:iam::${local.account}:root"
}

resource "aws_kms_key" "this" {
  count = local.create_key ? 1 : 0

  description             = "Encrypts the ${var.topic_name} SNS topic of the Windows Update automation."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The key policy must keep the account in control of the key; IAM policies
        # then grant use of it (the Automation role's policy names this key only).
        Sid       = "AccountAdministersKey"
        Effect    = "Allow"
        Principal = { AWS = local.owner }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "SnsUsesKeyForTopic"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        # Only for this topic (KMS developer guide, confused deputy): another topic of the
        # account cannot have SNS use this key.
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account }
          ArnEquals    = { "aws:SourceArn" = local.topic_arn }
        }
      },
    ]
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_key ? 1 : 0

  name          = "alias/${var.topic_name}"
  target_key_id = aws_kms_key.this[0].key_id
}

resource "aws_sns_topic" "this" {
  count = var.create_topic ? 1 : 0

  name              = var.topic_name
  kms_master_key_id = local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "this" {
  count = var.create_topic ? 1 : 0

  arn = aws_sns_topic.this[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountManagesTopic"
        Effect    = "Allow"
        Principal = { AWS = local.owner }
        Action = [
          "sns:GetTopicAttributes",
          "sns:ListSubscriptionsByTopic",
          "sns:SetTopicAttributes",
          "sns:Subscribe",
        ]
        Resource = aws_sns_topic.this[0].arn
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this[0].arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.notification_emails)

  topic_arn = local.topic_arn
  protocol  = "email"
  endpoint  = each.value

  depends_on = [aws_sns_topic.this]
}
