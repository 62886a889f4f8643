# Talks to the embedded AWS (`winupdate local`) through the environment only:
# AWS_ENDPOINT_URL and test credentials, as the README shows. Nothing here names
# an endpoint, so the same configuration applies to a real account.
provider "aws" {
  region = var.region

  # A missing API fails fast instead of retrying for minutes.
  max_retries = 2

  # Harmless on AWS; needed where there is no instance metadata or IAM to ask.
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_credentials_validation = var.skip_credentials_validation
}

module "windows_update" {
  source = "../.."

  approvers                = var.approvers
  approval_timeout_seconds = 600
  require_approval         = var.require_approval
  notification_emails      = []
  max_concurrency          = "2"
  max_errors               = "1"
  ami_retention_count      = var.ami_retention_count
  create_instance_profile  = true

  # A failed update (or health check) puts the instance back to its AMI before.
  rollback_on_failure = true
  # The health check after the update, before the AMI after: here only a line of output
  # (the embedded AWS models a few PowerShell commands: Write-Output, exit, Start-Sleep).
  post_update_command = {
    document_name = "AWS-RunPowerShellScript"
    parameters    = { commands = ["Write-Output 'health check: the server answers'"] }
  }
}
