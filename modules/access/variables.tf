variable "name_prefix" {
  description = "Prefix of the two policy names (<prefix>WindowsUpdateOperator, <prefix>WindowsUpdateApprover); the root module passes its document_prefix."
  type        = string
  default     = ""
}

variable "start_document_name" {
  description = "The Start runbook, the only runbook an operator may start."
  type        = string
}

variable "restore_document_name" {
  description = "Name of the Restore runbook (operators may start it; it asks the approvers)."
  type        = string
}

variable "start_parameter_names" {
  description = "Parameter Store names that the Start runbook's parameter defaults reference ({{ssm:...}}), which are resolved as the operator who starts it."
  type        = list(string)
}

variable "role_arn" {
  description = "The Automation role the Start runbook runs as; an operator passes it to Systems Manager when starting a run."
  type        = string
}

variable "operator_principals" {
  description = "IAM role, user and group names to attach the operator policy to."
  type = object({
    roles  = optional(list(string), [])
    users  = optional(list(string), [])
    groups = optional(list(string), [])
  })
  default = {}
}

variable "approver_principals" {
  description = "IAM role, user and group names to attach the approver policy to."
  type = object({
    roles  = optional(list(string), [])
    users  = optional(list(string), [])
    groups = optional(list(string), [])
  })
  default = {}
}

variable "tags" {
  description = "Tags for the two policies."
  type        = map(string)
  default     = {}
}
