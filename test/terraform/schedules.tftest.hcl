# Schedules in the module: maintenance_window.schedule_offset and the EventBridge Scheduler
# schedule (eventbridge_schedule, modules/schedule).
#
# References: CreateMaintenanceWindow ScheduleOffset (SSM API Reference: "the number of
# days to wait after the date and time specified by a CRON expression before running the
# maintenance window", 1-6) and "Reference: Cron and rate expressions for Systems Manager"
# (schedule offsets are for cron expressions only); EventBridge Scheduler User Guide,
# "Schedule types on EventBridge Scheduler" and "Using universal targets in EventBridge
# Scheduler" (arn:aws:scheduler:::aws-sdk:<service>:<apiAction>, Input is the request),
# "Set up the execution role" (trust scheduler.amazonaws.com with aws:SourceAccount).

mock_provider "aws" {
  override_during = plan
  # The shared answers (test/terraform/mocks), and this file's own below.
  source = "./test/terraform/mocks"

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/MY-WindowsUpdateSchedule" }
  }
  mock_resource "aws_scheduler_schedule" {
    defaults = { arn = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/MY-WindowsUpdate" }
  }
}

variables {
  approvers = ["arn:aws:iam::123456789012:user/approver"]
}

# -- maintenance_window.schedule_offset ------------------------------------------------------
run "accepts_two_days_after_patch_tuesday" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 3 ? * TUE#2 *)", schedule_offset = 2, schedule_timezone = "Asia/Tokyo" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "The window with an offset must plan."
  }
}

run "passes_the_offset_to_the_window" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 3 ? * TUE#2 *)", schedule_offset = 6 }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "An offset of 6 (AWS's largest) must plan."
  }
}

run "refuses_an_offset_with_a_rate_schedule" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "rate(7 days)", schedule_offset = 2 }
  }

  expect_failures = [var.maintenance_window]
}

run "refuses_an_offset_with_an_at_schedule" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "at(2030-01-31T03:00:00)", schedule_offset = 1 }
  }

  expect_failures = [var.maintenance_window]
}

run "refuses_an_offset_of_seven_days" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 3 ? * TUE#2 *)", schedule_offset = 7 }
  }

  expect_failures = [var.maintenance_window]
}

run "refuses_an_offset_of_zero" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 3 ? * TUE#2 *)", schedule_offset = 0 }
  }

  expect_failures = [var.maintenance_window]
}

run "refuses_a_fractional_offset" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 3 ? * TUE#2 *)", schedule_offset = 1.5 }
  }

  expect_failures = [var.maintenance_window]
}

# -- eventbridge_schedule ----------------------------------------------------------------------
run "no_schedule_by_default" {
  command = plan

  assert {
    condition     = output.eventbridge_schedule_arn == null && output.eventbridge_schedule_role_arn == null
    error_message = "The EventBridge schedule is opt-in."
  }
  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).EventBridgeRoleArn == "none"
    error_message = "Without a schedule no principal may count as the schedule (the rendered role is none)."
  }
}

run "the_schedule_starts_the_start_runbook_as_its_own_role" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true, expression = "cron(0 3 ? * TUE#2 *)", timezone = "Asia/Tokyo" }
  }

  assert {
    condition     = module.schedule.target.arn == "arn:aws:scheduler:::aws-sdk:ssm:startAutomationExecution"
    error_message = "The schedule must call StartAutomationExecution through the universal target."
  }
  assert {
    condition     = module.schedule.target.input == { DocumentName = "MY-AutomationStart" }
    error_message = "The Input must name only the Start runbook: every parameter takes its deployed default."
  }
  assert {
    condition     = output.eventbridge_schedule_role_arn == "arn:aws:iam::123456789012:role/MY-WindowsUpdateSchedule" && output.eventbridge_schedule_role_arn != output.automation_role_arn
    error_message = "The schedule has its own role, not the Automation role."
  }
  assert {
    condition     = output.eventbridge_schedule_arn != null
    error_message = "The schedule's ARN is an output."
  }
}

run "the_schedule_role_is_trusted_by_scheduler_for_this_account_only" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true }
  }

  assert {
    condition = jsondecode(module.schedule.trust_policy_json).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
    error_message = "Only EventBridge Scheduler, for this account's schedules, may assume the schedule's role."
  }
}

run "the_schedule_role_may_start_the_start_runbook_and_pass_the_automation_role_only" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true }
  }

  assert {
    condition = { for s in jsondecode(output.eventbridge_schedule_policy_json).Statement : s.Sid => s } == {
      StartTheStartRunbook = {
        Sid      = "StartTheStartRunbook"
        Effect   = "Allow"
        Action   = ["ssm:StartAutomationExecution"]
        Resource = "arn:aws:ssm:us-east-1:123456789012:automation-definition/MY-AutomationStart:*"
      }
      PassTheAutomationRoleToSsm = {
        Sid       = "PassTheAutomationRoleToSsm"
        Effect    = "Allow"
        Action    = ["iam:PassRole"]
        Resource  = "arn:aws:iam::123456789012:role/MY-WindowsUpdateAutomation"
        Condition = { StringEquals = { "iam:PassedToService" = "ssm.amazonaws.com" } }
      }
      ResolveTheStartRunbookDefaults = {
        Sid      = "ResolveTheStartRunbookDefaults"
        Effect   = "Allow"
        Action   = ["ssm:GetParameters"]
        Resource = ["arn:aws:ssm:us-east-1:123456789012:parameter/MY-EC2UpdateTag", "arn:aws:ssm:us-east-1:123456789012:parameter/MY-NotificationArn"]
      }
    }
    error_message = "The schedule's role may start the Start runbook (its automation-definition only), pass the Automation role to ssm.amazonaws.com only, and read the parameters the Start runbook's defaults reference: nothing else."
  }
}

run "a_schedule_started_run_asks_for_approval_by_default" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true }
  }

  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).EventBridgeRoleArn == "arn:aws:iam::123456789012:role/MY-WindowsUpdateSchedule" && one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).EventBridgeRequireApproval == true
    error_message = "The Start runbook must know the schedule's role and ask when it started the run (rendered, not a parameter)."
  }
}

run "an_unattended_schedule_is_rendered_not_passed" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true, require_approval = false }
  }

  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).EventBridgeRequireApproval == false && one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).RequireApproval == true
    error_message = "eventbridge_schedule.require_approval = false must leave a person's run asking (require_approval)."
  }
  assert {
    condition     = !contains(keys(yamldecode(output.rendered_documents["AutomationStart"]).parameters), "RequireApproval")
    error_message = "No parameter may decide approval."
  }
}

run "accepts_a_rate_schedule_with_a_flexible_window" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true, expression = "rate(7 days)", flexible_time_window_minutes = 15, state = "DISABLED" }
  }

  assert {
    condition     = output.eventbridge_schedule_arn != null
    error_message = "A rate schedule with a 15-minute window, disabled, must plan."
  }
}

run "accepts_a_one_off_at_schedule" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true, expression = "at(2030-01-31T03:00:00)", timezone = "Europe/Berlin" }
  }

  assert {
    condition     = output.eventbridge_schedule_arn != null
    error_message = "An at() schedule must plan."
  }
}

run "refuses_a_schedule_expression_that_is_not_one" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true, expression = "cron(0 3 * * * *)" }
  }

  expect_failures = [var.eventbridge_schedule]
}

run "refuses_a_rate_with_a_plural_unit_for_one" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true, expression = "rate(1 days)" }
  }

  expect_failures = [var.eventbridge_schedule]
}

run "refuses_a_schedule_time_zone_that_is_not_iana" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true, timezone = "JST" }
  }

  expect_failures = [var.eventbridge_schedule]
}

run "refuses_an_unknown_schedule_state" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true, state = "PAUSED" }
  }

  expect_failures = [var.eventbridge_schedule]
}

run "refuses_a_flexible_window_of_more_than_a_day" {
  command = plan

  variables {
    eventbridge_schedule = { enabled = true, flexible_time_window_minutes = 1441 }
  }

  expect_failures = [var.eventbridge_schedule]
}

run "refuses_an_asking_schedule_without_approvers" {
  command = plan

  variables {
    approvers            = []
    require_approval     = false
    eventbridge_schedule = { enabled = true }
  }

  expect_failures = [var.require_approval]
}
