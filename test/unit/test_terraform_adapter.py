"""The python-terraform adapter: command lines, environment, errors, and a real round trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from winupdate.errors import WinUpdateError
from winupdate.terraform import (
    Terraform,
    TerraformError,
    aws_endpoint_env,
    find_mirror,
    summarize_errors,
)

needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="the terraform binary is not on PATH"
)

TRIVIAL = """
variable "greeting" {
  description = "What the resource stores."
  type        = string
  default     = "hello"
}

resource "terraform_data" "this" {
  input = var.greeting
}

output "stored" {
  description = "The stored value."
  value       = terraform_data.this.output
}
"""

STDERR = (
    "\n╷\n"
    "│ Error: creating SSM Maintenance Window Task: operation error SSM: "
    "RegisterTaskWithMaintenanceWindow, StatusCode: 400, api error ValidationException: bad\n"
    "│\n"
    "│   with aws_ssm_maintenance_window_task.this,\n"
    '│   on main.tf line 3, in resource "aws_ssm_maintenance_window_task" "this":\n'
    "╵\n"
)


def test_destroy_runs_auto_approve_never_force(tmp_path):
    # python-terraform 0.10.1's destroy passes -force, which Terraform 1.x rejects.
    argv = Terraform(tmp_path, variables={"greeting": "hi"}).command_line("destroy")
    assert "-force" not in argv
    assert "-auto-approve" in argv and "-input=false" in argv and "-no-color" in argv
    assert argv[:2] == ["terraform", "destroy"]


def test_apply_is_unattended_and_plan_asks_for_the_detailed_exit_code(tmp_path):
    tf = Terraform(tmp_path)
    assert "-auto-approve" in tf.command_line("apply")
    plan = tf.command_line("plan")
    assert "-auto-approve" not in plan and "-input=false" in plan


def test_environment_uses_the_mirror_and_points_aws_at_the_endpoint(tmp_path):
    tf = Terraform(tmp_path, env=aws_endpoint_env("http://127.0.0.1:1234", "eu-west-1"))
    assert tf.env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1234"
    assert tf.env["AWS_REGION"] == "eu-west-1"
    assert tf.env["AWS_MAX_ATTEMPTS"] == "2"
    assert tf.env["AWS_ACCESS_KEY_ID"] == tf.env["AWS_SECRET_ACCESS_KEY"] == "testing"
    if find_mirror() is not None:
        assert Path(tf.env["TF_CLI_CONFIG_FILE"]).read_text().count("filesystem_mirror") == 1


def test_error_summary_keeps_terraforms_error_block_without_decoration():
    summary = summarize_errors(STDERR)
    assert summary.startswith("Error: creating SSM Maintenance Window Task")
    assert "ValidationException: bad" in summary
    assert "│" not in summary and "╷" not in summary
    error = TerraformError("apply", "/somewhere", 1, STDERR)
    assert isinstance(error, WinUpdateError)
    assert "terraform apply failed in /somewhere: Error: creating" in str(error)


def test_a_missing_binary_is_a_terraform_error(tmp_path):
    tf = Terraform(tmp_path, env={"PATH": str(tmp_path)})
    with pytest.raises(TerraformError, match="not on PATH"):
        tf.init()


@pytest.mark.terraform
@needs_terraform
def test_a_broken_configuration_is_a_terraform_error_with_terraforms_message(tmp_path):
    (tmp_path / "main.tf").write_text('resource "terraform_data" "x" {\n  nonsense = 1\n}\n')
    tf = Terraform(tmp_path)
    tf.init()
    with pytest.raises(TerraformError) as excinfo:
        tf.apply()
    message = str(excinfo.value)
    assert "Unsupported argument" in message
    assert "Traceback" not in message and "\n" not in message


@pytest.mark.terraform
@needs_terraform
def test_apply_output_plan_and_destroy_round_trip(tmp_path):
    (tmp_path / "main.tf").write_text(TRIVIAL)
    tf = Terraform(tmp_path, variables={"greeting": "bonjour"})
    tf.init()
    assert tf.plan_has_changes() is True
    tf.apply()
    assert tf.output() == {"stored": "bonjour"}
    assert tf.output("stored") == "bonjour"
    assert tf.plan_has_changes() is False
    assert tf.state_resources() == ["terraform_data.this"]
    tf.destroy()
    assert tf.state_resources() == []
