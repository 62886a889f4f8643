variable "document_prefix" {
  description = "Prefix of every name the module makes: the runbooks (<prefix>AutomationStart, <prefix>AutomationProcess, <prefix>CreateImage, <prefix>WindowsUpdate), the roles, the instance profile, the topic (Automation-<prefix>WindowsUpdate), the window and the parameters; deployments with different prefixes share no name."
  type        = string
  default     = "MY-"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{0,64}$", var.document_prefix)) && !can(regex("^(?i)(aws|amazon|amzn)", var.document_prefix))
    error_message = "document_prefix may use only letters, digits, _ . - (at most 64) and must not start with aws, amazon or amzn, which SSM reserves for its own documents."
  }
  # Every name made from the prefix must fit its AWS limit (the table is local.prefixed_name_limits).
  validation {
    condition     = length(var.document_prefix) <= local.document_prefix_room
    error_message = "document_prefix is ${length(var.document_prefix)} characters; with these settings at most ${local.document_prefix_room} fit, because AWS would refuse the ${join("; the ", [for name in local.prefixed_name_limits : "${name.what} ${name.before}${var.document_prefix}${name.after} (${length(var.document_prefix) + name.fixed} characters, AWS allows ${name.max})" if length(var.document_prefix) + name.fixed > name.max])}."
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
  description = "IAM user or role ARNs allowed to approve a run (stored in the Approvers parameter); at least one unless no run asks for approval (require_approval = false and no maintenance window whose runs ask)."
  type        = list(string)
  default     = []

  # aws:approve Approvers: at most 10 principals (Automation actions reference). Each one an
  # exact ARN: the Approvers parameter is a StringList (a comma would split an ARN in two)
  # and aws:approve matches principals, not patterns (no * or ?, no spaces).
  validation {
    condition     = length(var.approvers) <= 10 && alltrue([for arn in var.approvers : can(regex("^arn:aws(-[a-z]+)*:(iam::[0-9]{12}:(user|role)(/[A-Za-z0-9+=.@_-]+)+|sts::[0-9]{12}:assumed-role/[A-Za-z0-9+=.@_-]+/[A-Za-z0-9+=.@_-]+)$", arn))])
    error_message = "approvers must be at most 10 (the aws:approve limit) exact IAM user, role or assumed-role ARNs, such as arn:aws:iam::123456789012:user/alice: no wildcards (* ?), spaces or commas (the Approvers parameter is a comma-separated StringList), nothing around the ARN."
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

variable "message_language" {
  description = "The language of every message the runbooks send (approval requests, per-instance messages, the run's summary): \"en\" (English) or \"ja\" (Japanese). Ids, AMI names, step names and AWS's own error texts stay as they are."
  type        = string
  default     = "en"

  validation {
    condition     = contains(["en", "ja"], var.message_language)
    error_message = "message_language must be \"en\" (English) or \"ja\" (Japanese): the runbooks carry their messages in these two languages only."
  }
}

variable "require_approval" {
  description = "Whether a run started by hand asks the approvers first (rendered into the Start runbook: a person who starts a run cannot skip it); true needs at least one of approvers."
  type        = bool
  default     = true

  # Approval asked and nobody to give it. On require_approval, not on approvers, so that a
  # bad approver ARN is still reported when maintenance_window is bad too (a validation that
  # reads another variable is skipped while that variable is invalid).
  validation {
    condition     = length(var.approvers) > 0 || !(var.require_approval == true || (var.maintenance_window.enabled == true && coalesce(var.maintenance_window.require_approval, var.maintenance_window.fan_out == "automation")) || (var.eventbridge_schedule.enabled == true && var.eventbridge_schedule.require_approval == true))
    error_message = "approvers is empty, but runs ask for approval (require_approval = true, the default, or maintenance_window.require_approval, which defaults to true with fan_out = \"automation\", or eventbridge_schedule.require_approval, true by default): nobody could approve, so every run would wait approval_timeout_seconds and expire without updating anything. List at least one approver ARN in approvers, or set require_approval = false (and maintenance_window.require_approval = false, eventbridge_schedule.require_approval = false) to patch without approval."
  }
}

variable "operator_principals" {
  description = "IAM roles, users and groups (by name) to attach the operator policy to (<document_prefix>WindowsUpdateOperator: start the Start runbook, follow and stop runs; not approve them, not start the other runbooks). The policy is created only when one is given; operator_policy_json has it either way."
  type = object({
    roles  = optional(list(string), [])
    users  = optional(list(string), [])
    groups = optional(list(string), [])
  })
  default = {}

  # Attachments take names (IAM API Reference: RoleName and UserName 1-64, GroupName 1-128
  # characters of [\w+=,.@-]), not ARNs.
  validation {
    condition     = alltrue([for name in concat(var.operator_principals.roles, var.operator_principals.users) : can(regex("^[\\w+=,.@-]{1,64}$", name))]) && alltrue([for name in var.operator_principals.groups : can(regex("^[\\w+=,.@-]{1,128}$", name))])
    error_message = "operator_principals takes IAM names, not ARNs: role and user names of 1-64 and group names of 1-128 letters, digits and + = , . @ _ - (what AttachRolePolicy, AttachUserPolicy and AttachGroupPolicy accept)."
  }
}

variable "approver_principals" {
  description = "IAM roles, users and groups (by name) to attach the approver policy to (<document_prefix>WindowsUpdateApprover: approve or reject runs). A run accepts the signal only from a principal in approvers: list each approving user or role there too. The policy is created only when one is given; approver_policy_json has it either way."
  type = object({
    roles  = optional(list(string), [])
    users  = optional(list(string), [])
    groups = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = alltrue([for name in concat(var.approver_principals.roles, var.approver_principals.users) : can(regex("^[\\w+=,.@-]{1,64}$", name))]) && alltrue([for name in var.approver_principals.groups : can(regex("^[\\w+=,.@-]{1,128}$", name))])
    error_message = "approver_principals takes IAM names, not ARNs: role and user names of 1-64 and group names of 1-128 letters, digits and + = , . @ _ - (what AttachRolePolicy, AttachUserPolicy and AttachGroupPolicy accept)."
  }
}

variable "notification_emails" {
  description = "Email addresses subscribed to the topic; each must confirm its subscription."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for email in var.notification_emails : length(email) <= 254 && can(regex("^[A-Za-z0-9._%+'-]+@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,}$", email))])
    error_message = "notification_emails must be plain email addresses (name@example.com, at most 254 characters): one address each, without commas, spaces, angle brackets or a display name, which SNS would take as one endpoint that no mailbox confirms."
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

variable "fan_out" {
  description = "How an approved run of the Start runbook reaches the tagged instances. \"window\" (default): it arms the module's run window (<document_prefix>WindowsUpdateRun, created disabled): the run's parameters, max_concurrency and max_errors written into the window's task, a one-off at(...) schedule a minute ahead; the window starts up to max_concurrency per-instance runs at once from the start, stops starting them after max_errors failures, and the Start runbook waits for it, disarms it and publishes one summary. One run at a time: a run that finds the window armed or running stops before changing anything; a run longer than 24 hours (the longest window) starts no instance after its 24th hour. \"rate_control\": aws:executeAutomation with the targets under Automation rate control, which starts one instance, then two, four, ... until max_concurrency (running-automations-scale-controls.md): slower, and runs may overlap."
  type        = string
  default     = "window"

  validation {
    condition     = contains(["window", "rate_control"], var.fan_out)
    error_message = "fan_out must be \"window\" (an approved run arms the module's run window, which fans out at max_concurrency from the start) or \"rate_control\" (Automation rate control, which ramps up from one instance)."
  }
}

variable "wave_tag_key" {
  description = "Patch in waves: the tag key whose value (0, 1, 2 ...: whole numbers) is each instance's wave; a run of the Start runbook patches wave 0 (the canary) first, then each next wave only when the one before it ended with at most wave_max_errors failed instances (and, with wave_approval, once the approvers have seen its results). Every instance tagged target_tag_key=target_tag_value must carry a wave number: a run that finds one without refuses before anything changes, so that no server is patched without its canary first. The summary at the end lists every wave. null (default): one wave of all the tagged instances. Needs fan_out = \"window\"."
  type        = string
  default     = null

  validation {
    condition     = var.wave_tag_key == null || can(regex("^[\\p{L}\\p{N} _.:/=+@-]{1,128}$", coalesce(var.wave_tag_key, "x"))) && !startswith(lower(coalesce(var.wave_tag_key, "x")), "aws:")
    error_message = "wave_tag_key must be an EC2 tag key: 1-128 letters, digits, spaces and _ . : / = + - @ (no line break or tab), not starting with aws: (AWS reserves that prefix)."
  }
  validation {
    condition     = var.wave_tag_key != var.target_tag_key
    error_message = "wave_tag_key must differ from target_tag_key: the instances to update all carry target_tag_key=target_tag_value, so it cannot also hold their wave number."
  }
  validation {
    condition     = var.wave_tag_key == null || var.fan_out == "window"
    error_message = "wave_tag_key needs fan_out = \"window\": each wave is one execution of the run window, aimed at that wave's tag; Automation rate control targets a single tag and cannot run the waves one after another."
  }
  validation {
    condition     = var.wave_tag_key == null || !(var.maintenance_window.enabled == true && var.maintenance_window.fan_out == "window")
    error_message = "wave_tag_key does not reach maintenance_window.fan_out = \"window\", whose window runs the per-instance runbook on every tagged instance at once, without the Start runbook: set maintenance_window.fan_out = \"automation\" so that the scheduled runs go wave by wave too."
  }
}

variable "wave_max_errors" {
  description = "With wave_tag_key: how many failed instances a wave may end with before the waves after it are not started (0, default: one failed canary stops the run)."
  type        = number
  default     = 0

  validation {
    condition     = var.wave_max_errors >= 0 && floor(var.wave_max_errors) == var.wave_max_errors
    error_message = "wave_max_errors must be a whole number of failed instances, 0 or more."
  }
}

variable "wave_approval" {
  description = "With wave_tag_key: ask the approvers again before each wave after the first, with the previous wave's results in the request; a rejection or an expiry (approval_timeout_seconds) starts no further wave. Asked whoever started the run, so it needs approvers."
  type        = bool
  default     = false

  validation {
    condition     = !var.wave_approval || var.wave_tag_key != null
    error_message = "wave_approval needs wave_tag_key: without waves there is no later wave to approve."
  }
  validation {
    condition     = !var.wave_approval || length(var.approvers) > 0
    error_message = "wave_approval needs at least one of approvers: nobody could approve the later waves, and every run would stop after its first wave."
  }
}

variable "no_reboot" {
  description = "Create the AMIs without rebooting the instance (file system integrity of the image is then not guaranteed)."
  type        = bool
  default     = false
}

variable "maintenance_window" {
  description = "Optional schedule: a maintenance window with one Automation task; schedule_offset (1-6, cron only) runs it that many days after each cron match (e.g. cron(0 3 ? * TUE#2 *) with 2: the Thursday after Patch Tuesday). fan_out = \"automation\" (default): the task runs the Start runbook, which starts the per-instance runs under Automation rate control (which ramps up from one instance) and publishes one summary at the end; require_approval (default true) decides whether a scheduled run still asks the approvers. fan_out = \"window\": the window targets the instances tagged target_tag_key=target_tag_value and runs the per-instance runbook on each, at max_concurrency from the start; nothing can ask for approval (require_approval must not be true) and there is no end-of-run summary, only each instance's own success or failure message. max_concurrency and max_errors default to the module's."
  type = object({
    enabled           = optional(bool, false)
    name              = optional(string)
    schedule          = optional(string, "cron(0 3 ? * SUN *)")
    schedule_timezone = optional(string, "UTC")
    schedule_offset   = optional(number)
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

  # The patterns and where they come from: limits.tf.
  validation {
    condition = (
      can(regex(local.rate_pattern, var.maintenance_window.schedule)) ||
      can(regex(local.at_pattern, var.maintenance_window.schedule)) ||
      try(alltrue([
        for fields in [split(" ", trimsuffix(trimprefix(var.maintenance_window.schedule, "cron("), ")"))] :
        startswith(var.maintenance_window.schedule, "cron(") && endswith(var.maintenance_window.schedule, ")") && length(fields) == 6 &&
        alltrue([for i, field in fields : can(regex(local.cron_field_patterns[i], field))]) &&
        (fields[2] == "?") != (fields[4] == "?")
      ]), false)
    )
    error_message = "maintenance_window.schedule \"${var.maintenance_window.schedule}\" is not a schedule Systems Manager accepts (Reference: Cron and rate expressions for Systems Manager): cron(minutes hours day-of-month month day-of-week year), six fields, with ? in exactly one of day-of-month and day-of-week (e.g. cron(0 3 ? * SUN *)); or rate(1 day) / rate(7 days) (minutes, hours or days; singular for 1); or at(2030-01-31T03:00:00)."
  }
  # CreateMaintenanceWindow ScheduleOffset (SSM API Reference): "the number of days to wait
  # after the date and time specified by a CRON expression before running the maintenance
  # window", 1-6, and "you can't use a schedule offset with a rate expression" (Reference:
  # Cron and rate expressions for Systems Manager, "Schedule offsets").
  validation {
    condition     = var.maintenance_window.schedule_offset == null || (startswith(var.maintenance_window.schedule, "cron(") && try(var.maintenance_window.schedule_offset >= 1 && var.maintenance_window.schedule_offset <= 6 && floor(var.maintenance_window.schedule_offset) == var.maintenance_window.schedule_offset, false))
    error_message = "maintenance_window.schedule_offset is the number of days after each cron match that the window runs: a whole number from 1 to 6, with a cron(...) schedule only (CreateMaintenanceWindow ScheduleOffset; rate and at schedules take none). For example two days after Patch Tuesday: schedule = \"cron(0 3 ? * TUE#2 *)\" with schedule_offset = 2. Leave it unset to run on the cron match itself."
  }
  validation {
    condition     = can(regex(local.timezone_pattern, var.maintenance_window.schedule_timezone))
    error_message = "maintenance_window.schedule_timezone \"${var.maintenance_window.schedule_timezone}\" is not an IANA time zone name as the window takes it: UTC, Etc/GMT+N, or Area/Location such as Europe/Berlin, America/Argentina/Buenos_Aires or Asia/Tokyo (areas: Africa, America, Antarctica, Arctic, Asia, Atlantic, Australia, Europe, Indian, Pacific; legacy names such as US/Eastern are refused: use the canonical name)."
  }
  # The default name, <document_prefix>WindowsUpdate, always fits: the prefix takes only
  # these characters and at most 64 of them.
  validation {
    condition     = var.maintenance_window.name == null || can(regex(local.window_name_pattern, coalesce(var.maintenance_window.name, "unset")))
    error_message = "maintenance_window.name \"${coalesce(var.maintenance_window.name, "unset")}\" is not a window name AWS accepts: 3-128 letters, digits, _ - and . (CreateMaintenanceWindow); leave it unset for <document_prefix>WindowsUpdate."
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

variable "eventbridge_schedule" {
  description = "Optional schedule, the alternative to maintenance_window: an EventBridge Scheduler schedule (modules/schedule) that starts the Start runbook through the universal target ssm:startAutomationExecution, as its own role (trusted by scheduler.amazonaws.com; may start the Start runbook and pass the Automation role to Systems Manager, nothing else). expression is cron(...), rate(...) or at(...), read in timezone (at(...) too); flexible_time_window_minutes unset invokes at the time itself; state DISABLED keeps it without starting anything. require_approval (default true) is whether a run the schedule started asks the approvers: rendered into the Start runbook, which tells such a run by its starter (the schedule's role, which only EventBridge Scheduler can assume), so nobody who starts a run can skip it. name defaults to <document_prefix>WindowsUpdate, the role is <document_prefix>WindowsUpdateSchedule."
  type = object({
    enabled                      = optional(bool, false)
    name                         = optional(string)
    expression                   = optional(string, "cron(0 3 ? * SUN *)")
    timezone                     = optional(string, "UTC")
    flexible_time_window_minutes = optional(number)
    state                        = optional(string, "ENABLED")
    require_approval             = optional(bool, true)
    maximum_retry_attempts       = optional(number, 3)
  })
  default = {}

  # EventBridge Scheduler's expressions (Schedule types on EventBridge Scheduler) are the
  # cron/rate/at family that limits.tf spells out for Systems Manager: the same six cron
  # fields with ? L W #, rate(value unit) and at(yyyy-mm-ddThh:mm:ss). They differ in
  # meaning, not grammar: an at(...) time is read in timezone, not UTC, and there is no
  # schedule offset.
  validation {
    condition = (
      can(regex(local.rate_pattern, var.eventbridge_schedule.expression)) ||
      can(regex(local.at_pattern, var.eventbridge_schedule.expression)) ||
      try(alltrue([
        for fields in [split(" ", trimsuffix(trimprefix(var.eventbridge_schedule.expression, "cron("), ")"))] :
        startswith(var.eventbridge_schedule.expression, "cron(") && endswith(var.eventbridge_schedule.expression, ")") && length(fields) == 6 &&
        alltrue([for i, field in fields : can(regex(local.cron_field_patterns[i], field))]) &&
        (fields[2] == "?") != (fields[4] == "?")
      ]), false)
    )
    error_message = "eventbridge_schedule.expression \"${var.eventbridge_schedule.expression}\" is not a schedule EventBridge Scheduler accepts (Schedule types on EventBridge Scheduler): cron(minutes hours day-of-month month day-of-week year), six fields, with ? in exactly one of day-of-month and day-of-week (e.g. cron(0 3 ? * TUE#2 *)); or rate(1 day) / rate(7 days) (minutes, hours or days; singular for 1); or at(2030-01-31T03:00:00), read in eventbridge_schedule.timezone."
  }
  validation {
    condition     = can(regex(local.timezone_pattern, var.eventbridge_schedule.timezone))
    error_message = "eventbridge_schedule.timezone \"${var.eventbridge_schedule.timezone}\" is not an IANA time zone name: UTC, Etc/GMT+N, or Area/Location such as Europe/Berlin or Asia/Tokyo (legacy names such as US/Eastern are refused: use the canonical name)."
  }
  validation {
    condition     = contains(["ENABLED", "DISABLED"], var.eventbridge_schedule.state)
    error_message = "eventbridge_schedule.state must be ENABLED or DISABLED (CreateSchedule State)."
  }
  validation {
    condition     = var.eventbridge_schedule.flexible_time_window_minutes == null || try(var.eventbridge_schedule.flexible_time_window_minutes >= 1 && var.eventbridge_schedule.flexible_time_window_minutes <= 1440 && floor(var.eventbridge_schedule.flexible_time_window_minutes) == var.eventbridge_schedule.flexible_time_window_minutes, false)
    error_message = "eventbridge_schedule.flexible_time_window_minutes must be unset (the run starts at the schedule's time: FlexibleTimeWindow OFF) or a whole number of minutes from 1 to 1440 (MaximumWindowInMinutes)."
  }
  # The default name, <document_prefix>WindowsUpdate, always fits: the prefix is at most 41
  # characters with the Automation role's name; so does the role, two characters shorter.
  validation {
    condition     = var.eventbridge_schedule.name == null || can(regex("^[0-9a-zA-Z_.-]{1,64}$", coalesce(var.eventbridge_schedule.name, "unset")))
    error_message = "eventbridge_schedule.name must be 1-64 letters, digits, _ - and . (CreateSchedule Name); leave it unset for <document_prefix>WindowsUpdate."
  }
  validation {
    condition     = var.eventbridge_schedule.maximum_retry_attempts >= 0 && var.eventbridge_schedule.maximum_retry_attempts <= 185 && floor(var.eventbridge_schedule.maximum_retry_attempts) == var.eventbridge_schedule.maximum_retry_attempts
    error_message = "eventbridge_schedule.maximum_retry_attempts must be a whole number from 0 to 185 (RetryPolicy MaximumRetryAttempts)."
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
  description = "Path of the Parameter Store names, which are <parameter_path_prefix><document_prefix>EC2UpdateTag, ...NotificationArn and ...Approvers: empty for no path, or a path such as /winupdate/."
  type        = string
  default     = ""

  validation {
    condition     = var.parameter_path_prefix == "" || can(regex("^/([A-Za-z0-9_.-]+/)+$", var.parameter_path_prefix))
    error_message = "parameter_path_prefix must be empty or a path that starts and ends with / (e.g. /winupdate/)."
  }
  # Requirements and constraints for parameter names (SSM User Guide). The checks of the
  # whole names (with document_prefix: none may start with aws or ssm, at most 1011
  # characters with the ARN) are preconditions of the parameter_names output.
  validation {
    condition     = !can(regex("^/(?i)(aws|ssm)", var.parameter_path_prefix))
    error_message = "parameter_path_prefix must not start with /aws or /ssm (any case): Parameter Store reserves those names."
  }
  validation {
    condition     = length(regexall("/", var.parameter_path_prefix)) <= 15
    error_message = "parameter_path_prefix has ${max(length(regexall("/", var.parameter_path_prefix)) - 1, 0)} folders; a parameter name may have at most 15 levels, itself included (Parameter Store's hierarchy limit), so at most 14 folders fit."
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

  # The limits and where they come from: limits.tf.
  validation {
    condition     = length(var.tags) <= 50
    error_message = "tags has ${length(var.tags)} tags; IAM roles and SNS topics take at most 50."
  }
  validation {
    condition     = alltrue([for key in keys(var.tags) : length(key) >= 1 && length(key) <= 128 && !startswith(lower(key), "aws:")])
    error_message = "Tag keys must be 1-128 characters and must not start with aws:, which AWS reserves for its own tags: ${join(", ", [for key in keys(var.tags) : "\"${key}\"" if !(length(key) >= 1 && length(key) <= 128 && !startswith(lower(key), "aws:"))])}."
  }
  validation {
    condition     = alltrue([for value in values(var.tags) : length(value) <= 256 && !startswith(lower(value), "aws:")])
    error_message = "Tag values must be at most 256 characters and must not start with aws:, which AWS reserves: the values of ${join(", ", [for key, value in var.tags : key if length(value) > 256 || startswith(lower(value), "aws:")])}."
  }
  validation {
    condition     = alltrue([for key, value in var.tags : can(regex(local.tag_pattern, key)) && can(regex(local.tag_pattern, value))])
    error_message = "Tag keys and values may hold only letters, digits, spaces and _ . : / = + - @ (what IAM, SNS, KMS and SSM all accept; no newlines, braces or quotes): ${join(", ", [for key, value in var.tags : key if !(can(regex(local.tag_pattern, key)) && can(regex(local.tag_pattern, value)))])}."
  }
}

variable "rollback_on_failure" {
  description = "When AWS-InstallWindowsUpdates fails on an instance, or its post_update_command fails, put the instance back to the AMI made before its update (root volume replaced from the AMI, every data volume from its snapshot, the replaced volumes kept and tagged) before the failure is reported. The AMI after is not made for a failed update."
  type        = bool
  default     = false
}

variable "pre_update_command" {
  description = "Optional Run Command document run on each instance after its AMI before and before the update (e.g. AWS-RunPowerShellScript with parameters = { commands = [\"...\"] }, or your own Command document): a failure ends that instance's run with nothing updated and its state restored. Parameters are the document's, each a list of strings as SendCommand takes them. Runs as SYSTEM on your servers: it is a deployment fact, not something whoever starts a run can change."
  type = object({
    document_name   = string
    parameters      = optional(map(list(string)), {})
    timeout_seconds = optional(number, 600)
  })
  default = null

  validation {
    condition     = var.pre_update_command == null || can(regex("^[a-zA-Z0-9_.:/-]{3,128}$", var.pre_update_command.document_name))
    error_message = "pre_update_command.document_name must be a Command document name or ARN (3-128 letters, digits, _ - . : /), as SendCommand takes it."
  }
  validation {
    condition     = var.pre_update_command == null || try(var.pre_update_command.timeout_seconds >= 30 && var.pre_update_command.timeout_seconds <= 172800, false)
    error_message = "pre_update_command.timeout_seconds must be 30-172800: SendCommand's TimeoutSeconds allows 30 seconds to 48 hours."
  }
  # The parameters are rendered into the runbook, whose rendering must leave no template
  # marker; {{ }} would be read by Automation as one of its variables.
  validation {
    condition     = var.pre_update_command == null || alltrue([for value in flatten(values(try(var.pre_update_command.parameters, {}))) : alltrue([for marker in local.rendered_markers : !strcontains(value, marker)])])
    error_message = "pre_update_command.parameters must not contain a dollar or percent sign before a brace, nor a double brace: they are rendered into the runbook (write a PowerShell variable without braces)."
  }
}

variable "post_update_command" {
  description = "Optional Run Command document run on each instance after the update and its reboots, before the AMI after: a health check. A failure fails the instance's run (and rolls it back when rollback_on_failure). Same shape as pre_update_command."
  type = object({
    document_name   = string
    parameters      = optional(map(list(string)), {})
    timeout_seconds = optional(number, 600)
  })
  default = null

  validation {
    condition     = var.post_update_command == null || can(regex("^[a-zA-Z0-9_.:/-]{3,128}$", var.post_update_command.document_name))
    error_message = "post_update_command.document_name must be a Command document name or ARN (3-128 letters, digits, _ - . : /), as SendCommand takes it."
  }
  validation {
    condition     = var.post_update_command == null || try(var.post_update_command.timeout_seconds >= 30 && var.post_update_command.timeout_seconds <= 172800, false)
    error_message = "post_update_command.timeout_seconds must be 30-172800: SendCommand's TimeoutSeconds allows 30 seconds to 48 hours."
  }
  # The parameters are rendered into the runbook, whose rendering must leave no template
  # marker; {{ }} would be read by Automation as one of its variables.
  validation {
    condition     = var.post_update_command == null || alltrue([for value in flatten(values(try(var.post_update_command.parameters, {}))) : alltrue([for marker in local.rendered_markers : !strcontains(value, marker)])])
    error_message = "post_update_command.parameters must not contain a dollar or percent sign before a brace, nor a double brace: they are rendered into the runbook (write a PowerShell variable without braces)."
  }
}

variable "command_output" {
  description = "Where Run Command keeps the whole output of the update and the hooks: an S3 bucket (and key prefix) and/or a CloudWatch Logs group (SendCommand OutputS3BucketName, OutputS3KeyPrefix, CloudWatchOutputConfig). The instance role gets permission to write exactly there; the messages name where the full output is. Unset: only the first 24,000 characters, through the API."
  type = object({
    s3_bucket_name            = optional(string)
    s3_key_prefix             = optional(string, "")
    cloudwatch_log_group_name = optional(string)
  })
  default = {}

  validation {
    condition     = var.command_output.s3_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.command_output.s3_bucket_name, "x")))
    error_message = "command_output.s3_bucket_name must be an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
  validation {
    condition     = length(var.command_output.s3_key_prefix) <= 500 && !startswith(var.command_output.s3_key_prefix, "/")
    error_message = "command_output.s3_key_prefix must be at most 500 characters (SendCommand OutputS3KeyPrefix) and must not start with /."
  }
  validation {
    condition     = var.command_output.cloudwatch_log_group_name == null || can(regex("^[.\\-_/#A-Za-z0-9]{1,512}$", coalesce(var.command_output.cloudwatch_log_group_name, "x")))
    error_message = "command_output.cloudwatch_log_group_name must be a log group name: 1-512 letters, digits and . - _ / # (CloudWatchOutputConfig.CloudWatchLogGroupName)."
  }
}
