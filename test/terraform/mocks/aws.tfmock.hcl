# What every test file's mock AWS provider answers (mock_provider "aws" { source = ... }):
# the account, partition and region the module reads, and the ids its references need at
# plan. A test file adds only what it needs besides.

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}
mock_data "aws_partition" {
  defaults = { partition = "aws" }
}
mock_data "aws_region" {
  defaults = { name = "us-east-1" }
}
mock_resource "aws_ssm_maintenance_window" {
  defaults = { id = "mw-0123456789abcdef0" }
}
mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
}
