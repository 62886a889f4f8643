# The rendered runbooks: no template markers left, cross-document names follow the prefix.

mock_provider "aws" {
  override_during = plan
  # The shared answers (test/terraform/mocks).
  source = "./test/terraform/mocks"
}

variables {
  document_prefix          = "ACME.Ops-"
  parameter_path_prefix    = "/winupdate/"
  approvers                = ["arn:aws:iam::123456789012:user/approver"]
  target_tag_value         = "Yes"
  approval_timeout_seconds = 900
  ami_retention_count      = 3
}

run "documents_render_completely" {
  command = plan

  assert {
    condition     = length(output.rendered_documents) == 5
    error_message = "Expected one runbook per file in documents/."
  }
  assert {
    condition     = alltrue([for body in values(output.rendered_documents) : !strcontains(body, "$${") && !strcontains(body, "%%{")])
    error_message = "A rendered runbook still contains a Terraform template marker."
  }
  assert {
    condition     = alltrue([for body in values(output.rendered_documents) : yamldecode(body).schemaVersion == "0.3"])
    error_message = "Every runbook must be schemaVersion 0.3 YAML."
  }
  assert {
    condition     = alltrue([for body in values(output.rendered_documents) : !strcontains(body, "MY-")])
    error_message = "A rendered runbook still names a MY- document although the prefix is ACME.Ops-."
  }
  assert {
    condition     = output.document_names == { AutomationStart = "ACME.Ops-AutomationStart", AutomationProcess = "ACME.Ops-AutomationProcess", CreateImage = "ACME.Ops-CreateImage", WindowsUpdate = "ACME.Ops-WindowsUpdate", Restore = "ACME.Ops-Restore" }
    error_message = "Document names must be <prefix><Name>."
  }
}

run "start_with_rate_control_runs_the_prefixed_process" {
  command = plan

  variables {
    fan_out = "rate_control"
  }

  assert {
    condition = one([
      for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.DocumentName
      if step.name == "RunProcesses"
    ]) == "ACME.Ops-AutomationProcess"
    error_message = "With fan_out = \"rate_control\" the Start runbook must start <prefix>AutomationProcess."
  }
  assert {
    condition     = output.run_window_id == null
    error_message = "With fan_out = \"rate_control\" there must be no run window."
  }
}

run "start_runs_the_prefixed_process" {
  command = plan

  assert {
    condition = one([
      for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload.WindowName
      if step.name == "ArmRunWindow"
    ]) == "ACME.Ops-WindowsUpdateRun"
    error_message = "The Start runbook must arm the deployment's run window, <prefix>WindowsUpdateRun (whose task starts <prefix>AutomationProcess)."
  }
  assert {
    condition     = !strcontains(output.rendered_documents["AutomationStart"], "name: RunProcesses")
    error_message = "With fan_out = \"window\" (the default) the Start runbook must not fan out under rate control too."
  }
  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.timeoutSeconds if step.name == "Approve"]) == 900
    error_message = "The approval step must time out after approval_timeout_seconds."
  }
  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).ApproversParameter == "/winupdate/ACME.Ops-Approvers"
    error_message = "The approvers must be read from the parameter <path><document_prefix>Approvers."
  }
  # Item 1 of the safety invariants: neither can be passed by whoever starts a run.
  assert {
    condition     = !contains(keys(yamldecode(output.rendered_documents["AutomationStart"]).parameters), "Approvers") && !contains(keys(yamldecode(output.rendered_documents["AutomationStart"]).parameters), "RequireApproval")
    error_message = "The Start runbook must take no Approvers or RequireApproval parameter: a starter could name themselves the approver or skip the approval."
  }
  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.Approvers if step.name == "Approve"]) == "{{DecideApproval.Approvers}}"
    error_message = "The approval step must ask the approvers that DecideApproval read from Parameter Store."
  }
  assert {
    condition     = yamldecode(output.rendered_documents["AutomationStart"]).parameters.TargetTagValue.default == "Yes"
    error_message = "TargetTagValue must default to target_tag_value."
  }
  assert {
    condition     = yamldecode(output.rendered_documents["AutomationProcess"]).parameters.AmiRetentionCount.default == 3
    error_message = "AmiRetentionCount must default to ami_retention_count."
  }
}

run "every_runbook_assumes_the_module_role" {
  command = plan

  assert {
    condition = alltrue([
      for body in values(output.rendered_documents) :
      yamldecode(body).parameters.AutomationAssumeRole.default == "arn:aws:iam::123456789012:role/ACME.Ops-WindowsUpdateAutomation"
    ])
    error_message = "Every runbook's AutomationAssumeRole must default to the module's role, <document_prefix>WindowsUpdateAutomation (dots kept: IAM allows them)."
  }
  assert {
    condition = alltrue([
      for body in values(output.rendered_documents) :
      yamldecode(body).parameters.NotificationArn.default == "{{ssm:/winupdate/ACME.Ops-NotificationArn}}" if can(yamldecode(body).parameters.NotificationArn)
    ])
    error_message = "NotificationArn must default to the parameter <path><document_prefix>NotificationArn."
  }
}

run "ami_names_follow_the_seed_rule" {
  command = plan

  assert {
    condition = [
      for step in yamldecode(output.rendered_documents["AutomationProcess"]).mainSteps : step.inputs.Name
      if try(step.inputs.Api, "") == "CreateImage"
      ] == [
      "{{InstanceId}}_UpdateBefore_{{automation:EXECUTION_ID}}",
      "{{InstanceId}}_UpdateAfter_{{automation:EXECUTION_ID}}",
    ]
    error_message = "AMIs must be named <InstanceId>_UpdateBefore|UpdateAfter_<execution id>, before first."
  }
  assert {
    condition = [
      for step in yamldecode(output.rendered_documents["AutomationProcess"]).mainSteps : [
        for spec in step.inputs.TagSpecifications : [spec.ResourceType, { for tag in spec.Tags : tag.Key => tag.Value }]
      ] if try(step.inputs.Api, "") == "CreateImage"
      ] == [
      for phase in ["UpdateBefore", "UpdateAfter"] : [
        for kind in ["image", "snapshot"] : [kind, { InstanceId = "{{InstanceId}}", Phase = phase, AutomationExecutionId = "{{automation:EXECUTION_ID}}" }]
      ]
    ]
    error_message = "Each AMI and its snapshots must be tagged InstanceId, Phase, AutomationExecutionId when they are created."
  }
  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["CreateImage"]).mainSteps : step.inputs.Name if try(step.inputs.Api, "") == "CreateImage"]) == "{{InstanceId}}_{{AddImageName}}_{{automation:EXECUTION_ID}}"
    error_message = "CreateImage must name the AMI as the seed does."
  }
}

run "no_update_before_the_before_image" {
  command = plan

  assert {
    condition = (
      index([for step in yamldecode(output.rendered_documents["AutomationProcess"]).mainSteps : step.name], "CheckImageBefore")
      < index([for step in yamldecode(output.rendered_documents["AutomationProcess"]).mainSteps : step.name], "InstallUpdates")
    )
    error_message = "The check that the before-AMI is available must come before the update step."
  }
  assert {
    condition = alltrue([
      for step in yamldecode(output.rendered_documents["AutomationProcess"]).mainSteps :
      startswith(try(step.onFailure, "step:"), "step:") || contains(["ReportFailure", "PublishSuccess", "PublishScanResult", "ReportCancel"], step.name)
    ])
    error_message = "Every failing step of the Process runbook must lead to the failure path."
  }
}

# message_language = "ja": the fixed texts in Japanese, the scripts told their language.
run "messages_render_in_japanese" {
  command = plan

  variables {
    message_language = "ja"
  }

  assert {
    condition     = strcontains(one([for step in yamldecode(output.rendered_documents["AutomationProcess"]).mainSteps : step.inputs.Subject if step.name == "PublishSuccess"]), "成功しました")
    error_message = "With message_language = \"ja\" the success message's subject must be Japanese."
  }
  assert {
    condition     = strcontains(one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.Message if step.name == "Approve"]), "承認または却下してください")
    error_message = "With message_language = \"ja\" the approval request must be Japanese."
  }
  assert {
    condition     = alltrue([for base in ["AutomationStart", "AutomationProcess", "Restore"] : strcontains(output.rendered_documents[base], "LANGUAGE = 'ja'") && !strcontains(output.rendered_documents[base], "LANGUAGE = 'en'")])
    error_message = "With message_language = \"ja\" every message script must be rendered with LANGUAGE = 'ja'."
  }
}

# Waves: the Start runbook plans them by wave_tag_key, each arming is aimed at one wave, and
# wave_approval puts an approval before each later wave (none without it).
run "waves_render_into_the_start_runbook" {
  command = plan

  variables {
    wave_tag_key    = "PatchWave"
    wave_max_errors = 2
    wave_approval   = true
  }

  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload.WaveTagKey if step.name == "NextWave"]) == "PatchWave"
    error_message = "NextWave must plan the waves by wave_tag_key."
  }
  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload.WaveMaxErrors if step.name == "NextWave"]) == 2
    error_message = "NextWave must stop the waves after a wave with more than wave_max_errors failures."
  }
  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.Approvers if step.name == "ApproveWave"]) == "{{DecideApproval.Approvers}}"
    error_message = "With wave_approval each later wave must be approved by the deployment's approvers."
  }
}

run "no_wave_approval_without_wave_approval" {
  command = plan

  variables {
    wave_tag_key = "PatchWave"
  }

  assert {
    condition     = !strcontains(output.rendered_documents["AutomationStart"], "name: ApproveWave") && one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload.WaveTagKey if step.name == "ArmRunWindow"]) == "PatchWave"
    error_message = "Without wave_approval the waves follow each other without an approval; each arming adds the wave's tag."
  }
}
