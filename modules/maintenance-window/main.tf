locals {
  window_fan_out = var.fan_out == "window"

  # fan_out = "automation": the Start runbook finds the tagged instances itself and applies
  # Automation rate control, so the targetless task passes the limits as runbook parameters
  # (a targetless task accepts none of its own). Not whether the run asks for approval: the
  # Start runbook decides that from what was deployed (a run started as the service role
  # asks as require_approval says), not from a parameter that anyone could pass. fan_out = "window": the window resolves its
  # target and starts the per-instance runbook once per instance ({{RESOURCE_ID}}) under the
  # task's own MaxConcurrency and MaxErrors.
  task_parameters = local.window_fan_out ? merge(var.process_parameters, { InstanceId = "{{RESOURCE_ID}}" }) : {
    MaxConcurrency = var.max_concurrency
    MaxErrors      = var.max_errors
  }
}

resource "aws_ssm_maintenance_window" "this" {
  count = var.enabled ? 1 : 0

  name = var.name
  # No runbook name here: with a 64-character prefix it would pass AWS's 128 characters
  # (the task's description names the runbook).
  description                = local.window_fan_out ? "Windows Update, one run per tagged instance: AMI before, update, AMI after." : "Windows Update through the Start runbook: approval, then per tagged instance AMI before, update, AMI after."
  schedule                   = var.schedule
  schedule_timezone          = var.schedule_timezone
  schedule_offset            = var.schedule_offset
  duration                   = var.duration
  cutoff                     = var.cutoff
  allow_unassociated_targets = false
  tags                       = var.tags

  lifecycle {
    precondition {
      condition     = var.schedule_offset == null || startswith(var.schedule, "cron(")
      error_message = "schedule_offset needs a cron(...) schedule: AWS refuses a schedule offset with rate(...) or at(...)."
    }
  }
}

# Only with fan_out = "window": the tagged instances, resolved by the window when it runs.
resource "aws_ssm_maintenance_window_target" "this" {
  count = var.enabled && local.window_fan_out ? 1 : 0

  window_id     = aws_ssm_maintenance_window.this[0].id
  name          = "TaggedInstances"
  description   = "The tagged instances that the Windows Update task runs on."
  resource_type = "INSTANCE"

  targets {
    key    = "tag:${var.target_tag_key}"
    values = [var.target_tag_value]
  }
}

resource "aws_ssm_maintenance_window_task" "this" {
  count = var.enabled ? 1 : 0

  window_id        = aws_ssm_maintenance_window.this[0].id
  name             = "WindowsUpdate"
  description      = "Starts ${local.window_fan_out ? var.process_document_name : var.start_document_name}."
  task_type        = "AUTOMATION"
  task_arn         = local.window_fan_out ? var.process_document_name : var.start_document_name
  service_role_arn = var.service_role_arn
  priority         = 1
  # A task with targets applies these to them; a targetless task must not set them.
  max_concurrency = local.window_fan_out ? var.max_concurrency : null
  max_errors      = local.window_fan_out ? var.max_errors : null

  dynamic "targets" {
    for_each = aws_ssm_maintenance_window_target.this
    content {
      key    = "WindowTargetIds"
      values = [targets.value.id]
    }
  }

  task_invocation_parameters {
    automation_parameters {
      document_version = "$DEFAULT"

      dynamic "parameter" {
        for_each = local.task_parameters
        content {
          name   = parameter.key
          values = [parameter.value]
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = !local.window_fan_out || !var.require_approval
      error_message = "fan_out = \"window\" cannot ask for approval: the window starts the per-instance runbook directly, without the Start runbook's approval step. Set require_approval = false, or use fan_out = \"automation\"."
    }
    precondition {
      condition     = !local.window_fan_out || (var.process_document_name != null && var.target_tag_key != null && var.target_tag_value != null)
      error_message = "fan_out = \"window\" needs process_document_name, target_tag_key and target_tag_value: the window's target and the runbook it starts per instance."
    }
  }
}
