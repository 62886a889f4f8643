output "schedule_arn" {
  description = "ARN of the EventBridge Scheduler schedule, or null when disabled."
  value       = try(aws_scheduler_schedule.this[0].arn, null)
}

output "role_arn" {
  description = "ARN of the schedule's execution role (built from role_name, known at plan time), or null when disabled."
  value       = var.enabled ? local.role_arn : null
}

output "role_name" {
  description = "Name of the schedule's execution role, or null when disabled."
  value       = var.enabled ? var.role_name : null
}

output "policy_json" {
  description = "The execution role's inline policy, for review (also when disabled)."
  value       = local.policy
}

output "trust_policy_json" {
  description = "The execution role's trust policy, for review: scheduler.amazonaws.com, for this account's schedules only."
  value       = local.trust
}

output "target" {
  description = "What the schedule invokes, for review: arn (the universal target), input (the StartAutomationExecution request), role_arn; null when disabled."
  value = try({
    arn      = aws_scheduler_schedule.this[0].target[0].arn
    input    = jsondecode(aws_scheduler_schedule.this[0].target[0].input)
    role_arn = aws_scheduler_schedule.this[0].target[0].role_arn
  }, null)
}
