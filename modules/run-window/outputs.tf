output "window_id" {
  description = "ID of the run window, or null when not created (fan_out = \"rate_control\")."
  value       = try(aws_ssm_maintenance_window.this[0].id, null)
}

output "window_arn" {
  description = "ARN of the run window, or null when not created."
  value       = try("arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:maintenancewindow/${aws_ssm_maintenance_window.this[0].id}", null)
}

output "task_id" {
  description = "ID of the run window's task, or null when not created."
  value       = try(aws_ssm_maintenance_window_task.this[0].window_task_id, null)
}
