"""Approval-gated Windows Update with AMI backups on AWS Systems Manager Automation."""

__version__ = "0.1.0"
