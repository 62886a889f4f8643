# Every constrained variable rejects a bad value at plan time. Bad values are grouped
# (one per variable in a run) to keep the suite fast; expect_failures needs each to fail.

mock_provider "aws" {
  override_during = plan
  # The shared answers (test/terraform/mocks).
  source = "./test/terraform/mocks"
}

# Runs ask for approval by default: the module refuses to plan without an approver.
variables {
  approvers = ["arn:aws:iam::123456789012:user/approver"]
}

run "rejects_one_bad_value_per_variable" {
  command = plan

  variables {
    document_prefix          = "AWS-"
    target_tag_key           = "aws:cloudformation"
    target_tag_value         = "it's"
    approvers                = ["not-an-arn"]
    approval_timeout_seconds = 30
    notification_emails      = ["ops.example.com"]
    sns_topic_arn            = "arn:aws:sns:us-east-1:123456789012:WindowsUpdate"
    kms_key_arn              = "alias/my-key"
    severity_levels          = ["Critical", "Urgent"]
    categories               = ["SecurityUpdate"]
    include_kbs              = ["KB12345678"]
    max_concurrency          = "0"
    max_errors               = "-1"
    maintenance_window       = { enabled = true, schedule = "every sunday" }
    ami_retention_count      = -1
    parameter_path_prefix    = "winupdate"
  }

  expect_failures = [
    var.document_prefix,
    var.target_tag_key,
    var.target_tag_value,
    var.approvers,
    var.approval_timeout_seconds,
    var.notification_emails,
    var.sns_topic_arn,
    var.kms_key_arn,
    var.severity_levels,
    var.categories,
    var.include_kbs,
    var.max_concurrency,
    var.max_errors,
    var.maintenance_window,
    var.ami_retention_count,
    var.parameter_path_prefix,
  ]
}

run "rejects_a_second_bad_value_per_variable" {
  command = plan

  # exclude_kbs is here, not above: its validation reads include_kbs (no KB in both), and
  # Terraform skips it while include_kbs is invalid.
  variables {
    document_prefix          = "MY PREFIX "
    target_tag_key           = ""
    approvers                = [for i in range(11) : "arn:aws:iam::123456789012:user/u${i}"]
    approval_timeout_seconds = 90.5
    severity_levels          = []
    exclude_kbs              = ["kb5005565"]
    max_concurrency          = "150%"
    max_errors               = "ten"
    ami_retention_count      = 1.5
    parameter_path_prefix    = "/winupdate"
  }

  expect_failures = [
    var.document_prefix,
    var.target_tag_key,
    var.approvers,
    var.approval_timeout_seconds,
    var.severity_levels,
    var.exclude_kbs,
    var.max_concurrency,
    var.max_errors,
    var.ami_retention_count,
    var.parameter_path_prefix,
  ]
}

run "rejects_rate_control_values_aws_refuses" {
  command = plan

  # StartAutomationExecution's MaxConcurrency and MaxErrors: at most 7 characters, no
  # leading zeros (botocore's ssm model patterns).
  variables {
    max_concurrency = "12345678"
    max_errors      = "00"
  }

  expect_failures = [
    var.max_concurrency,
    var.max_errors,
  ]
}

run "rejects_a_leading_zero_percentage_of_errors" {
  command = plan

  variables {
    max_errors = "05%"
  }

  expect_failures = [
    var.max_errors,
  ]
}

run "rejects_maintenance_window_case_2" {
  command = plan

  variables {
    maintenance_window = { enabled = true, duration = 2, cutoff = 2 }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}

run "rejects_maintenance_window_case_3" {
  command = plan

  variables {
    maintenance_window = { enabled = true, max_concurrency = "0" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}

run "rejects_maintenance_window_case_4" {
  command = plan

  variables {
    maintenance_window = { enabled = true, max_errors = "lots" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}

run "rejects_window_fan_out_with_approval" {
  command = plan

  # Only the Start runbook can ask the approvers; the window would start the per-instance
  # runbook directly.
  variables {
    maintenance_window = { enabled = true, fan_out = "window", require_approval = true }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}

run "rejects_an_unknown_fan_out" {
  command = plan

  variables {
    maintenance_window = { enabled = true, fan_out = "targets" }
  }

  expect_failures = [
    var.maintenance_window,
  ]
}

# The update filters take AWS-InstallWindowsUpdates' allowedPatterns (its SeverityLevels,
# Categories, IncludeKbs and ExcludeKbs parameters): what it accepts is accepted...
run "accepts_the_filter_values_aws_install_windows_updates_accepts" {
  command = plan

  variables {
    severity_levels = ["Critical", "Unspecified"]
    categories      = ["SecurityUpdates", "UpdateRollups"]
    include_kbs     = ["KB5005565", "12"]
    exclude_kbs     = ["5005566", "KB1"]
  }

  assert {
    condition     = yamldecode(output.rendered_documents["AutomationProcess"]).parameters.SeverityLevels.default == "Critical,Unspecified" && yamldecode(output.rendered_documents["AutomationStart"]).parameters.IncludeKbs.default == "KB5005565,12"
    error_message = "The filters must be rendered into the runbooks' defaults."
  }
}

# ... and what it refuses is refused at plan time, not after the before-AMIs are made.
run "rejects_filter_values_aws_install_windows_updates_refuses" {
  command = plan

  variables {
    severity_levels = ["critical"]
    categories      = ["Security Updates"]
    include_kbs     = ["KB"]
  }

  expect_failures = [
    var.severity_levels,
    var.categories,
    var.include_kbs,
  ]
}

# A run of its own: exclude_kbs' validation is skipped while include_kbs is invalid.
run "rejects_an_exclude_kbs_value_aws_install_windows_updates_refuses" {
  command = plan

  variables {
    exclude_kbs = ["KB5005565,KB5005566"]
  }

  expect_failures = [
    var.exclude_kbs,
  ]
}

# One article both to install and never to install; KB5005565 and 5005565 are the same.
run "rejects_a_kb_both_included_and_excluded" {
  command = plan

  variables {
    include_kbs = ["KB5005565", "KB5005570"]
    exclude_kbs = ["5005565"]
  }

  expect_failures = [
    var.exclude_kbs,
  ]
}

# The messages come in English or Japanese only.
run "rejects_a_message_language_the_runbooks_do_not_carry" {
  command = plan

  variables {
    message_language = "fr"
  }

  expect_failures = [
    var.message_language,
  ]
}

# Waves: a tag key EC2 takes, whole failure counts, and only where they can work.
run "rejects_bad_wave_values" {
  command = plan

  variables {
    wave_tag_key    = "aws:wave"
    wave_max_errors = 0.5
  }

  expect_failures = [
    var.wave_tag_key,
    var.wave_max_errors,
  ]
}

# Each wave is one execution of the run window: rate control cannot run them in turn, and
# a maintenance window with fan_out "window" never runs the Start runbook.
run "rejects_a_wave_key_with_a_line_break" {
  command = plan

  variables {
    wave_tag_key = "Patch\nWave"
  }

  expect_failures = [
    var.wave_tag_key,
  ]
}

# The instances' own tag cannot also hold their wave.
run "rejects_the_target_tag_key_as_the_wave_key" {
  command = plan

  variables {
    wave_tag_key = "WinUpdate"
  }

  expect_failures = [
    var.wave_tag_key,
  ]
}

run "rejects_waves_where_no_wave_can_run" {
  command = plan

  variables {
    wave_tag_key       = "PatchWave"
    fan_out            = "rate_control"
    maintenance_window = { enabled = true, fan_out = "window", require_approval = false }
  }

  expect_failures = [
    var.wave_tag_key,
  ]
}

# Later waves are approved only with waves, and only by somebody.
run "rejects_wave_approval_without_waves_or_approvers" {
  command = plan

  variables {
    wave_approval    = true
    approvers        = []
    require_approval = false
  }

  expect_failures = [
    var.wave_approval,
  ]
}
