variable "documents_path" {
  description = "Folder holding the runbook templates (<Name>.yaml); each file becomes one Automation document."
  type        = string
}

variable "document_names" {
  description = "Full document name per template base name (AutomationStart, AutomationProcess, CreateImage, WindowsUpdate). The templates reference each other only through this map."
  type        = map(string)
}

variable "role_arn" {
  description = "ARN of the Automation service role; rendered as the default of every runbook's AutomationAssumeRole parameter."
  type        = string
}

variable "parameter_names" {
  description = "Parameter Store names the runbooks read at run time, keyed EC2UpdateTag, NotificationArn and Approvers."
  type        = map(string)
}

variable "defaults" {
  description = "Defaults rendered into the runbooks' parameters and step settings."
  type = object({
    TargetTagValue           = string
    RequireApproval          = bool
    ScheduledRequireApproval = bool
    # The EventBridge schedule's role ("none" without one) and whether its runs ask.
    EventBridgeRoleArn         = string
    EventBridgeRequireApproval = bool
    ApprovalTimeoutSeconds     = number
    # fan_out = "window": the Start runbook arms the run window named RunWindowName.
    FanOutWindow  = bool
    RunWindowName = string
    # Waves: the tag key of each instance's wave ("" for none), the failures a wave may
    # end with, and whether each later wave is approved.
    WaveTagKey               = string
    WaveMaxErrors            = number
    WaveApproval             = bool
    MaxConcurrency           = string
    MaxErrors                = string
    SeverityLevels           = string
    Categories               = string
    IncludeKbs               = string
    ExcludeKbs               = string
    NoReboot                 = bool
    AmiRetentionCount        = number
    RollbackOnFailure        = bool
    PreUpdateHook            = bool
    PreUpdateDocument        = string
    PreUpdateParameters      = string
    PreUpdateTimeoutSeconds  = number
    PostUpdateHook           = bool
    PostUpdateDocument       = string
    PostUpdateParameters     = string
    PostUpdateTimeoutSeconds = number
    OutputToS3               = bool
    OutputS3BucketName       = string
    OutputS3HasKeyPrefix     = bool
    OutputS3KeyPrefix        = string
    OutputToCloudWatch       = bool
    CloudWatchLogGroupName   = string
    CommandOutputWhere       = string
    # The messages' language: Japanese for the %{ if } of fixed texts, "en" or "ja" for the scripts.
    Japanese        = bool
    MessageLanguage = string
  })
}

variable "tags" {
  description = "Tags for every document."
  type        = map(string)
  default     = {}
}
