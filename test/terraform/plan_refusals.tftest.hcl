# What AWS would refuse at apply (or accept and then fail every run with) is refused at
# plan time, with the limit named; what AWS accepts still plans. One refused input per run,
# so that each expect_failures names the one check that must catch it. The limits, with the
# AWS documentation they come from, are in limits.tf and main.tf (prefixed_name_limits).

mock_provider "aws" {
  override_during = plan
  # The shared answers (test/terraform/mocks).
  source = "./test/terraform/mocks"
}

variables {
  approvers = ["arn:aws:iam::123456789012:user/approver"]
}

# --- A deployable default: approval asked, nobody to give it ---

run "refuses_the_defaults_without_an_approver" {
  command = plan

  # approvers = [] with require_approval = true (both defaults) would deploy a pipeline whose
  # every run waits for an approval nobody can give and expires (aws:approve: at least one
  # approver; Automation actions reference).
  variables {
    approvers = []
  }

  expect_failures = [
    var.require_approval,
  ]
}
run "refuses_a_scheduled_run_that_asks_nobody" {
  command = plan

  # require_approval = false for runs started by hand, but the window's Start runs still ask
  # (maintenance_window.require_approval defaults to true with fan_out automation).
  variables {
    approvers          = []
    require_approval   = false
    maintenance_window = { enabled = true }
  }

  expect_failures = [
    var.require_approval,
  ]
}
run "plans_without_approvers_when_no_run_asks" {
  command = plan

  variables {
    approvers          = []
    require_approval   = false
    maintenance_window = { enabled = true, require_approval = false }
  }

  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).ScheduledRequireApproval == false && one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).RequireApproval == false
    error_message = "Without approvers the module must plan when neither hand-started nor scheduled runs ask."
  }
}

# The smallest example of the README ("The Terraform module"), as written there.
run "the_readmes_smallest_example_plans" {
  command = plan

  variables {
    approvers           = ["arn:aws:iam::123456789012:user/alice"]
    notification_emails = ["ops@example.com"]
  }

  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).RequireApproval == true
    error_message = "The README's smallest example must plan and ask its approver."
  }
}

# --- The maintenance window's schedule, time zone and name ---
# Reference: Cron and rate expressions for Systems Manager (SSM User Guide,
# reference-cron-and-rate-expressions.html); Maintenance window scheduling and active period
# options (maintenance-windows-schedule-options.html: IANA time zones); CreateMaintenanceWindow
# Name ^[a-zA-Z0-9_\-.]{3,128}$ (SSM API Reference).

run "refuses_a_cron_expression_that_is_not_one" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(bad)" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "refuses_a_cron_with_both_day_fields_set" {
  command = plan

  # One of day-of-month and day-of-week must be ?.
  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 3 * * * *)" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "refuses_a_cron_with_both_day_fields_unset" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 3 ? * ? *)" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "refuses_a_five_field_cron" {
  command = plan

  # Five fields are an association's cron; a window's has six (the year too).
  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 3 ? * SUN)" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "refuses_a_cron_hour_out_of_range" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 24 ? * SUN *)" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "refuses_a_rate_with_the_wrong_number_of_its_unit" {
  command = plan

  # rate(1 days) and rate(2 day) are refused: singular for 1, plural above.
  variables {
    maintenance_window = { enabled = true, schedule = "rate(1 days)" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "refuses_a_time_zone_that_is_not_iana" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule_timezone = "Mars/Olympus" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "refuses_a_utc_offset_as_time_zone" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule_timezone = "UTC+9" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "refuses_a_window_name_aws_refuses" {
  command = plan

  variables {
    maintenance_window = { enabled = true, name = "my window!" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "refuses_a_window_name_too_short" {
  command = plan

  variables {
    maintenance_window = { enabled = true, name = "mw" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}
run "accepts_a_cron_on_the_nth_weekday" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 2 ? * SUN#2 *)", schedule_timezone = "Asia/Tokyo", name = "Patch.Night_2" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "cron(0 2 ? * SUN#2 *) in Asia/Tokyo is a schedule AWS accepts; the window must plan."
  }
}

run "accepts_a_cron_with_increments_ranges_and_years" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0/15 8-17 ? * MON-FRI 2026-2030)", schedule_timezone = "America/Argentina/Buenos_Aires" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "cron(0/15 8-17 ? * MON-FRI 2026-2030) in America/Argentina/Buenos_Aires is a schedule AWS accepts; the window must plan."
  }
}

run "accepts_a_cron_on_the_last_day_of_the_month" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(30 23 L * ? *)", schedule_timezone = "Etc/GMT-14" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "cron(30 23 L * ? *) in Etc/GMT-14 is a schedule AWS accepts; the window must plan."
  }
}

run "accepts_a_cron_on_the_nearest_weekday_of_listed_months" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 4 15W JAN,JUL ? *)", schedule_timezone = "America/Port-au-Prince" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "cron(0 4 15W JAN,JUL ? *) in America/Port-au-Prince is a schedule AWS accepts; the window must plan."
  }
}

run "accepts_a_cron_on_the_last_friday" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "cron(0 3 ? * 6L *)", schedule_timezone = "UTC" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "cron(0 3 ? * 6L *) in UTC is a schedule AWS accepts; the window must plan."
  }
}

run "accepts_a_rate_of_one_day" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "rate(1 day)", schedule_timezone = "Europe/Berlin" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "rate(1 day) in Europe/Berlin is a schedule AWS accepts; the window must plan."
  }
}

run "accepts_a_rate_of_days" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "rate(14 days)", schedule_timezone = "Etc/UTC" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "rate(14 days) in Etc/UTC is a schedule AWS accepts; the window must plan."
  }
}

run "accepts_a_one_time_run" {
  command = plan

  variables {
    maintenance_window = { enabled = true, schedule = "at(2030-01-31T03:00:00)", schedule_timezone = "Australia/Lord_Howe" }
  }

  assert {
    condition     = output.maintenance_window_id != null
    error_message = "at(2030-01-31T03:00:00) in Australia/Lord_Howe is a schedule AWS accepts; the window must plan."
  }
}

# --- Tags ---
# Tag naming limits and requirements (Tagging AWS resources; the IAM, SNS, KMS and SSM API
# references): key 1-128 and value 0-256 characters, letters, digits, spaces and
# _ . : / = + - @, no aws: prefix, at most 50 tags per IAM role or SNS topic.

run "refuses_a_tag_key_aws_reserves" {
  command = plan

  variables {
    tags = { "aws:owner" = "platform" }
  }

  expect_failures = [
    var.tags,
  ]
}
run "refuses_a_tag_value_over_256_characters" {
  command = plan

  variables {
    tags = { Owner = join("", [for i in range(257) : "a"]) }
  }

  expect_failures = [
    var.tags,
  ]
}
run "refuses_a_tag_key_over_128_characters" {
  command = plan

  variables {
    tags = { (join("", [for i in range(129) : "k"])) = "x" }
  }

  expect_failures = [
    var.tags,
  ]
}
run "refuses_a_tag_value_with_a_placeholder" {
  command = plan

  # Braces are not tag characters (and {{...}} reads as an SSM placeholder).
  variables {
    tags = { Owner = "{{ssm:/owner}}" }
  }

  expect_failures = [
    var.tags,
  ]
}
run "refuses_a_tag_value_with_a_newline" {
  command = plan

  variables {
    tags = { Owner = "platform\nteam" }
  }

  expect_failures = [
    var.tags,
  ]
}
run "refuses_more_than_50_tags" {
  command = plan

  variables {
    tags = { for i in range(51) : "Tag${i}" => "x" }
  }

  expect_failures = [
    var.tags,
  ]
}
run "accepts_tags_at_their_limits" {
  command = plan

  variables {
    tags = {
      (join("", [for i in range(128) : "k"])) = join("", [for i in range(256) : "v"])
      "Cost Center:team/a=b+c-d@e_f.g"        = ""
      "Équipe"                                = "Plateforme Windows"
    }
  }

  assert {
    condition     = output.document_names["AutomationStart"] == "MY-AutomationStart"
    error_message = "Tags at their limits (a 128-character key, a 256-character value, every allowed symbol, an empty value, letters beyond ASCII) must plan."
  }
}

# --- Parameter Store names ---
# Requirements and constraints for parameter names (SSM User Guide,
# sysman-parameter-name-constraints.html): no name starts with aws or ssm (any case), at
# most 15 levels, at most 1011 characters counting the whole parameter ARN.

run "refuses_a_parameter_path_under_aws" {
  command = plan

  variables {
    parameter_path_prefix = "/aws/winupdate/"
  }

  expect_failures = [
    var.parameter_path_prefix,
  ]
}
run "refuses_a_parameter_path_under_ssm" {
  command = plan

  variables {
    parameter_path_prefix = "/SSM/"
  }

  expect_failures = [
    var.parameter_path_prefix,
  ]
}
run "refuses_parameter_names_starting_with_ssm_without_a_path" {
  command = plan

  # No path: the names start with the document prefix.
  variables {
    document_prefix = "ssm-"
  }

  expect_failures = [
    output.parameter_names,
  ]
}
run "refuses_a_parameter_path_deeper_than_15_levels" {
  command = plan

  # 15 folders and the name: 16 levels.
  variables {
    parameter_path_prefix = "/${join("/", [for i in range(15) : "l${i}"])}/"
  }

  expect_failures = [
    var.parameter_path_prefix,
  ]
}
run "refuses_a_parameter_whose_arn_passes_1011_characters" {
  command = plan

  # A 948-character folder: the name is 968 characters, its ARN
  # arn:aws:ssm:us-east-1:123456789012:parameter/... 1012.
  variables {
    parameter_path_prefix = "/${join("", [for i in range(948) : "p"])}/"
  }

  expect_failures = [
    output.parameter_names,
  ]
}
run "accepts_parameter_names_at_their_limits" {
  command = plan

  # 14 folders and the name: 15 levels.
  variables {
    parameter_path_prefix = "/${join("/", [for i in range(14) : "l${i}"])}/"
  }

  assert {
    condition     = length(split("/", trimprefix(output.parameter_names["NotificationArn"], "/"))) == 15
    error_message = "A parameter name of 15 levels must plan."
  }
}

run "accepts_a_parameter_arn_of_1011_characters" {
  command = plan

  variables {
    parameter_path_prefix = "/${join("", [for i in range(947) : "p"])}/"
  }

  assert {
    condition     = length("arn:aws:ssm:us-east-1:123456789012:parameter/${trimprefix(output.parameter_names["NotificationArn"], "/")}") == 1011
    error_message = "A parameter whose ARN is exactly 1011 characters must plan."
  }
}

# --- Approvers and emails ---
# aws:approve Approvers (Automation actions reference): up to 10 IAM user, role or
# assumed-role principals, matched exactly; the module stores them in the Approvers
# StringList parameter, which a comma would split. SNS Subscribe, protocol email: the
# endpoint is one email address.

run "refuses_an_approver_wildcard" {
  command = plan

  variables {
    approvers = ["arn:aws:iam::123456789012:user/*"]
  }

  expect_failures = [
    var.approvers,
  ]
}
run "refuses_an_approver_with_a_trailing_space" {
  command = plan

  variables {
    approvers = ["arn:aws:iam::123456789012:user/alice "]
  }

  expect_failures = [
    var.approvers,
  ]
}
run "refuses_an_approver_with_a_comma" {
  command = plan

  # IAM allows commas in names; the Approvers StringList would read two approvers.
  variables {
    approvers = ["arn:aws:iam::123456789012:user/alice,bob"]
  }

  expect_failures = [
    var.approvers,
  ]
}
run "refuses_an_approver_account_wildcard" {
  command = plan

  variables {
    approvers = ["arn:aws:iam::*:role/Approver"]
  }

  expect_failures = [
    var.approvers,
  ]
}
run "refuses_an_email_with_a_comma" {
  command = plan

  variables {
    notification_emails = ["a,b@example.com"]
  }

  expect_failures = [
    var.notification_emails,
  ]
}
run "refuses_an_email_with_a_display_name" {
  command = plan

  variables {
    notification_emails = ["Ops <ops@example.com>"]
  }

  expect_failures = [
    var.notification_emails,
  ]
}
run "accepts_approver_and_email_forms_aws_accepts" {
  command = plan

  variables {
    approvers = [
      "arn:aws:iam::123456789012:user/alice",
      "arn:aws:iam::123456789012:user/ops/bob.smith@example.com",
      "arn:aws:iam::123456789012:role/PatchApprovers",
      "arn:aws:sts::123456789012:assumed-role/PatchApprovers/carol",
      "arn:aws-us-gov:iam::123456789012:role/Approver+1=ok_-",
    ]
    notification_emails = ["ops@example.com", "first.last+patch@mail.example.co.uk", "o'brien@example.org"]
  }

  assert {
    condition     = one([for step in yamldecode(output.rendered_documents["AutomationStart"]).mainSteps : step.inputs.InputPayload if step.name == "DecideApproval"]).RequireApproval == true
    error_message = "Exact user, role and assumed-role ARNs (with paths and the symbols IAM allows) and plain addresses must plan."
  }
}

# --- The topic's key ---

run "refuses_a_key_for_an_existing_topic" {
  command = plan

  # With sns_topic_arn the module creates no topic: kms_key_arn would be silently ignored.
  variables {
    sns_topic_arn = "arn:aws:sns:us-east-1:123456789012:AutomationExisting"
    kms_key_arn   = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
  }

  expect_failures = [
    output.kms_key_arn,
  ]
}
# --- Every name made from document_prefix fits its AWS limit ---
# IAM CreateRole RoleName: 64 characters; CreateInstanceProfile: 128 (IAM API Reference).
# The instance role <prefix>WindowsUpdateAutomation-Instance binds first: 32 characters of
# prefix fit, 33 do not; without the instance profile the Automation role allows 41.

run "refuses_a_prefix_too_long_for_the_instance_role" {
  command = plan

  variables {
    document_prefix = join("", [for i in range(33) : "p"])
  }

  expect_failures = [
    var.document_prefix,
  ]
}
run "refuses_a_prefix_too_long_for_the_automation_role" {
  command = plan

  variables {
    document_prefix         = join("", [for i in range(42) : "p"])
    create_instance_profile = false
  }

  expect_failures = [
    var.document_prefix,
  ]
}
run "accepts_the_longest_prefix_with_an_instance_profile" {
  command = plan

  variables {
    document_prefix    = join("", [for i in range(32) : "p"])
    maintenance_window = { enabled = true }
  }

  assert {
    condition     = length(output.instance_profile_name) == 64 && length(split("/", output.automation_role_arn)[1]) <= 64
    error_message = "A 32-character prefix makes a 64-character instance role and profile name, IAM's limit."
  }
  assert {
    condition     = alltrue([for name in values(output.document_names) : length(name) <= 128]) && length(split(":", output.sns_topic_arn)[5]) <= 256
    error_message = "Every document and the topic must fit their limits."
  }
}

run "accepts_the_longest_prefix_without_an_instance_profile" {
  command = plan

  variables {
    document_prefix         = join("", [for i in range(41) : "p"])
    create_instance_profile = false
  }

  assert {
    condition     = length(split("/", output.automation_role_arn)[1]) == 64
    error_message = "A 41-character prefix makes a 64-character Automation role name, IAM's limit."
  }
}

# --- Two deployments with different prefixes share no name ---
# Before, the parameters were <path><Name> whatever the prefix (ParameterAlreadyExists half-way
# through the second apply), and the roles, topic and key alias wrote a dot as a dash, so
# that A.B- and A-B- shared them.

run "a_dotted_prefix" {
  command = plan

  variables {
    document_prefix = "Team.Ops-"
  }

  assert {
    condition     = output.automation_role_arn == "arn:aws:iam::123456789012:role/Team.Ops-WindowsUpdateAutomation" && output.parameter_names["Approvers"] == "Team.Ops-Approvers"
    error_message = "The role and the parameters must carry the prefix as it is."
  }
  assert {
    condition     = can(regex("^arn:aws:sns:us-east-1:123456789012:Automation-Team-Ops-WindowsUpdate-[0-9a-f]{8}$", output.sns_topic_arn))
    error_message = "A dotted prefix's topic must carry a hash of the prefix (SNS allows no dots)."
  }
}

run "the_same_prefix_with_a_dash_shares_no_name" {
  command = plan

  variables {
    document_prefix = "Team-Ops-"
  }

  assert {
    condition = length(setintersection(
      toset(concat(values(output.document_names), values(output.parameter_names), [output.automation_role_arn, output.instance_profile_name, output.sns_topic_arn])),
      toset(concat(values(run.a_dotted_prefix.document_names), values(run.a_dotted_prefix.parameter_names), [run.a_dotted_prefix.automation_role_arn, run.a_dotted_prefix.instance_profile_name, run.a_dotted_prefix.sns_topic_arn])),
    )) == 0
    error_message = "Team.Ops- and Team-Ops- must share no document, parameter, role, instance profile or topic."
  }
  assert {
    condition     = output.sns_topic_arn == "arn:aws:sns:us-east-1:123456789012:Automation-Team-Ops-WindowsUpdate"
    error_message = "A prefix without dots keeps its topic name."
  }
}

run "another_prefix_on_the_same_path_shares_no_parameter" {
  command = plan

  variables {
    document_prefix       = "Other-"
    parameter_path_prefix = "/winupdate/"
  }

  assert {
    condition     = output.parameter_names == { EC2UpdateTag = "/winupdate/Other-EC2UpdateTag", NotificationArn = "/winupdate/Other-NotificationArn", Approvers = "/winupdate/Other-Approvers" }
    error_message = "The parameters must be <parameter_path_prefix><document_prefix><Name>."
  }
}
