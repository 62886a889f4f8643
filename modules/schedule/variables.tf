variable "enabled" {
  description = "Create the schedule and its execution role."
  type        = bool
  default     = false
}

variable "name" {
  description = "Name of the schedule (in the default schedule group): 1-64 letters, digits, _ - and . (CreateSchedule Name)."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-zA-Z_.-]{1,64}$", var.name))
    error_message = "name must be 1-64 letters, digits, _ - and . (EventBridge Scheduler CreateSchedule Name)."
  }
}

variable "role_name" {
  description = "Name of the schedule's execution role, which only EventBridge Scheduler (for this account) may assume."
  type        = string
}

variable "expression" {
  description = "When the schedule starts a run: cron(minutes hours day-of-month month day-of-week year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss), read in timezone (the root module validates it)."
  type        = string
}

variable "timezone" {
  description = "IANA time zone in which the expression is read (ScheduleExpressionTimezone), e.g. UTC or Asia/Tokyo; at(...) too."
  type        = string
  default     = "UTC"
}

variable "flexible_time_window_minutes" {
  description = "null: the schedule invokes its target at its time (FlexibleTimeWindow OFF); 1-1440: at some time within that many minutes after it (FLEXIBLE)."
  type        = number
  default     = null

  validation {
    condition     = var.flexible_time_window_minutes == null || try(var.flexible_time_window_minutes >= 1 && var.flexible_time_window_minutes <= 1440 && floor(var.flexible_time_window_minutes) == var.flexible_time_window_minutes, false)
    error_message = "flexible_time_window_minutes must be unset (OFF) or a whole number from 1 to 1440 (FlexibleTimeWindow MaximumWindowInMinutes)."
  }
}

variable "state" {
  description = "ENABLED, or DISABLED to keep the schedule without it starting anything."
  type        = string
  default     = "ENABLED"

  validation {
    condition     = contains(["ENABLED", "DISABLED"], var.state)
    error_message = "state must be ENABLED or DISABLED (CreateSchedule State)."
  }
}

variable "maximum_retry_attempts" {
  description = "How often EventBridge Scheduler tries again to start a run that it could not start (0-185), within an hour of the schedule's time."
  type        = number
  default     = 3

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 185 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be a whole number from 0 to 185 (RetryPolicy MaximumRetryAttempts)."
  }
}

variable "start_document_name" {
  description = "The Start runbook that the schedule starts; the execution role may start this runbook only."
  type        = string
}

variable "automation_role_arn" {
  description = "The Automation role the Start runbook runs as; the execution role may pass it to Systems Manager only."
  type        = string
}

variable "start_parameter_names" {
  description = "Parameter Store names that the Start runbook's parameter defaults reference ({{ssm:...}}), resolved as the caller of StartAutomationExecution: the execution role may read these only."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for the execution role (EventBridge Scheduler schedules take no tags)."
  type        = map(string)
  default     = {}
}
