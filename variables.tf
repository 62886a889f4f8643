variable "document_prefix" {
  description = "Prefix of every runbook name (<prefix>AutomationStart, <prefix>AutomationProcess, <prefix>CreateImage, <prefix>WindowsUpdate) and of the role and topic names."
  type        = string
  default     = "MY-"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{0,64}$", var.document_prefix)) && !can(regex("^(?i)(aws|amazon|amzn)", var.document_prefix))
    error_message = "document_prefix may use only letters, digits, _ . - (at most 64) and must not start with aws, amazon or amzn, which SSM reserves for its own documents."
  }
}

variable "target_tag_key" {
  description = "Tag key that marks the instances to update (stored in the EC2UpdateTag parameter); the IAM policy only allows instances with this tag."
  type        = string
  default     = "WinUpdate"

  validation {
    condition     = length(var.target_tag_key) >= 1 && length(var.target_tag_key) <= 127 && !startswith(lower(var.target_tag_key), "aws:")
    error_message = "target_tag_key must be 1-127 characters and must not start with aws:, which EC2 reserves."
  }
}

variable "target_tag_value" {
  description = "Tag value that marks the instances to update."
  type        = string
  default     = "ON"

  validation {
    condition     = length(var.target_tag_value) <= 255 && !strcontains(var.target_tag_value, "'")
    error_message = "target_tag_value must be at most 255 characters (an EC2 tag value) and contain no single quote (it is rendered into the runbooks)."
  }
}

variable "approvers" {
  description = "IAM user or role ARNs allowed to approve a run (stored in the Approvers parameter)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.approvers) <= 10 && alltrue([for arn in var.approvers : can(regex("^arn:aws[a-z-]*:(iam::[0-9]{12}:(user|role)/.+|sts::[0-9]{12}:assumed-role/.+)$", arn))])
    error_message = "approvers must be at most 10 (the aws:approve limit) IAM user, role or assumed-role ARNs."
  }
}

variable "approval_timeout_seconds" {
  description = "How long the approvers have to approve a run before it expires and nothing is started."
  type        = number
  default     = 1200

  validation {
    condition     = var.approval_timeout_seconds >= 60 && var.approval_timeout_seconds <= 604800 && floor(var.approval_timeout_seconds) == var.approval_timeout_seconds
    error_message = "approval_timeout_seconds must be a whole number from 60 to 604800 (7 days, the longest an Automation step may wait)."
  }
}

variable "require_approval" {
  description = "Whether a run started by hand asks the approvers first (the RequireApproval default of the Start runbook)."
  type        = bool
  default     = true
}

variable "notification_emails" {
  description = "Email addresses subscribed to the topic; each must confirm its subscription."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for email in var.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))])
    error_message = "notification_emails must be email addresses (name@domain)."
  }
}

variable "sns_topic_arn" {
  description = "Existing SNS topic to use instead of creating one; its name must start with Automation."
  type        = string
  default     = null

  validation {
    condition     = var.sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:Automation[A-Za-z0-9_-]*$", var.sns_topic_arn))
    error_message = "sns_topic_arn must be an SNS topic ARN whose topic name starts with Automation, which aws:approve requires."
  }
}

variable "kms_key_arn" {
  description = "KMS key to encrypt the created topic with; null creates a key with rotation on."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); the IAM policy grants use of exactly this key."
  }
}

variable "severity_levels" {
  description = "MSRC severities of the updates to install."
  type        = list(string)
  default     = ["Critical", "Important", "Moderate", "Low"]

  validation {
    condition     = length(var.severity_levels) > 0 && alltrue([for level in var.severity_levels : contains(["Critical", "Important", "Moderate", "Low", "Unspecified"], level)])
    error_message = "severity_levels must list one or more of Critical, Important, Moderate, Low, Unspecified: the MSRC severities AWS-InstallWindowsUpdates accepts, and every run of a runbook with another value would be refused."
  }
}

variable "categories" {
  description = "Update categories to install; empty installs every category."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([for category in var.categories : contains([
      "Application", "Connectors", "CriticalUpdates", "DefinitionUpdates", "DeveloperKits", "Drivers",
      "FeaturePacks", "Guidance", "Microsoft", "SecurityUpdates", "ServicePacks", "Tools", "UpdateRollups", "Updates",
    ], category)])
    error_message = "categories must be AWS-InstallWindowsUpdates categories: Application, Connectors, CriticalUpdates, DefinitionUpdates, DeveloperKits, Drivers, FeaturePacks, Guidance, Microsoft, SecurityUpdates, ServicePacks, Tools, UpdateRollups, Updates."
  }
}

variable "include_kbs" {
  description = "KB articles to install (e.g. KB5005565 or 5005565); empty means no KB filter."
  type        = list(string)
  default     = []

  # AWS-InstallWindowsUpdates' IncludeKbs pattern, item by item.
  validation {
    condition     = alltrue([for kb in var.include_kbs : can(regex("^(KB)?[0-9]{1,7}$", kb))])
    error_message = "include_kbs must be KB article ids such as KB5005565 or 5005565 (at most 7 digits), the form AWS-InstallWindowsUpdates accepts."
  }
}

variable "exclude_kbs" {
  description = "KB articles never to install (e.g. KB5005565 or 5005565); none may also be in include_kbs."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for kb in var.exclude_kbs : can(regex("^(KB)?[0-9]{1,7}$", kb))])
    error_message = "exclude_kbs must be KB article ids such as KB5005565 or 5005565 (at most 7 digits), the form AWS-InstallWindowsUpdates accepts."
  }
  # KB5005565 and 5005565 are one article. Also checked when a run starts (the Start
  # runbook's CheckFilters step) and by `winupdate run`.
  validation {
    condition     = length(setintersection(toset([for kb in var.exclude_kbs : trimprefix(kb, "KB")]), toset([for kb in var.include_kbs : trimprefix(kb, "KB")]))) == 0
    error_message = "exclude_kbs and include_kbs must not share a KB article: a KB both to install and never to install has no meaning."
  }
}

variable "max_concurrency" {
  description = "How many instances are updated at the same time: a number or a percentage of the tagged instances."
  type        = string
  default     = "2"

  validation {
    condition     = can(regex("^([1-9][0-9]{0,6}|[1-9][0-9]?%|100%)$", var.max_concurrency))
    error_message = "max_concurrency must be a positive number of at most 7 digits (e.g. 2) or a percentage from 1% to 100%, as Automation rate control expects (no leading zeros)."
  }
}

variable "max_errors" {
  description = "How many instance failures stop the run from starting more: a number or a percentage."
  type        = string
  default     = "1"

  validation {
    condition     = can(regex("^([1-9][0-9]{0,6}|0|[1-9]?[0-9]%|100%)$", var.max_errors))
    error_message = "max_errors must be a number of at most 7 digits (e.g. 1) or a percentage from 0% to 100%, as Automation rate control expects (no leading zeros)."
  }
}

variable "no_reboot" {
  description = "Create the AMIs without rebooting the instance (file system integrity of the image is then not guaranteed)."
  type        = bool
  default     = false
}

variable "maintenance_window" {
  description = "Optional schedule: a maintenance window with one Automation task. fan_out = \"automation\" (default): the task runs the Start runbook, which starts the per-instance runs under Automation rate control (which ramps up from one instance) and publishes one summary at the end; require_approval (default true) decides whether a scheduled run still asks the approvers. fan_out = \"window\": the window targets the instances tagged target_tag_key=target_tag_value and runs the per-instance runbook on each, at max_concurrency from the start; nothing can ask for approval (require_approval must not be true) and there is no end-of-run summary, only each instance's own success or failure message. max_concurrency and max_errors default to the module's."
  type = object({
    enabled           = optional(bool, false)
    name              = optional(string)
    schedule          = optional(string, "cron(0 3 ? * SUN *)")
    schedule_timezone = optional(string, "UTC")
    duration          = optional(number, 4)
    cutoff            = optional(number, 1)
    fan_out           = optional(string, "automation")
    require_approval  = optional(bool)
    max_concurrency   = optional(string)
    max_errors        = optional(string)
  })
  default = {}

  validation {
    condition     = contains(["automation", "window"], var.maintenance_window.fan_out)
    error_message = "maintenance_window.fan_out must be \"automation\" (the Start runbook starts the per-instance runs under Automation rate control) or \"window\" (the window runs the per-instance runbook on each tagged instance)."
  }
  validation {
    condition     = !(var.maintenance_window.fan_out == "window" && var.maintenance_window.require_approval == true)
    error_message = "maintenance_window.require_approval = true needs fan_out = \"automation\": with fan_out = \"window\" the window starts the per-instance runbook on each instance directly, and only the Start runbook can ask the approvers. Set require_approval = false (or leave it unset) to patch unattended, or use fan_out = \"automation\" to keep the approval."
  }

  validation {
    condition     = can(regex("^(cron|rate|at)\\(.+\\)$", var.maintenance_window.schedule))
    error_message = "maintenance_window.schedule must be a cron(...), rate(...) or at(...) expression."
  }
  validation {
    condition     = var.maintenance_window.duration >= 1 && var.maintenance_window.duration <= 24 && var.maintenance_window.cutoff >= 0 && var.maintenance_window.cutoff < var.maintenance_window.duration
    error_message = "maintenance_window.duration must be 1-24 hours and cutoff 0 or more and less than duration, or no task could ever start."
  }
  validation {
    condition     = var.maintenance_window.max_concurrency == null || can(regex("^([1-9][0-9]{0,6}|[1-9][0-9]?%|100%)$", coalesce(var.maintenance_window.max_concurrency, "1")))
    error_message = "maintenance_window.max_concurrency must be a positive number of at most 7 digits or a percentage from 1% to 100% (no leading zeros)."
  }
  validation {
    condition     = var.maintenance_window.max_errors == null || can(regex("^([1-9][0-9]{0,6}|0|[1-9]?[0-9]%|100%)$", coalesce(var.maintenance_window.max_errors, "0")))
    error_message = "maintenance_window.max_errors must be a number of at most 7 digits or a percentage from 0% to 100% (no leading zeros)."
  }
}

variable "ami_retention_count" {
  description = "After a successful update keep the newest N before/after AMI pairs per instance, deregistering older ones and deleting their snapshots; 0 keeps every AMI."
  type        = number
  default     = 0

  validation {
    condition     = var.ami_retention_count >= 0 && var.ami_retention_count <= 100 && floor(var.ami_retention_count) == var.ami_retention_count
    error_message = "ami_retention_count must be a whole number from 0 (keep all) to 100."
  }
}

variable "parameter_path_prefix" {
  description = "Prefix of the Parameter Store names: empty for the seed's names (EC2UpdateTag, NotificationArn, Approvers), or a path such as /winupdate/."
  type        = string
  default     = ""

  validation {
    condition     = var.parameter_path_prefix == "" || can(regex("^/([A-Za-z0-9_.-]+/)+$", var.parameter_path_prefix))
    error_message = "parameter_path_prefix must be empty or a path that starts and ends with / (e.g. /winupdate/)."
  }
}

variable "create_instance_profile" {
  description = "Create an instance role and profile with AmazonSSMManagedInstanceCore to attach to the Windows instances."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource that takes tags."
  type        = map(string)
  default     = {}
}
