output "document_names" {
  description = "Document name per template base name."
  value       = { for key, document in aws_ssm_document.this : key => document.name }
}

output "document_arns" {
  description = "Document ARN per template base name."
  value       = { for key, document in aws_ssm_document.this : key => try(document.arn, null) }
}

output "rendered" {
  description = "The rendered YAML per template base name, as deployed."
  value       = local.documents
}
