locals {
  # The one place where cross-document names are made: every runbook reaches the
  # others only through this map, so a prefix change cannot leave a dangling name.
  document_bases = ["AutomationStart", "AutomationProcess", "CreateImage", "WindowsUpdate", "Restore"]
  document_names = { for base in local.document_bases : base => "${var.document_prefix}${base}" }

  # Every other name carries the whole prefix too, so that two deployments with different
  # prefixes in one account share no name (the parameters included: they are
  # <parameter_path_prefix><document_prefix><Name>). aws:approve needs the topic's name to
  # start with Automation; SNS allows no dots in it, so a dotted prefix is written with
  # dashes there and the topic gets a hash of the prefix, or "A.B-" and "A-B-" would share
  # the topic and its key alias.
  role_name       = "${var.document_prefix}WindowsUpdateAutomation"
  window_name     = "${var.document_prefix}WindowsUpdate"
  run_window_name = "${var.document_prefix}WindowsUpdateRun"
  topic_hash      = strcontains(var.document_prefix, ".") ? "-${substr(sha1(var.document_prefix), 0, 8)}" : ""
  topic_name      = "Automation-${replace(var.document_prefix, ".", "-")}WindowsUpdate${local.topic_hash}"

  create_topic = var.sns_topic_arn == null

  # The names made from document_prefix, each as <before><prefix><after>, with the longest
  # name AWS accepts for it; `fixed` is the length of the name without the prefix (the topic's
  # 9-character hash counted, though only a dotted prefix gets it). The document_prefix
  # validation checks the prefix against this table: a validation may not read the names
  # above, which are made from the variable it validates. The limits: CreateDocument Name
  # ^[a-zA-Z0-9_\-.]{3,128}$ (SSM API Reference); CreateRole RoleName 64 and
  # CreateInstanceProfile InstanceProfileName 128 characters (IAM API Reference); CreateTopic
  # Name 256 characters (SNS API Reference); CreateAlias AliasName 256 characters, alias/
  # included (KMS API Reference).
  prefixed_name_limits = [
    for name in concat(
      [for base in local.document_bases : { what = "Automation document name", before = "", after = base, hash = false, max = 128 }],
      [{ what = "IAM role name", before = "", after = "WindowsUpdateAutomation", hash = false, max = 64 }],
      var.create_instance_profile ? [
        { what = "IAM role name (instance role)", before = "", after = "WindowsUpdateAutomation-Instance", hash = false, max = 64 },
        { what = "instance profile name", before = "", after = "WindowsUpdateAutomation-Instance", hash = false, max = 128 },
      ] : [],
      # Made unless sns_topic_arn (or kms_key_arn) is given; listed always, so that the table
      # reads no variable that a bad value could make the check skip.
      [{ what = "SNS topic name", before = "Automation-", after = "WindowsUpdate", hash = true, max = 256 }],
      [{ what = "KMS alias name", before = "alias/Automation-", after = "WindowsUpdate", hash = true, max = 256 }],
      # CreatePolicy PolicyName: 128 characters (IAM API Reference); listed always, as above.
      [{ what = "IAM policy name (operators)", before = "", after = "WindowsUpdateOperator", hash = false, max = 128 }],
      [{ what = "IAM policy name (approvers)", before = "", after = "WindowsUpdateApprover", hash = false, max = 128 }],
    ) : merge(name, { fixed = length(name.before) + length(name.after) + (name.hash ? 9 : 0) })
  ]
  # Parameter Store counts a parameter name with its whole ARN (the account is 12 digits).
  longest_parameter_arn = "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.name}:123456789012:parameter/${trimprefix(var.parameter_path_prefix, "/")}${var.document_prefix}NotificationArn"

  # The longest prefix that every name above allows.
  document_prefix_room = min([for name in local.prefixed_name_limits : name.max - name.fixed]...)

  # maintenance_window.fan_out = "window": the window's task starts the per-instance runbook
  # itself, with the parameters that the Start runbook's RunProcesses step passes it, valued
  # as a run of the Start runbook with its defaults passes them (what the targetless task
  # starts). NotificationArn is the topic that the NotificationArn parameter holds: AWS
  # documents {{ssm:...}} references in parameter defaults, not in values passed to a run.
  # An empty filter (no categories, no KBs) is left out: AWS's AutomationParameterValue is
  # 1-512 characters, and the per-instance runbook's default is the same empty value.
  # Where the messages say the whole output of a command is (command_output).
  # In message_language, like the messages that carry it.
  japanese = var.message_language == "ja"
  command_output_where = join(local.japanese ? " と " : " and ", concat(
    var.command_output.s3_bucket_name == null ? [] : ["s3://${var.command_output.s3_bucket_name}/${var.command_output.s3_key_prefix}"],
    var.command_output.cloudwatch_log_group_name == null ? [] : [local.japanese ? "CloudWatch Logs のロググループ ${var.command_output.cloudwatch_log_group_name}" : "CloudWatch Logs group ${var.command_output.cloudwatch_log_group_name}"],
    var.command_output.s3_bucket_name == null && var.command_output.cloudwatch_log_group_name == null ? [local.japanese ? "GetCommandInvocation（先頭 24,000 文字まで。すべてを残すには command_output を設定してください）" : "GetCommandInvocation, its first 24,000 characters (set command_output to keep all of it)"] : [],
  ))

  start_runbook = yamldecode(module.runbooks.rendered["AutomationStart"])
  process_parameters = merge(
    {
      for name in [
        "Action", "AllowReboot", "SeverityLevels", "Categories", "IncludeKbs", "ExcludeKbs",
        "PublishedDaysOld", "PublishedDateAfter", "PublishedDateBefore", "NoReboot",
        "AmiRetentionCount", "AutomationAssumeRole",
      ] :
      name => tostring(local.start_runbook.parameters[name].default)
      if tostring(local.start_runbook.parameters[name].default) != ""
    },
    { NotificationArn = module.notifications.topic_arn },
  )
}

module "notifications" {
  source = "./modules/notifications"

  create_topic        = local.create_topic
  topic_name          = local.topic_name
  existing_topic_arn  = var.sns_topic_arn
  kms_key_arn         = var.kms_key_arn
  notification_emails = var.notification_emails
  tags                = var.tags
}

module "parameters" {
  source = "./modules/parameters"

  path_prefix      = var.parameter_path_prefix
  name_prefix      = var.document_prefix
  target_tag_key   = var.target_tag_key
  notification_arn = module.notifications.topic_arn
  approvers        = var.approvers
  tags             = var.tags
}

module "iam" {
  source = "./modules/iam"

  name                    = local.role_name
  document_names          = local.document_names
  target_tag_key          = var.target_tag_key
  target_tag_value        = var.target_tag_value
  sns_topic_arn           = module.notifications.topic_arn
  kms_key_arn             = module.notifications.kms_key_arn
  parameter_names         = values(module.parameters.names)
  enable_ami_retention    = var.ami_retention_count > 0
  create_instance_profile = var.create_instance_profile
  hook_document_names     = compact([try(var.pre_update_command.document_name, ""), try(var.post_update_command.document_name, "")])
  command_output          = var.command_output
  arm_run_window          = var.fan_out == "window"
  run_window_arn          = module.run_window.window_arn
  tags                    = var.tags
}

# fan_out = "window": the window an approved run arms (modules/run-window).
module "run_window" {
  source = "./modules/run-window"

  enabled               = var.fan_out == "window"
  name                  = local.run_window_name
  process_document_name = module.runbooks.document_names["AutomationProcess"]
  process_parameters    = local.process_parameters
  target_tag_key        = var.target_tag_key
  target_tag_value      = var.target_tag_value
  service_role_arn      = module.iam.created_role_arn
  max_concurrency       = var.max_concurrency
  max_errors            = var.max_errors
  tags                  = var.tags
}

# Policies for people: operators start runs, approvers approve them (item 1 of the
# safety invariants: nobody who starts a run can skip or redirect its approval).
module "access" {
  source = "./modules/access"

  name_prefix           = var.document_prefix
  start_document_name   = local.document_names["AutomationStart"]
  restore_document_name = local.document_names["Restore"]
  # Exactly the parameters the Start and Restore runbooks' defaults reference:
  # StartAutomationExecution resolves them as its caller.
  start_parameter_names = sort(distinct(flatten([
    for parameter in concat(values(local.start_runbook.parameters), values(yamldecode(module.runbooks.rendered["Restore"]).parameters)) :
    regexall("\\{\\{\\s*ssm:([^{}\\s]+)\\s*\\}\\}", tostring(try(parameter.default, "")))
  ])))
  role_arn            = module.iam.role_arn
  operator_principals = var.operator_principals
  approver_principals = var.approver_principals
  tags                = var.tags
}

module "runbooks" {
  source = "./modules/runbooks"

  documents_path  = "${path.module}/documents"
  document_names  = local.document_names
  role_arn        = module.iam.role_arn
  parameter_names = module.parameters.names
  defaults = {
    TargetTagValue  = var.target_tag_value
    RequireApproval = var.require_approval
    # A run the window starts (as the module's role): maintenance_window.require_approval,
    # which asks unless set false (nothing asks with fan_out window, which starts no
    # Start runbook). Rendered, not passed by the task: a person could pass a parameter.
    ScheduledRequireApproval = coalesce(var.maintenance_window.require_approval, var.maintenance_window.fan_out == "automation")
    # A run the EventBridge schedule started (as its own role, which only EventBridge
    # Scheduler can assume): eventbridge_schedule.require_approval. No role, no such run.
    EventBridgeRoleArn         = coalesce(module.schedule.role_arn, "none")
    EventBridgeRequireApproval = var.eventbridge_schedule.require_approval
    ApprovalTimeoutSeconds     = var.approval_timeout_seconds
    # fan_out: the Start runbook arms the run window (found by its name), or applies
    # Automation rate control itself.
    FanOutWindow  = var.fan_out == "window"
    RunWindowName = local.run_window_name
    # wave_tag_key: the run goes wave by wave ("" = one wave of every tagged instance).
    WaveTagKey        = var.wave_tag_key == null ? "" : var.wave_tag_key
    WaveMaxErrors     = var.wave_max_errors
    WaveApproval      = var.wave_approval
    MaxConcurrency    = var.max_concurrency
    MaxErrors         = var.max_errors
    SeverityLevels    = join(",", var.severity_levels)
    Categories        = join(",", var.categories)
    IncludeKbs        = join(",", var.include_kbs)
    ExcludeKbs        = join(",", var.exclude_kbs)
    NoReboot          = var.no_reboot
    AmiRetentionCount = var.ami_retention_count
    RollbackOnFailure = var.rollback_on_failure
    # The hooks are rendered into the per-instance runbook (its steps exist only when set):
    # they run as SYSTEM on the servers, so nobody who starts a run may change them.
    PreUpdateHook            = var.pre_update_command != null
    PreUpdateDocument        = try(var.pre_update_command.document_name, "")
    PreUpdateParameters      = jsonencode(try(var.pre_update_command.parameters, {}))
    PreUpdateTimeoutSeconds  = try(var.pre_update_command.timeout_seconds, 600)
    PostUpdateHook           = var.post_update_command != null
    PostUpdateDocument       = try(var.post_update_command.document_name, "")
    PostUpdateParameters     = jsonencode(try(var.post_update_command.parameters, {}))
    PostUpdateTimeoutSeconds = try(var.post_update_command.timeout_seconds, 600)
    OutputToS3               = var.command_output.s3_bucket_name != null
    OutputS3BucketName       = var.command_output.s3_bucket_name == null ? "" : var.command_output.s3_bucket_name
    OutputS3HasKeyPrefix     = var.command_output.s3_key_prefix != ""
    OutputS3KeyPrefix        = var.command_output.s3_key_prefix
    OutputToCloudWatch       = var.command_output.cloudwatch_log_group_name != null
    CloudWatchLogGroupName   = var.command_output.cloudwatch_log_group_name == null ? "" : var.command_output.cloudwatch_log_group_name
    CommandOutputWhere       = local.command_output_where
    # message_language: fixed texts switch on Japanese (%{ if }), the scripts read MessageLanguage.
    Japanese        = local.japanese
    MessageLanguage = var.message_language
  }
  tags = var.tags
}

module "maintenance_window" {
  source = "./modules/maintenance-window"

  enabled               = var.maintenance_window.enabled
  name                  = coalesce(var.maintenance_window.name, local.window_name)
  schedule              = var.maintenance_window.schedule
  schedule_timezone     = var.maintenance_window.schedule_timezone
  schedule_offset       = var.maintenance_window.schedule_offset
  duration              = var.maintenance_window.duration
  cutoff                = var.maintenance_window.cutoff
  fan_out               = var.maintenance_window.fan_out
  start_document_name   = module.runbooks.document_names["AutomationStart"]
  process_document_name = module.runbooks.document_names["AutomationProcess"]
  process_parameters    = local.process_parameters
  target_tag_key        = var.target_tag_key
  target_tag_value      = var.target_tag_value
  service_role_arn      = module.iam.role_arn
  # Unset: the Start runbook asks (fan_out automation); nothing can ask with fan_out window.
  require_approval = coalesce(var.maintenance_window.require_approval, var.maintenance_window.fan_out == "automation")
  max_concurrency  = coalesce(var.maintenance_window.max_concurrency, var.max_concurrency)
  max_errors       = coalesce(var.maintenance_window.max_errors, var.max_errors)
  tags             = var.tags

  # The role ARN is built from its name; the window task needs the role to exist.
  depends_on = [module.iam]
}

data "aws_region" "current" {}

# The parameter_names output measures the parameters' ARNs, as Parameter Store counts them.
data "aws_partition" "current" {}

# The alternative trigger: EventBridge Scheduler starts the Start runbook as its own role.
module "schedule" {
  source = "./modules/schedule"

  enabled                      = var.eventbridge_schedule.enabled
  name                         = coalesce(var.eventbridge_schedule.name, local.window_name)
  role_name                    = "${var.document_prefix}WindowsUpdateSchedule"
  expression                   = var.eventbridge_schedule.expression
  timezone                     = var.eventbridge_schedule.timezone
  flexible_time_window_minutes = var.eventbridge_schedule.flexible_time_window_minutes
  state                        = var.eventbridge_schedule.state
  maximum_retry_attempts       = var.eventbridge_schedule.maximum_retry_attempts
  # From the document, so that the schedule waits for it; the role's ARN does not.
  start_document_name = module.runbooks.document_names["AutomationStart"]
  automation_role_arn = module.iam.role_arn
  start_parameter_names = sort(distinct(flatten([
    for parameter in values(local.start_runbook.parameters) :
    regexall("\\{\\{\\s*ssm:([^{}\\s]+)\\s*\\}\\}", tostring(try(parameter.default, "")))
  ])))
  tags = var.tags
}

