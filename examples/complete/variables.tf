variable "region" {
  description = "AWS Region to deploy the pipeline to."
  type        = string
  default     = "ap-northeast-1"
}

variable "approvers" {
  description = "IAM user or role ARNs allowed to approve a run."
  type        = list(string)
}

variable "notification_emails" {
  description = "Email addresses that receive the approval requests and messages."
  type        = list(string)
  default     = []
}
