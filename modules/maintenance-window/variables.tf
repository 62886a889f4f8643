variable "enabled" {
  description = "Create the maintenance window and its task."
  type        = bool
  default     = false
}

variable "name" {
  description = "Name of the maintenance window."
  type        = string
}

variable "schedule" {
  description = "When the window opens: cron(...), rate(...) or at(...)."
  type        = string
}

variable "schedule_timezone" {
  description = "IANA time zone of the schedule, e.g. UTC or Asia/Tokyo."
  type        = string
  default     = "UTC"
}

variable "duration" {
  description = "Length of the window in hours."
  type        = number
  default     = 4
}

variable "cutoff" {
  description = "Hours before the window closes after which no new task starts."
  type        = number
  default     = 1
}

variable "start_document_name" {
  description = "The Start runbook that the window's Automation task runs."
  type        = string
}

variable "service_role_arn" {
  description = "Role the window assumes to start the runbook (the Automation role, trusted by ssm.amazonaws.com)."
  type        = string
}

variable "require_approval" {
  description = "Whether a scheduled run still asks the approvers (RequireApproval of the Start runbook)."
  type        = bool
  default     = true
}

variable "max_concurrency" {
  description = "Instances updated at the same time in a scheduled run (a number or a percentage)."
  type        = string
}

variable "max_errors" {
  description = "Instance failures after which a scheduled run starts no more (a number or a percentage)."
  type        = string
}

variable "tags" {
  description = "Tags for the window."
  type        = map(string)
  default     = {}
}
