# fan_out: the run window an approved run arms (the default), or Automation rate control.

mock_provider "aws" {
  override_during = plan
  # The shared answers (test/terraform/mocks).
  source = "./test/terraform/mocks"
}

variables {
  approvers = ["arn:aws:iam::123456789012:user/approver"]
}

run "the_run_window_is_created_disabled_and_only_the_role_may_arm_it" {
  command = plan

  assert {
    condition     = module.run_window.window_id == "mw-0123456789abcdef0"
    error_message = "fan_out = \"window\" (the default) must create the run window."
  }
  assert {
    condition = [
      for statement in jsondecode(output.automation_policy_json).Statement : statement.Resource
      if statement.Sid == "ArmOwnRunWindow"
    ] == ["arn:aws:ssm:us-east-1:123456789012:maintenancewindow/mw-0123456789abcdef0"]
    error_message = "The role may arm, read, cancel and disarm the run window and no other window."
  }
  assert {
    condition = [
      for statement in jsondecode(output.automation_policy_json).Statement : statement.Resource
      if statement.Sid == "SetOwnRunWindowTaskAndTarget"
    ] == [["arn:aws:ssm:us-east-1:123456789012:maintenancewindow/mw-0123456789abcdef0", "arn:aws:ssm:us-east-1:123456789012:windowtarget/*", "arn:aws:ssm:us-east-1:123456789012:windowtask/*"]]
    error_message = "The role may change the task and target of the run window only (the window's ARN is a required resource of both updates)."
  }
  assert {
    condition     = !strcontains(output.operator_policy_json, "UpdateMaintenanceWindow")
    error_message = "An operator must not be able to arm the run window: it starts the per-instance runbook without any approval."
  }
}

run "rate_control_makes_no_run_window_and_no_window_permission" {
  command = plan

  variables {
    fan_out = "rate_control"
  }

  assert {
    condition     = output.run_window_id == null
    error_message = "fan_out = \"rate_control\" must create no run window."
  }
  assert {
    condition     = !strcontains(output.automation_policy_json, "MaintenanceWindow")
    error_message = "fan_out = \"rate_control\": the role must get no maintenance window permission."
  }
}

run "an_unknown_fan_out_is_refused" {
  command = plan

  variables {
    fan_out = "waves"
  }

  expect_failures = [var.fan_out]
}
