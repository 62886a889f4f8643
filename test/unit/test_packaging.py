"""A user who only drives runs against a real account installs `winupdate` without the
embedded AWS (`winupdate[local]`: moto, policy_sentry, python-terraform): `validate`, `run`,
`images` and `report` must work without those packages, and the commands that need them
say so in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs the CLI with the embedded AWS's packages made unimportable.
WITHOUT_LOCAL = """
import importlib.abc, sys
BLOCKED = {"moto", "werkzeug", "flask", "policy_sentry", "python_terraform"}
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Blocker())
from winupdate.cli import main
sys.exit(main(sys.argv[1:]))
"""


def cli_without_local(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_LOCAL, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_validate_runs_without_the_embedded_aws():
    result = cli_without_local("validate", "documents", "--rendered")
    assert result.returncode == 0, result.stderr
    assert "0 error(s)" in result.stdout


def test_run_and_images_parse_their_arguments_without_the_embedded_aws():
    for command in ("run", "images", "report"):
        result = cli_without_local(command, "--help")
        assert result.returncode == 0, (command, result.stderr)


def test_local_without_its_packages_says_what_to_install():
    result = cli_without_local("local", "--port", "0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "winupdate: local needs the embedded AWS's packages (moto is not installed): "
        "pip install 'winupdate[local]'"
    ]
