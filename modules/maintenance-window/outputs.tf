output "window_id" {
  description = "ID of the maintenance window, or null when disabled."
  value       = try(aws_ssm_maintenance_window.this[0].id, null)
}

output "task_id" {
  description = "ID of the window's Automation task, or null when disabled."
  value       = try(aws_ssm_maintenance_window_task.this[0].window_task_id, null)
}
