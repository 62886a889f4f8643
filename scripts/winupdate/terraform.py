"""The one adapter around python-terraform, and where Terraform finds the AWS provider.

``Terraform(working_dir, env, variables)`` runs init/plan/apply/destroy/output; failures
raise ``TerraformError`` with Terraform's own summary. ``aws_endpoint_env(endpoint)`` is the
environment that points the AWS provider at an endpoint (the embedded AWS).

Offline machines carry a filesystem mirror of the provider; ``cli_config_env``
points Terraform at it when one is found (``WINUPDATE_TF_PLUGIN_MIRROR`` overrides
the location). With no mirror, Terraform uses the registry as usual.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import python_terraform
from python_terraform import IsFlagged

from .errors import WinUpdateError

MIRROR_ENV = "WINUPDATE_TF_PLUGIN_MIRROR"
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
)


def find_mirror() -> Path | None:
    """The provider mirror to use: ``$WINUPDATE_TF_PLUGIN_MIRROR``, else a known location."""
    override = os.environ.get(MIRROR_ENV)
    if override:
        path = Path(override).expanduser()
        return path if path.is_dir() else None
    for candidate in MIRROR_CANDIDATES:
        path = Path(candidate).expanduser()
        if (path / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return path
    return None


def cli_config_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a Terraform subprocess: ``TF_CLI_CONFIG_FILE`` set to use the mirror."""
    env = dict(os.environ if base is None else base)
    mirror = find_mirror()
    if mirror is None:
        return env
    config = Path(tempfile.gettempdir()) / f"winupdate-terraformrc-{os.getuid()}"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n'
        "}\n"
    )
    env["TF_CLI_CONFIG_FILE"] = str(config)
    return env


# -- the adapter ------------------------------------------------------------------------------
# Terraform's exit codes for ``plan -detailed-exitcode``.
PLAN_NO_CHANGES, PLAN_ERROR, PLAN_HAS_CHANGES = 0, 1, 2
# How much of Terraform's stderr an error message carries.
SUMMARY_LINES = 12


class TerraformError(WinUpdateError):
    """A Terraform command failed; the message is Terraform's own error summary."""

    def __init__(self, command: str, working_dir: str | os.PathLike, returncode: int, stderr: str):
        self.command = command
        self.returncode = returncode
        self.stderr = stderr or ""
        summary = summarize_errors(self.stderr) or f"exit code {returncode}"
        super().__init__(f"terraform {command} failed in {working_dir}: {summary}")


def summarize_errors(stderr: str, limit: int = SUMMARY_LINES) -> str:
    """Terraform's ``Error:`` blocks from ``-no-color`` stderr, box-drawing stripped, joined.

    Falls back to the last non-empty lines when there is no ``Error:`` block.
    """
    lines = [line.strip(" │╷╵\t") for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    start = next((i for i, line in enumerate(lines) if line.startswith("Error:")), None)
    picked = lines[start:] if start is not None else lines[-3:]
    return " | ".join(picked[:limit])


def aws_endpoint_env(endpoint: str, region: str = "us-east-1") -> dict[str, str]:
    """Environment that points the AWS provider (and the AWS SDKs) at ``endpoint``.

    Few retries: an API the endpoint lacks would otherwise hold an apply for minutes.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_MAX_ATTEMPTS": "2",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


class _PythonTerraform(python_terraform.Terraform):
    """python-terraform with an explicit environment (it only ever copies ``os.environ``)."""

    def __init__(self, *args: Any, env: dict[str, str], **kwargs: Any) -> None:
        self.env = env
        super().__init__(*args, **kwargs)

    def cmd(self, cmd: str, *args: Any, **kwargs: Any) -> tuple[int, str, str]:
        kwargs.pop("capture_output", None)
        kwargs.pop("raise_on_error", None)
        argv = self.generate_cmd_string(cmd, *args, **kwargs)
        if shutil.which(argv[0], path=self.env.get("PATH")) is None:
            self.temp_var_files.clean_up()
            return 127, "", f"Error: {argv[0]} is not on PATH: install Terraform >= 1.6"
        try:
            done = subprocess.run(
                argv,
                cwd=self.working_dir,
                env=self.env,
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            self.temp_var_files.clean_up()
        if done.returncode == 0:
            self.read_state_file()
        return done.returncode, done.stdout, done.stderr


class Terraform:
    """Run Terraform in ``working_dir`` through python-terraform, always with ``cli_config_env()``.

    ``env`` is laid over the process environment (``aws_endpoint_env(endpoint)`` points the
    AWS provider at an embedded AWS); ``variables`` become ``-var`` options. Every failure
    raises ``TerraformError`` carrying Terraform's error summary.
    """

    def __init__(
        self,
        working_dir: str | os.PathLike,
        env: dict[str, str] | None = None,
        variables: dict[str, Any] | None = None,
    ) -> None:
        self.working_dir = Path(working_dir)
        # No version check against HashiCorp's servers: machines may be offline.
        quiet = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
        self.env = cli_config_env({**os.environ, **quiet, **(env or {})})
        self._tf = _PythonTerraform(
            working_dir=str(self.working_dir), variables=dict(variables or {}), env=self.env
        )

    def command_line(self, command: str, *args: Any, **options: Any) -> list[str]:
        """The argv the adapter runs for ``command`` (what ``init``/``plan``/... execute)."""
        try:
            return self._tf.generate_cmd_string(command, *args, **self._options(command, options))
        finally:
            self._tf.temp_var_files.clean_up()

    def _options(self, command: str, options: dict[str, Any]) -> dict[str, Any]:
        base: dict[str, Any] = {"no_color": IsFlagged, "input": False}
        if command in ("plan", "apply", "destroy"):
            base["var"] = self._tf.variables or None
        if command in ("apply", "destroy"):
            # Terraform 1.x rejects python-terraform's ``destroy -force``.
            base["auto_approve"] = IsFlagged
        return {**base, **options}

    def _run(self, command: str, *args: Any, ok: tuple[int, ...] = (0,), **options: Any) -> int:
        code, _out, err = self._tf.cmd(command, *args, **self._options(command, options))
        if code not in ok:
            raise TerraformError(" ".join([command, *map(str, args)]), self.working_dir, code, err)
        return code

    def init(self) -> None:
        self._run("init")

    def plan(self) -> None:
        self._run("plan")

    def plan_has_changes(self) -> bool:
        """Whether ``plan -detailed-exitcode`` finds changes (exit 2) or none (exit 0)."""
        code = self._run(
            "plan", ok=(PLAN_NO_CHANGES, PLAN_HAS_CHANGES), detailed_exitcode=IsFlagged
        )
        return code == PLAN_HAS_CHANGES

    def apply(self) -> None:
        self._run("apply")

    def destroy(self) -> None:
        self._run("destroy")

    def output(self, name: str | None = None) -> Any:
        """All outputs as ``{name: value}``, or one output's value."""
        args = [name] if name else []
        code, out, err = self._tf.cmd("output", *args, json=IsFlagged, no_color=IsFlagged)
        if code != 0:
            raise TerraformError("output", self.working_dir, code, err)
        value = json.loads(out or "null")
        if name:
            return value
        return {key: entry["value"] for key, entry in (value or {}).items()}

    def state_resources(self) -> list[str]:
        """Addresses in the state (``terraform state list``); empty when nothing is deployed."""
        code, out, err = self._tf.cmd("state list", no_color=IsFlagged)
        if code != 0:
            raise TerraformError("state list", self.working_dir, code, err)
        return [line for line in out.splitlines() if line.strip()]
