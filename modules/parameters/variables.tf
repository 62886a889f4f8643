variable "path_prefix" {
  description = "Path of every parameter name: empty for none (<name_prefix>EC2UpdateTag, ...), or a path such as /winupdate/."
  type        = string
  default     = ""

  validation {
    condition     = var.path_prefix == "" || can(regex("^/([A-Za-z0-9_.-]+/)+$", var.path_prefix))
    error_message = "path_prefix must be empty or a path that starts and ends with / (e.g. /winupdate/), so that <prefix><Name> is a valid parameter name."
  }
}

variable "name_prefix" {
  description = "Prefix of every parameter name after the path (the root module passes its document_prefix), so that deployments with different prefixes share no parameter."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]*$", var.name_prefix))
    error_message = "name_prefix may use only letters, digits, _ . and -, the characters of a parameter name besides the / of its path."
  }
}

variable "target_tag_key" {
  description = "Value of EC2UpdateTag: the tag key that marks the instances to update."
  type        = string
}

variable "notification_arn" {
  description = "Value of NotificationArn: the SNS topic for approvals and messages."
  type        = string
}

variable "approvers" {
  description = "Value of Approvers (a StringList). An empty list stores the placeholder \"none\" because a parameter cannot be empty."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every parameter."
  type        = map(string)
  default     = {}
}
