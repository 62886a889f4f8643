output "document_names" {
  description = "Runbook name per role: AutomationStart, AutomationProcess, CreateImage, WindowsUpdate."
  value       = try(module.runbooks.document_names, null)
}

output "document_arns" {
  description = "Runbook ARN per role."
  value       = try(module.runbooks.document_arns, null)
}

output "automation_role_arn" {
  description = "ARN of the Automation service role that every runbook assumes."
  value       = try(module.iam.role_arn, null)
}

output "automation_policy_json" {
  description = "The Automation role's inline policy, for review."
  value       = try(module.iam.policy_json, null)
}

output "operator_policy_json" {
  description = "Least-privilege policy for people who start runs: start the Start runbook (passing the Automation role to Systems Manager, resolving its parameter defaults), follow and stop runs; not approve them, not start the per-instance, CreateImage or WindowsUpdate runbooks."
  value       = try(module.access.operator_policy_json, null)
}

output "approver_policy_json" {
  description = "Least-privilege policy for the approvers: send Approve or Reject to runs and read them (a run accepts the signal only from a principal in approvers)."
  value       = try(module.access.approver_policy_json, null)
}

output "operator_policy_arn" {
  description = "ARN of the operator managed policy, or null when operator_principals is empty."
  value       = try(module.access.operator_policy_arn, null)
}

output "approver_policy_arn" {
  description = "ARN of the approver managed policy, or null when approver_principals is empty."
  value       = try(module.access.approver_policy_arn, null)
}

output "policy_attachments" {
  description = "The role, user and group names the operator and approver policies are attached to: { operator = { roles, users, groups }, approver = { ... } }."
  value       = try(module.access.attachments, null)
}

output "instance_profile_name" {
  description = "Instance profile to attach to the Windows instances, or null when create_instance_profile is false."
  value       = try(module.iam.instance_profile_name, null)
}

output "instance_profile_arn" {
  description = "ARN of the instance profile, or null when create_instance_profile is false."
  value       = try(module.iam.instance_profile_arn, null)
}

output "sns_topic_arn" {
  description = "SNS topic for approvals and messages."
  value       = try(module.notifications.topic_arn, null)
}

output "kms_key_arn" {
  description = "KMS key that encrypts the created topic, or null for an existing topic."
  value       = try(module.notifications.kms_key_arn, null)

  # Checked here rather than as a validation of either variable: a validation that reads
  # another variable is skipped while that one is invalid, and would hide its own finding.
  precondition {
    condition     = var.kms_key_arn == null || var.sns_topic_arn == null
    error_message = "kms_key_arn encrypts the topic the module creates, and with sns_topic_arn it creates none: the key would be silently ignored. Leave kms_key_arn unset with an existing topic (whose encryption stays as it is)."
  }
}

output "parameter_names" {
  description = "Parameter Store names the runbooks read: EC2UpdateTag, NotificationArn, Approvers."
  value       = try(module.parameters.names, null)

  # Requirements and constraints for parameter names (SSM User Guide), over the whole names
  # (<parameter_path_prefix><document_prefix><Name>; the path alone is validated with its
  # variable). The longest name ends in NotificationArn.
  precondition {
    condition     = !can(regex("^/?(?i)(aws|ssm)", "${var.parameter_path_prefix}${var.document_prefix}"))
    error_message = "The parameter names ${var.parameter_path_prefix}${var.document_prefix}EC2UpdateTag, ... would start with aws or ssm, which Parameter Store reserves (any case): set parameter_path_prefix to a path such as /winupdate/, or choose another document_prefix."
  }
  precondition {
    condition     = length(local.longest_parameter_arn) <= 1011
    error_message = "The longest parameter, <parameter_path_prefix><document_prefix>NotificationArn, would have an ARN of ${length(local.longest_parameter_arn)} characters; Parameter Store allows 1011 for a parameter name counted with its whole ARN (arn:<partition>:ssm:<region>:<account>:parameter/<name>). Shorten parameter_path_prefix (${length(var.parameter_path_prefix)} characters) or document_prefix (${length(var.document_prefix)})."
  }
}

output "maintenance_window_id" {
  description = "ID of the maintenance window, or null when it is disabled."
  value       = try(module.maintenance_window.window_id, null)
}

output "run_window_id" {
  description = "ID of the run window that an approved run arms (fan_out = \"window\"), or null with fan_out = \"rate_control\"."
  value       = module.run_window.window_id
}

output "maintenance_window_target_id" {
  description = "ID of the maintenance window's target (the tagged instances), or null when the window is disabled or fan_out is automation."
  value       = try(module.maintenance_window.target_id, null)
}

output "maintenance_window_task" {
  description = "The maintenance window's Automation task as registered, for review: document_name, targets, window_target (with its tag filter; null with fan_out automation), max_concurrency, max_errors, parameters; null when the window is disabled."
  value       = try(module.maintenance_window.task, null)
}

output "rendered_documents" {
  description = "The runbooks as deployed (YAML), per role."
  value       = try(module.runbooks.rendered, null)
}

output "start_command" {
  description = "AWS CLI command that starts a run."
  value       = "aws ssm start-automation-execution --region ${data.aws_region.current.name} --document-name ${local.document_names["AutomationStart"]}"
}

output "instance_output_policy_json" {
  description = "The policy an instance role needs to write Run Command's output where command_output says (the module's instance role has it; attach it to your own when create_instance_profile is false), or null when command_output is unset."
  value       = module.iam.instance_output_policy_json
}

output "eventbridge_schedule_arn" {
  description = "ARN of the EventBridge Scheduler schedule that starts the Start runbook, or null when eventbridge_schedule is disabled."
  value       = try(module.schedule.schedule_arn, null)
}

output "eventbridge_schedule_role_arn" {
  description = "ARN of the EventBridge schedule's own execution role (trusted by scheduler.amazonaws.com; starts the Start runbook, passes the Automation role to Systems Manager), or null when disabled."
  value       = try(module.schedule.role_arn, null)
}

output "eventbridge_schedule_policy_json" {
  description = "The EventBridge schedule's execution role policy, for review."
  value       = try(module.schedule.policy_json, null)
}
