output "window_id" {
  description = "ID of the maintenance window, or null when disabled."
  value       = try(aws_ssm_maintenance_window.this[0].id, null)
}

output "task_id" {
  description = "ID of the window's Automation task, or null when disabled."
  value       = try(aws_ssm_maintenance_window_task.this[0].window_task_id, null)
}

output "target_id" {
  description = "ID of the window target (the tagged instances), or null when disabled or fan_out is automation."
  value       = try(aws_ssm_maintenance_window_target.this[0].id, null)
}

output "task" {
  description = "The Automation task as registered, for review: document_name, targets (key => values; empty when targetless), window_target (id, resource_type, targets; null when targetless), max_concurrency and max_errors (null when targetless), parameters (name => values); null when disabled."
  value = try({
    document_name = aws_ssm_maintenance_window_task.this[0].task_arn
    targets       = { for target in aws_ssm_maintenance_window_task.this[0].targets : target.key => target.values }
    window_target = try({
      id            = aws_ssm_maintenance_window_target.this[0].id
      resource_type = aws_ssm_maintenance_window_target.this[0].resource_type
      targets       = { for target in aws_ssm_maintenance_window_target.this[0].targets : target.key => target.values }
    }, null)
    # A targetless task reports a placeholder of 1 for both, which does not apply.
    max_concurrency = local.window_fan_out ? aws_ssm_maintenance_window_task.this[0].max_concurrency : null
    max_errors      = local.window_fan_out ? aws_ssm_maintenance_window_task.this[0].max_errors : null
    parameters = {
      for parameter in aws_ssm_maintenance_window_task.this[0].task_invocation_parameters[0].automation_parameters[0].parameter :
      parameter.name => parameter.values
    }
  }, null)
}
