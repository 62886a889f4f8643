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

variable "schedule_offset" {
  description = "Days after each cron match that the window runs (1-6, cron schedules only), or null to run on the match."
  type        = number
  default     = null

  validation {
    condition     = var.schedule_offset == null || try(var.schedule_offset >= 1 && var.schedule_offset <= 6 && floor(var.schedule_offset) == var.schedule_offset, false)
    error_message = "schedule_offset must be a whole number of days from 1 to 6 (CreateMaintenanceWindow ScheduleOffset)."
  }
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

variable "fan_out" {
  description = "Who starts the per-instance runs: automation (a targetless task runs the Start runbook, which fans out under Automation rate control, with its ramp-up) or window (the window targets the tagged instances and runs the per-instance runbook on each under the task's own MaxConcurrency and MaxErrors; no approval, no end-of-run summary)."
  type        = string
  default     = "automation"

  validation {
    condition     = contains(["automation", "window"], var.fan_out)
    error_message = "fan_out must be automation (the Start runbook fans out) or window (the maintenance window fans out to its target)."
  }
}

variable "start_document_name" {
  description = "The Start runbook that the window's Automation task runs with fan_out automation."
  type        = string
}

variable "process_document_name" {
  description = "The per-instance runbook that the window's Automation task runs on each target with fan_out window."
  type        = string
  default     = null
}

variable "process_parameters" {
  description = "Parameters of the per-instance runbook with fan_out window, besides InstanceId (which is {{RESOURCE_ID}})."
  type        = map(string)
  default     = {}
}

variable "target_tag_key" {
  description = "Tag key of the window's target (tag:<key>) with fan_out window."
  type        = string
  default     = null
}

variable "target_tag_value" {
  description = "Tag value of the window's target with fan_out window."
  type        = string
  default     = null
}

variable "service_role_arn" {
  description = "Role the window assumes to start the runbook (the Automation role, trusted by ssm.amazonaws.com)."
  type        = string
}

variable "require_approval" {
  description = "Whether a scheduled run still asks the approvers (rendered into the Start runbook by the root module, which asks when the run was started as service_role_arn; checked here only to refuse it with fan_out window)."
  type        = bool
  default     = true
}

variable "max_concurrency" {
  description = "Instances updated at the same time in a scheduled run (a number or a percentage): the Start runbook's MaxConcurrency, or the task's with fan_out window."
  type        = string
}

variable "max_errors" {
  description = "Instance failures after which a scheduled run starts no more (a number or a percentage): the Start runbook's MaxErrors, or the task's with fan_out window."
  type        = string
}

variable "tags" {
  description = "Tags for the window."
  type        = map(string)
  default     = {}
}
