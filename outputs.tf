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
}

output "parameter_names" {
  description = "Parameter Store names the runbooks read: EC2UpdateTag, NotificationArn, Approvers."
  value       = try(module.parameters.names, null)
}

output "maintenance_window_id" {
  description = "ID of the maintenance window, or null when it is disabled."
  value       = try(module.maintenance_window.window_id, null)
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
