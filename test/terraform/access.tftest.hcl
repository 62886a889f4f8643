# Safety invariants 1 and 6, at plan time: the policies for people (an operator starts the
# Start runbook only and cannot approve; an approver approves) and their attachments; the
# role tags images only when it creates them.
# Plan-level only; test/integration/test_access_policies.py proves them with IAM enforced.

mock_provider "aws" {
  override_during = plan
  # The shared answers (test/terraform/mocks), and this file's own below.
  source = "./test/terraform/mocks"

  mock_resource "aws_iam_policy" {
    defaults = { arn = "arn:aws:iam::123456789012:policy/mocked" }
  }
}

variables {
  approvers = ["arn:aws:iam::123456789012:user/approver"]
}

run "operators_start_only_the_start_and_restore_runbooks_and_cannot_approve" {
  command = plan

  assert {
    condition = [
      for statement in jsondecode(output.operator_policy_json).Statement : statement.Resource
      if contains(statement.Action, "ssm:StartAutomationExecution")
    ] == [["arn:aws:ssm:us-east-1:123456789012:automation-definition/MY-AutomationStart:*", "arn:aws:ssm:us-east-1:123456789012:automation-definition/MY-Restore:*"]]
    error_message = "An operator may start MY-AutomationStart and MY-Restore (both ask the approvers) and no other runbook: the per-instance, CreateImage and WindowsUpdate runbooks change instances without asking the approvers."
  }
  assert {
    condition     = !strcontains(output.operator_policy_json, "SendAutomationSignal") && !strcontains(output.operator_policy_json, "\"ssm:*\"")
    error_message = "An operator must not be able to approve a run (ssm:SendAutomationSignal)."
  }
  # automation-setup-iam.md: starting a runbook that runs as a role passes the role.
  assert {
    condition = [
      for statement in jsondecode(output.operator_policy_json).Statement : [statement.Resource, statement.Condition]
      if contains(statement.Action, "iam:PassRole")
    ] == [["arn:aws:iam::123456789012:role/MY-WindowsUpdateAutomation", { StringEquals = { "iam:PassedToService" = "ssm.amazonaws.com" } }]]
    error_message = "An operator may pass the module's role, to Systems Manager only."
  }
  # The Start runbook's {{ssm:...}} defaults are resolved at the start, as the caller.
  assert {
    condition = [
      for statement in jsondecode(output.operator_policy_json).Statement : statement.Resource
      if contains(statement.Action, "ssm:GetParameters")
      ] == [[
        "arn:aws:ssm:us-east-1:123456789012:parameter/MY-EC2UpdateTag",
        "arn:aws:ssm:us-east-1:123456789012:parameter/MY-NotificationArn",
    ]]
    error_message = "An operator may read exactly the parameters the Start runbook's defaults reference (not Approvers, which the run reads as its role)."
  }
  assert {
    condition     = output.operator_policy_arn == null && output.approver_policy_arn == null
    error_message = "Without principals no managed policy is created (the JSON outputs still carry them)."
  }
}

run "approvers_may_signal_runs" {
  command = plan

  assert {
    condition = [
      for statement in jsondecode(output.approver_policy_json).Statement : statement.Resource
      if contains(statement.Action, "ssm:SendAutomationSignal")
    ] == ["arn:aws:ssm:us-east-1:123456789012:automation-execution/*"]
    error_message = "An approver may send Approve or Reject to the account's executions (aws:approve accepts it only from the deployed approvers)."
  }
  assert {
    condition     = !strcontains(output.approver_policy_json, "StartAutomationExecution") && !strcontains(output.approver_policy_json, "iam:PassRole")
    error_message = "The approver policy must not start runs."
  }
}

run "attaches_the_policies_to_the_given_principals" {
  command = plan

  variables {
    operator_principals = { roles = ["PatchOperators"], users = ["olivia"], groups = ["patch-team"] }
    approver_principals = { users = ["alice", "bob"] }
  }

  assert {
    condition = (
      output.policy_attachments.operator.roles == tolist(["PatchOperators"]) &&
      output.policy_attachments.operator.users == tolist(["olivia"]) &&
      output.policy_attachments.operator.groups == tolist(["patch-team"]) &&
      output.policy_attachments.approver.users == tolist(["alice", "bob"]) &&
      length(output.policy_attachments.approver.roles) + length(output.policy_attachments.approver.groups) == 0
    )
    error_message = "Each policy must be attached to exactly the given roles, users and groups."
  }
  assert {
    condition     = output.operator_policy_arn != null && output.approver_policy_arn != null
    error_message = "With principals both managed policies are created."
  }
}

run "refuses_arns_as_principal_names" {
  command = plan

  variables {
    operator_principals = { roles = ["arn:aws:iam::123456789012:role/PatchOperators"] }
  }

  expect_failures = [
    var.operator_principals,
  ]
}

run "refuses_a_user_name_iam_refuses" {
  command = plan

  variables {
    approver_principals = { users = ["alice smith"] }
  }

  expect_failures = [
    var.approver_principals,
  ]
}

# Item 6: the role may tag images and snapshots only as it creates them, with the run's tags.
run "the_role_tags_only_the_images_it_creates" {
  command = plan

  assert {
    condition = one([
      for statement in jsondecode(output.automation_policy_json).Statement : statement.Condition
      if statement.Sid == "TagImagesAndSnapshotsWithRunTags"
      ]) == {
      "ForAllValues:StringEquals" = { "aws:TagKeys" = ["AutomationExecutionId", "InstanceId", "Phase"] }
      StringEquals                = { "aws:RequestTag/Phase" = ["UpdateAfter", "UpdateBefore"], "ec2:CreateAction" = "CreateImage" }
      Null                        = { "aws:RequestTag/AutomationExecutionId" = "false", "aws:RequestTag/InstanceId" = "false" }
    }
    error_message = "ec2:CreateTags must be allowed only in CreateImage (ec2:CreateAction) and only with the run's tags: otherwise the role could tag any AMI Phase=UpdateBefore and then delete it."
  }
  assert {
    condition = one([
      for statement in jsondecode(output.automation_policy_json).Statement : statement.Condition
      if statement.Sid == "CreateImagesAndSnapshots"
      ]) == {
      "ForAllValues:StringEquals" = { "aws:TagKeys" = ["AutomationExecutionId", "InstanceId", "Phase"] }
      StringEquals                = { "aws:RequestTag/Phase" = ["UpdateAfter", "UpdateBefore"] }
      Null                        = { "aws:RequestTag/AutomationExecutionId" = "false", "aws:RequestTag/InstanceId" = "false" }
    }
    error_message = "ec2:CreateImage must be allowed only with the run's tags."
  }
}
