output "operator_policy_json" {
  description = "The operator policy: start the Start runbook, follow and stop runs; not approve them, not start the other runbooks."
  value       = local.operator_policy
}

output "approver_policy_json" {
  description = "The approver policy: approve or reject runs, and read them."
  value       = local.approver_policy
}

output "operator_policy_arn" {
  description = "ARN of the operator managed policy, or null when operator_principals is empty (none is created)."
  value       = try(aws_iam_policy.operator[0].arn, null)
}

output "approver_policy_arn" {
  description = "ARN of the approver managed policy, or null when approver_principals is empty (none is created)."
  value       = try(aws_iam_policy.approver[0].arn, null)
}

output "attachments" {
  description = "The role, user and group names each policy is attached to (operator, approver), as planned."
  value = {
    operator = {
      roles  = sort([for a in aws_iam_role_policy_attachment.operator : a.role])
      users  = sort([for a in aws_iam_user_policy_attachment.operator : a.user])
      groups = sort([for a in aws_iam_group_policy_attachment.operator : a.group])
    }
    approver = {
      roles  = sort([for a in aws_iam_role_policy_attachment.approver : a.role])
      users  = sort([for a in aws_iam_user_policy_attachment.approver : a.user])
      groups = sort([for a in aws_iam_group_policy_attachment.approver : a.group])
    }
  }
}
