# Resources: the window switch, the instance profile switch, an existing topic, the IAM policy.

mock_provider "aws" {
  override_during = plan
  # The shared answers (test/terraform/mocks).
  source = "./test/terraform/mocks"
}

# Runs ask for approval by default: the module refuses to plan without an approver.
variables {
  approvers = ["arn:aws:iam::123456789012:user/approver"]
}

run "window_disabled_by_default" {
  command = plan

  assert {
    condition     = output.maintenance_window_id == null
    error_message = "No maintenance window may exist unless maintenance_window.enabled is true."
  }
}

run "window_enabled" {
  command = plan

  variables {
    maintenance_window = { enabled = true, require_approval = false, schedule_timezone = "Asia/Tokyo" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "maintenance_window.enabled = true must create the window."
  }
}

run "instance_profile_optional" {
  command = plan

  variables {
    create_instance_profile = false
  }

  assert {
    condition     = output.instance_profile_name == null && output.instance_profile_arn == null
    error_message = "create_instance_profile = false must create no instance profile."
  }
}

run "existing_topic_used_as_is" {
  command = plan

  variables {
    sns_topic_arn = "arn:aws:sns:us-east-1:123456789012:AutomationExisting"
  }

  assert {
    condition     = output.sns_topic_arn == "arn:aws:sns:us-east-1:123456789012:AutomationExisting" && output.kms_key_arn == null
    error_message = "An existing topic must be used and no key created."
  }
  assert {
    condition     = strcontains(output.automation_policy_json, "AutomationExisting") && !strcontains(output.automation_policy_json, "kms:")
    error_message = "The role may publish to the existing topic and needs no KMS grant."
  }
}

run "created_topic_name_starts_with_automation" {
  command = plan

  assert {
    condition     = output.sns_topic_arn == "arn:aws:sns:us-east-1:123456789012:Automation-MY-WindowsUpdate"
    error_message = "aws:approve needs a topic whose name starts with Automation."
  }
}

run "iam_policy_has_no_wildcard_on_mutating_actions" {
  command = plan

  variables {
    ami_retention_count = 2
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(output.automation_policy_json).Statement :
      !contains(flatten([statement.Resource]), "*")
      if !alltrue([for action in flatten([statement.Action]) : can(regex("^[a-z0-9]+:(Describe|Get|List)", action))])
    ])
    error_message = "A mutating action is allowed on Resource \"*\"."
  }
  assert {
    condition     = !strcontains(output.automation_policy_json, "AmazonSSMAutomationRole") && !strcontains(output.automation_policy_json, "\"*:*\"")
    error_message = "The role must not use broad managed grants."
  }
  assert {
    condition = alltrue([
      for statement in jsondecode(output.automation_policy_json).Statement :
      can(statement.Condition["StringEquals"]["aws:ResourceTag/WinUpdate"]) || can(statement.Condition["StringEquals"]["ssm:resourceTag/WinUpdate"])
      if contains(flatten([statement.Resource]), "arn:aws:ec2:us-east-1:123456789012:instance/*")
    ])
    error_message = "Every instance-level grant must be conditioned on the target tag."
  }
  assert {
    condition     = strcontains(output.automation_policy_json, "ec2:DeregisterImage")
    error_message = "Retention on needs the (tag-scoped) image and snapshot deletion grant."
  }
}

run "iam_policy_without_retention_cannot_delete_images" {
  command = plan

  assert {
    condition     = !strcontains(output.automation_policy_json, "ec2:DeregisterImage") && !strcontains(output.automation_policy_json, "ec2:DeleteSnapshot")
    error_message = "With retention off the role must not be able to delete images or snapshots."
  }
}
