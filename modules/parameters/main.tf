locals {
  # The runbooks reference these as {{ssm:<name>}}, which resolves String and
  # StringList parameters only: SecureString is not an option here.
  parameters = {
    EC2UpdateTag = {
      type        = "String"
      value       = var.target_tag_key
      description = "Tag key that marks the EC2 instances to update (value: the module's target_tag_value)."
    }
    NotificationArn = {
      type        = "String"
      value       = var.notification_arn
      description = "SNS topic for Windows Update approvals and messages."
    }
    Approvers = {
      type        = "StringList"
      value       = length(var.approvers) > 0 ? join(",", var.approvers) : "none"
      description = "IAM principals who may approve a Windows Update run."
    }
  }
}

resource "aws_ssm_parameter" "this" {
  # checkov:skip=CKV2_AWS_34:Automation resolves {{ssm:name}} only for String and StringList parameters; none of these is a secret.
  for_each = local.parameters

  name        = "${var.path_prefix}${var.name_prefix}${each.key}"
  type        = each.value.type
  value       = each.value.value
  description = each.value.description
  tags        = var.tags
}
