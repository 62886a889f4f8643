variable "enabled" {
  description = "Create the run window (fan_out = \"window\"): the Start runbook arms it after the approval."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the run window."
  type        = string
}

variable "process_document_name" {
  description = "The per-instance runbook that the window's task starts once per instance."
  type        = string
}

variable "process_parameters" {
  description = "The per-instance runbook's parameters as first registered (name => value). Every run's Start runbook sets its own values before it arms the window, so these are only the registration's."
  type        = map(string)
}

variable "target_tag_key" {
  description = "Tag key of the instances the window targets."
  type        = string
}

variable "target_tag_value" {
  description = "Tag value of the instances the window targets."
  type        = string
}

variable "service_role_arn" {
  description = "The role the window's task starts the per-instance runbook as (the module's Automation role)."
  type        = string
}

variable "max_concurrency" {
  description = "MaxConcurrency as first registered; each run sets its own."
  type        = string
}

variable "max_errors" {
  description = "MaxErrors as first registered; each run sets its own."
  type        = string
}

variable "tags" {
  description = "Tags for the window."
  type        = map(string)
  default     = {}
}
