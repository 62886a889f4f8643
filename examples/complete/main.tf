provider "aws" {
  region = var.region

  default_tags {
    tags = { Project = "windows-update" }
  }
}

module "windows_update" {
  source = "../.."

  document_prefix          = "MY-"
  target_tag_key           = "WinUpdate"
  target_tag_value         = "ON"
  approvers                = var.approvers
  approval_timeout_seconds = 1200
  notification_emails      = var.notification_emails
  severity_levels          = ["Critical", "Important"]
  categories               = ["SecurityUpdates", "CriticalUpdates", "UpdateRollups"]
  exclude_kbs              = []
  max_concurrency          = "25%"
  max_errors               = "1"
  ami_retention_count      = 4
  parameter_path_prefix    = "/winupdate/"

  maintenance_window = {
    enabled           = true
    schedule          = "cron(0 2 ? * SUN#2 *)"
    schedule_timezone = "Asia/Tokyo"
    duration          = 6
    cutoff            = 2
    require_approval  = true
  }

  tags = { Owner = "platform" }
}
