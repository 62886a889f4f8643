variable "region" {
  description = "Region the embedded AWS answers for."
  type        = string
  default     = "us-east-1"
}

variable "skip_credentials_validation" {
  description = "Skip the STS check of the credentials (true for the embedded AWS's test credentials)."
  type        = bool
  default     = true
}

variable "approvers" {
  description = "Principals allowed to approve; the embedded AWS accepts any ARN."
  type        = list(string)
  default     = ["arn:aws:iam::123456789012:user/approver"]
}

variable "require_approval" {
  description = "Whether a run asks for approval first."
  type        = bool
  default     = true
}

variable "ami_retention_count" {
  description = "Newest before/after AMI pairs kept per instance (0 keeps all)."
  type        = number
  default     = 2
}
