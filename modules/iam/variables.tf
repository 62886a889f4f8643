variable "name" {
  description = "Name of the Automation service role."
  type        = string
}

variable "document_names" {
  description = "Names of this module's runbooks; the role may start executions of these and no others."
  type        = map(string)
}

variable "target_tag_key" {
  description = "Tag key that marks the instances the role may start, stop, image and send commands to."
  type        = string
}

variable "target_tag_value" {
  description = "Tag value that marks the instances the role may act on."
  type        = string
}

variable "sns_topic_arn" {
  description = "The only SNS topic the role may publish to."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the topic; the role may only use this key. Null when the topic is not encrypted with a customer managed key."
  type        = string
  default     = null
}

variable "parameter_names" {
  description = "Parameter Store names the runbooks read; the role may read only these."
  type        = list(string)
}

variable "enable_ami_retention" {
  description = "Allow deregistering images and deleting snapshots that carry this module's Phase tag (needed when AMI retention is on)."
  type        = bool
  default     = false
}

variable "create_instance_profile" {
  description = "Create an instance role and profile with AmazonSSMManagedInstanceCore for the Windows instances."
  type        = bool
  default     = true
}

variable "instance_role_name" {
  description = "Name of the instance role and instance profile."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the roles and the instance profile."
  type        = map(string)
  default     = {}
}

variable "hook_document_names" {
  description = "The Command documents of the pre/post update hooks (names or ARNs): the role may send exactly these besides AWS-InstallWindowsUpdates."
  type        = list(string)
  default     = []
}

variable "command_output" {
  description = "Where Run Command writes the output (s3_bucket_name, s3_key_prefix, cloudwatch_log_group_name; each optional): the instance role may write exactly there."
  type = object({
    s3_bucket_name            = optional(string)
    s3_key_prefix             = optional(string, "")
    cloudwatch_log_group_name = optional(string)
  })
  default = {}
}

variable "arm_run_window" {
  description = "Whether the Start runbook arms the run window (fan_out = \"window\"): the role may then arm, read, cancel and disarm exactly that window."
  type        = bool
  default     = false
}

variable "run_window_arn" {
  description = "ARN of the run window (modules/run-window), when arm_run_window."
  type        = string
  default     = null

  validation {
    condition     = var.run_window_arn == null || can(regex("^arn:[a-z-]+:ssm:[a-z0-9-]+:[0-9]{12}:maintenancewindow/mw-[0-9a-f]{17}$", var.run_window_arn))
    error_message = "run_window_arn must be a maintenance window's ARN (arn:<partition>:ssm:<region>:<account>:maintenancewindow/mw-<17 hex digits>)."
  }
}
