# The maintenance window's fan-out: the Start runbook under Automation rate control
# (default), or the window itself running the per-instance runbook on its target.

mock_provider "aws" {
  override_during = plan
  # The shared answers (test/terraform/mocks), and this file's own below.
  source = "./test/terraform/mocks"

  mock_resource "aws_ssm_maintenance_window_target" {
    defaults = { id = "00000000-0000-0000-0000-00000000000a" }
  }
}

variables {
  # Runs ask for approval by default: the module refuses to plan without an approver.
  approvers           = ["arn:aws:iam::123456789012:user/approver"]
  target_tag_key      = "PatchMe"
  target_tag_value    = "Yes"
  max_concurrency     = "3"
  max_errors          = "2"
  severity_levels     = ["Critical", "Important"]
  no_reboot           = true
  ami_retention_count = 2
}

run "default_fan_out_runs_the_start_runbook_without_targets" {
  command = plan

  variables {
    maintenance_window = { enabled = true }
  }

  assert {
    condition     = output.maintenance_window_task.document_name == "MY-AutomationStart"
    error_message = "By default the window's task must run the Start runbook."
  }
  assert {
    condition     = output.maintenance_window_task.targets == {} && output.maintenance_window_task.window_target == null && output.maintenance_window_target_id == null
    error_message = "By default the task has no targets and the window no target: the Start runbook finds the tagged instances."
  }
  assert {
    condition     = output.maintenance_window_task.max_concurrency == null && output.maintenance_window_task.max_errors == null
    error_message = "A targetless task must not set MaxConcurrency or MaxErrors (AWS rejects them)."
  }
  assert {
    condition = { for name, values in output.maintenance_window_task.parameters : name => one(values) } == {
      MaxConcurrency = "3"
      MaxErrors      = "2"
    }
    error_message = "By default the task passes the Start runbook the module's MaxConcurrency and MaxErrors, nothing else (whether it asks is rendered in, not passed)."
  }
  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).ScheduledRequireApproval == true
    error_message = "By default a scheduled run (started as the module's role) must still ask the approvers."
  }
}

run "default_fan_out_keeps_an_explicit_no_approval" {
  command = plan

  variables {
    maintenance_window = { enabled = true, fan_out = "automation", require_approval = false, max_concurrency = "10%", max_errors = "0" }
  }

  assert {
    condition     = { for name, values in output.maintenance_window_task.parameters : name => one(values) } == { MaxConcurrency = "10%", MaxErrors = "0" }
    error_message = "The window's own max_concurrency and max_errors must reach the Start runbook."
  }
  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).ScheduledRequireApproval == false && one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).RequireApproval == true
    error_message = "The window's own require_approval must decide for scheduled runs only; a run started by hand still asks."
  }
}

run "window_fan_out_targets_the_tagged_instances" {
  command = plan

  variables {
    maintenance_window = { enabled = true, fan_out = "window" }
  }

  assert {
    condition     = output.maintenance_window_target_id == "00000000-0000-0000-0000-00000000000a"
    error_message = "fan_out = window must create a window target."
  }
  assert {
    condition     = output.maintenance_window_task.window_target.resource_type == "INSTANCE" && output.maintenance_window_task.window_target.targets == { "tag:PatchMe" = tolist(["Yes"]) }
    error_message = "The window target must be the instances tagged target_tag_key=target_tag_value."
  }
  assert {
    condition     = output.maintenance_window_task.targets == { WindowTargetIds = tolist([output.maintenance_window_target_id]) }
    error_message = "The task must run on the window target."
  }
  assert {
    condition     = output.maintenance_window_task.document_name == "MY-AutomationProcess"
    error_message = "fan_out = window must run the per-instance runbook, not the Start runbook."
  }
  assert {
    condition     = output.maintenance_window_task.max_concurrency == "3" && output.maintenance_window_task.max_errors == "2"
    error_message = "The task's MaxConcurrency and MaxErrors must be the module's."
  }
  assert {
    condition     = output.maintenance_window_task.parameters.InstanceId == tolist(["{{RESOURCE_ID}}"])
    error_message = "Each invocation must pass its instance as InstanceId = {{RESOURCE_ID}}."
  }
  assert {
    condition = { for name, values in output.maintenance_window_task.parameters : name => one(values) } == {
      InstanceId           = "{{RESOURCE_ID}}"
      Action               = "Install"
      AllowReboot          = "True"
      SeverityLevels       = "Critical,Important"
      NoReboot             = "true"
      AmiRetentionCount    = "2"
      NotificationArn      = "arn:aws:sns:us-east-1:123456789012:Automation-MY-WindowsUpdate"
      AutomationAssumeRole = "arn:aws:iam::123456789012:role/MY-WindowsUpdateAutomation"
    }
    error_message = "The task must pass what a default run of the Start runbook passes each per-instance run."
  }
}

run "window_fan_out_passes_what_start_process_passes" {
  command = plan

  variables {
    maintenance_window = { enabled = true, fan_out = "window", require_approval = false, max_concurrency = "25%", max_errors = "0" }
  }

  # The same parameter names as the Start runbook writes into its run window's task
  # (ArmRunWindow; RunProcesses passes the same ones: test_run_filters.py), with the Start
  # runbook's defaults: a parameter added there must reach the window's task too. One whose
  # default is empty (no category or KB filter) is left out, as AWS takes no empty parameter
  # value (AutomationParameterValue: 1-512 characters); the next assert pins that the
  # per-instance runbook then runs with the same empty default.
  assert {
    condition = toset(keys(output.maintenance_window_task.parameters)) == toset(concat(["InstanceId"], [
      for name in keys(one([
        for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload.Parameters if step.name == "ArmRunWindow"
      ])) : name if tostring(yamldecode(output.rendered_documents["AutomationStart"]).parameters[name].default) != ""
    ]))
    error_message = "The task must pass InstanceId and exactly the parameters a run of the Start runbook passes (but those with an empty default)."
  }
  assert {
    condition = alltrue([
      for name in keys(one([
        for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload.Parameters if step.name == "ArmRunWindow"
      ])) :
      yamldecode(output.rendered_documents["AutomationProcess"]).parameters[name].default == ""
      if !contains(keys(output.maintenance_window_task.parameters), name)
    ])
    error_message = "A parameter the task leaves out must have the same empty default in the per-instance runbook."
  }
  assert {
    condition = alltrue([
      for name, values in output.maintenance_window_task.parameters :
      one(values) == tostring(yamldecode(output.rendered_documents["AutomationStart"]).parameters[name].default)
      if !contains(["InstanceId", "NotificationArn"], name)
    ])
    error_message = "Every parameter but InstanceId and NotificationArn must be the Start runbook's default."
  }
  assert {
    condition     = one(output.maintenance_window_task.parameters.NotificationArn) == output.sns_topic_arn
    error_message = "NotificationArn must be the module's topic (what the NotificationArn parameter holds)."
  }
  assert {
    condition     = output.maintenance_window_task.max_concurrency == "25%" && output.maintenance_window_task.max_errors == "0"
    error_message = "The window's own max_concurrency and max_errors must be the task's."
  }
}

run "window_fan_out_passes_the_update_filters" {
  command = plan

  variables {
    categories         = ["SecurityUpdates", "CriticalUpdates"]
    include_kbs        = ["KB5005565"]
    exclude_kbs        = ["5005566"]
    maintenance_window = { enabled = true, fan_out = "window" }
  }

  assert {
    condition     = one(output.maintenance_window_task.parameters.Categories) == "SecurityUpdates,CriticalUpdates" && one(output.maintenance_window_task.parameters.IncludeKbs) == "KB5005565" && one(output.maintenance_window_task.parameters.ExcludeKbs) == "5005566"
    error_message = "The module's category and KB filters must reach every per-instance run of the window."
  }
}

run "window_fan_out_with_an_existing_topic" {
  command = plan

  variables {
    sns_topic_arn      = "arn:aws:sns:us-east-1:123456789012:AutomationExisting"
    maintenance_window = { enabled = true, fan_out = "window" }
  }

  assert {
    condition     = one(output.maintenance_window_task.parameters.NotificationArn) == "arn:aws:sns:us-east-1:123456789012:AutomationExisting"
    error_message = "The per-instance runs must publish to the existing topic."
  }
}

run "window_fan_out_disabled_creates_nothing" {
  command = plan

  variables {
    maintenance_window = { enabled = false, fan_out = "window" }
  }

  assert {
    condition     = output.maintenance_window_id == null && output.maintenance_window_target_id == null && output.maintenance_window_task == null
    error_message = "A disabled window has no target and no task."
  }
}
