data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

# The run window: the way an approved run of the Start runbook fans out without Automation
# rate control's ramp (running-automations-scale-controls.md: one instance, then two, four,
# ...). It never runs by itself: created disabled, it is armed by the Start runbook (as the
# module's role) after the approval — the run's parameters, MaxConcurrency and MaxErrors
# written into its task, a one-off at(...) schedule a minute ahead, Enabled — and disabled
# again when its execution has ended. Its window fan-out starts up to MaxConcurrency
# per-instance runs at once and stops starting them after MaxErrors failures.
resource "aws_ssm_maintenance_window" "this" {
  count = var.enabled ? 1 : 0

  name        = var.name
  description = "Armed by the Start runbook after its approval: one run per tagged instance (AMI before, update, AMI after)."
  # A date that never comes while disabled; each run sets its own at(...) and enables it.
  schedule          = "at(2099-12-31T00:00:00)"
  schedule_timezone = "UTC"
  # The longest window AWS allows; no cutoff, so a long run can start instances until its end.
  duration                   = 24
  cutoff                     = 0
  enabled                    = false
  allow_unassociated_targets = false
  tags                       = var.tags

  lifecycle {
    # Written by the Start runbook on each run: a plan must not undo an armed run.
    ignore_changes = [schedule, schedule_timezone, enabled]
  }
}

resource "aws_ssm_maintenance_window_target" "this" {
  count = var.enabled ? 1 : 0

  window_id     = aws_ssm_maintenance_window.this[0].id
  name          = "TaggedInstances"
  description   = "The tagged instances that an approved run updates."
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
  description      = "Starts ${var.process_document_name} on each tagged instance."
  task_type        = "AUTOMATION"
  task_arn         = var.process_document_name
  service_role_arn = var.service_role_arn
  priority         = 1
  max_concurrency  = var.max_concurrency
  max_errors       = var.max_errors

  targets {
    key    = "WindowTargetIds"
    values = [aws_ssm_maintenance_window_target.this[0].id]
  }

  task_invocation_parameters {
    automation_parameters {
      document_version = "$DEFAULT"

      dynamic "parameter" {
        for_each = merge(var.process_parameters, { InstanceId = "{{RESOURCE_ID}}" })
        content {
          name   = parameter.key
          values = [parameter.value]
        }
      }
    }
  }

  lifecycle {
    # Each run writes its own parameters and limits before it arms the window.
    ignore_changes = [max_concurrency, max_errors, task_invocation_parameters]
  }
}
