output "role_arn" {
  description = "ARN of the Automation service role (known at plan time)."
  value       = local.role_arn
}

output "role_name" {
  description = "Name of the Automation service role."
  value       = try(aws_iam_role.this.name, var.name)
}

output "policy_json" {
  description = "The role's inline policy document."
  value       = local.policy
}

output "instance_role_arn" {
  description = "ARN of the instance role, or null when create_instance_profile is false."
  value       = try(aws_iam_role.instance[0].arn, null)
}

output "instance_profile_name" {
  description = "Name of the instance profile, or null when create_instance_profile is false."
  value       = try(aws_iam_instance_profile.this[0].name, null)
}

output "instance_profile_arn" {
  description = "ARN of the instance profile, or null when create_instance_profile is false."
  value       = try(aws_iam_instance_profile.this[0].arn, null)
}

output "instance_output_policy_json" {
  description = "What an instance role needs to write Run Command's output where command_output says (attached to the module's instance role; attach it to your own when create_instance_profile is false), or null when command_output is unset."
  value       = local.instance_output_policy
}

output "created_role_arn" {
  description = "ARN of the Automation service role, once the role exists (for resources that must wait for it, such as a window task that runs as it)."
  value       = aws_iam_role.this.arn
}
