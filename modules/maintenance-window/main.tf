resource "aws_ssm_maintenance_window" "this" {
  count = var.enabled ? 1 : 0

  name                       = var.name
  description                = "Runs ${var.start_document_name}: approval, AMI before, Windows Update, AMI after, per tagged instance."
  schedule                   = var.schedule
  schedule_timezone          = var.schedule_timezone
  duration                   = var.duration
  cutoff                     = var.cutoff
  allow_unassociated_targets = false
  tags                       = var.tags
}

# A task without targets: the Start runbook finds the tagged instances itself and
# applies rate control (MaxConcurrency, MaxErrors) to their per-instance runs.
resource "aws_ssm_maintenance_window_task" "this" {
  count = var.enabled ? 1 : 0

  window_id        = aws_ssm_maintenance_window.this[0].id
  name             = "WindowsUpdate"
  description      = "Starts ${var.start_document_name}."
  task_type        = "AUTOMATION"
  task_arn         = var.start_document_name
  service_role_arn = var.service_role_arn
  priority         = 1

  task_invocation_parameters {
    automation_parameters {
      document_version = "$DEFAULT"

      parameter {
        name   = "RequireApproval"
        values = [tostring(var.require_approval)]
      }
      parameter {
        name   = "MaxConcurrency"
        values = [var.max_concurrency]
      }
      parameter {
        name   = "MaxErrors"
        values = [var.max_errors]
      }
    }
  }
}
