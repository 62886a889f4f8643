output "names" {
  description = "Parameter name per key (EC2UpdateTag, NotificationArn, Approvers), known at plan time."
  value       = { for key in keys(local.parameters) : key => "${var.path_prefix}${var.name_prefix}${key}" }
}

output "arns" {
  description = "Parameter ARN per key."
  value       = { for key, parameter in aws_ssm_parameter.this : key => try(parameter.arn, null) }
}
