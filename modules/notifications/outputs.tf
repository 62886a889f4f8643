output "topic_arn" {
  description = "ARN of the topic every runbook publishes to (known at plan time)."
  value       = local.topic_arn
}

output "topic_name" {
  description = "Name of the topic."
  value       = try(aws_sns_topic.this[0].name, element(split(":", coalesce(var.existing_topic_arn, ":")), 5))
}

output "kms_key_arn" {
  description = "ARN of the key that encrypts the created topic, or null for an existing topic."
  value       = local.kms_key_arn
}

output "subscription_arns" {
  description = "Subscription ARN per email address (pending until confirmed)."
  value       = { for email, subscription in aws_sns_topic_subscription.email : email => try(subscription.arn, null) }
}
