output "start_command" {
  description = "AWS CLI command that starts a run."
  value       = module.windows_update.start_command
}

output "document_names" {
  description = "The deployed runbooks."
  value       = module.windows_update.document_names
}

output "instance_profile_name" {
  description = "Attach this instance profile to the Windows instances."
  value       = module.windows_update.instance_profile_name
}

output "maintenance_window_id" {
  description = "The scheduled window."
  value       = module.windows_update.maintenance_window_id
}
