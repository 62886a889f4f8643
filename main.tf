locals {
  # The one place where cross-document names are made: every runbook reaches the
  # others only through this map, so a prefix change cannot leave a dangling name.
  document_names = {
    for base in ["AutomationStart", "AutomationProcess", "CreateImage", "WindowsUpdate"] :
    base => "${var.document_prefix}${base}"
  }

  # SNS topic names allow no dots; aws:approve needs the name to start with Automation.
  name_stem  = replace(var.document_prefix, ".", "-")
  topic_name = "Automation-${local.name_stem}WindowsUpdate"
  role_name  = "${local.name_stem}WindowsUpdateAutomation"

  create_topic = var.sns_topic_arn == null

  # maintenance_window.fan_out = "window": the window's task starts the per-instance runbook
  # itself, with the parameters that the Start runbook's RunProcesses step passes it, valued
  # as a run of the Start runbook with its defaults passes them (what the targetless task
  # starts). NotificationArn is the topic that the NotificationArn parameter holds: AWS
  # documents {{ssm:...}} references in parameter defaults, not in values passed to a run.
  # An empty filter (no categories, no KBs) is left out: AWS's AutomationParameterValue is
  # 1-512 characters, and the per-instance runbook's default is the same empty value.
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
  tags                    = var.tags
}

module "runbooks" {
  source = "./modules/runbooks"

  documents_path  = "${path.module}/documents"
  document_names  = local.document_names
  role_arn        = module.iam.role_arn
  parameter_names = module.parameters.names
  defaults = {
    TargetTagValue         = var.target_tag_value
    RequireApproval        = var.require_approval
    ApprovalTimeoutSeconds = var.approval_timeout_seconds
    MaxConcurrency         = var.max_concurrency
    MaxErrors              = var.max_errors
    SeverityLevels         = join(",", var.severity_levels)
    Categories             = join(",", var.categories)
    IncludeKbs             = join(",", var.include_kbs)
    ExcludeKbs             = join(",", var.exclude_kbs)
    NoReboot               = var.no_reboot
    AmiRetentionCount      = var.ami_retention_count
  }
  tags = var.tags
}

module "maintenance_window" {
  source = "./modules/maintenance-window"

  enabled               = var.maintenance_window.enabled
  name                  = coalesce(var.maintenance_window.name, "${local.name_stem}WindowsUpdate")
  schedule              = var.maintenance_window.schedule
  schedule_timezone     = var.maintenance_window.schedule_timezone
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
