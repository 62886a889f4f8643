variable "create_topic" {
  description = "Create the SNS topic (and its KMS key unless kms_key_arn is given); false uses existing_topic_arn."
  type        = bool
  default     = true
}

variable "topic_name" {
  description = "Name of the topic to create. aws:approve only publishes to topics whose name starts with Automation."
  type        = string
  default     = "AutomationWindowsUpdate"

  validation {
    condition     = can(regex("^Automation[A-Za-z0-9_-]{0,246}$", var.topic_name))
    error_message = "topic_name must start with Automation (aws:approve requires it) and use only letters, digits, - and _ (at most 256 characters)."
  }
}

variable "existing_topic_arn" {
  description = "ARN of an existing topic to use when create_topic is false."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the created topic; null creates a key with rotation on."
  type        = string
  default     = null
}

variable "notification_emails" {
  description = "Email addresses subscribed to the topic (each must confirm the subscription)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for the topic and the key."
  type        = map(string)
  default     = {}
}
