"""The module under test as Terraform applied it: working copy, variables, outputs."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from winupdate.terraform import Terraform

REPO = Path(__file__).resolve().parents[2]
MODULE_FIXTURE = Path(__file__).parent / "fixtures" / "module_local"


@dataclass
class Deployment:
    tf: Terraform
    workdir: Path
    env: dict[str, str]
    variables: dict[str, Any]
    outputs: dict[str, Any]
    approver: str
    stem: str

    @property
    def names(self) -> dict[str, str]:
        return self.outputs["document_names"]

    @property
    def topic(self) -> str:
        return self.outputs["sns_topic_arn"]

    @property
    def tag_key(self) -> str:
        return self.variables["target_tag_key"]

    def reconfigure(self, **changes: Any) -> None:
        """Point Terraform at new input variables for the same working directory and state."""
        self.variables = {**self.variables, **changes}
        self.tf = Terraform(self.workdir, env=self.env, variables=self.variables)


def copy_fixture(source: Path, destination: Path) -> Path:
    """A fixture, its module source rewritten to reach this repository from its new place."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    main = destination / "main.tf"
    relative = os.path.relpath(REPO, destination)
    text = main.read_text(encoding="utf-8")
    assert '"../../../.."' in text
    main.write_text(text.replace('"../../../.."', f'"{relative}"'), encoding="utf-8")
    return destination
