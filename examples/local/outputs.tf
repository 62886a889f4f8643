output "start_command" {
  description = "AWS CLI command that starts a run (with AWS_ENDPOINT_URL still exported)."
  value       = module.windows_update.start_command
}

output "document_names" {
  description = "The deployed runbooks."
  value       = module.windows_update.document_names
}

output "sns_topic_arn" {
  description = "Topic whose messages GET /_winupdate/messages?topic=ARN returns."
  value       = module.windows_update.sns_topic_arn
}

output "automation_role_arn" {
  description = "Role every runbook assumes."
  value       = module.windows_update.automation_role_arn
}

output "instance_profile_name" {
  description = "Instance profile to attach to the Windows instances."
  value       = module.windows_update.instance_profile_name
}
