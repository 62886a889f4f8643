"""The two pipelines the fleet benchmark compares: the seed's runbooks and the module's.

Both are deployed into an embedded AWS the way their users deploy them: the seed's four
files as they were published, the module's templates rendered with its default variables
(as Terraform would, without running Terraform).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..documents.render import render, template_variables
from ..errors import UsageError

REPO = Path(__file__).resolve().parents[3]
SEED_DIR = REPO / "test" / "fixtures" / "seed"
TAG_KEY = "WinUpdate"


@dataclass
class Design:
    name: str
    documents: dict[str, str]  # document name -> YAML content
    process: str  # the per-instance runbook started with rate control
    target_parameter: str
    process_parameters: dict[str, list[str]]
    parameter_names: dict[str, str]  # EC2UpdateTag / NotificationArn / Approvers -> SSM name

    def install(self, ssm: Any, topic: str, approver: str) -> None:
        values = {"EC2UpdateTag": TAG_KEY, "NotificationArn": topic, "Approvers": approver}
        for key, name in self.parameter_names.items():
            kind = "StringList" if key == "Approvers" else "String"
            ssm.put_parameter(Name=name, Value=values[key], Type=kind, Overwrite=True)
        for name, content in self.documents.items():
            ssm.create_document(
                Name=name, Content=content, DocumentType="Automation", DocumentFormat="YAML"
            )


def seed_design(seed_dir: Path = SEED_DIR) -> Design:
    if not seed_dir.is_dir():
        raise UsageError(f"the seed's runbooks are not at {seed_dir} (use a clone of the repo)")
    documents = {p.stem: p.read_text(encoding="utf-8") for p in sorted(seed_dir.glob("MY-*.yaml"))}
    return Design(
        name="seed",
        documents=documents,
        process="MY-AutomationProcess",
        target_parameter="InstanceIdIn",
        process_parameters={"SeverityLevels": ["Critical,Important,Moderate,Low"]},
        parameter_names={k: k for k in ("EC2UpdateTag", "NotificationArn", "Approvers")},
    )


def module_design(repo: Path = REPO) -> Design:
    templates = repo / "documents"
    if not templates.is_dir():
        raise UsageError(f"the module's runbooks are not at {templates} (use a clone of the repo)")
    variables = template_variables(repo)
    names = variables["document_names"]
    documents = {
        names[p.stem]: render(p.read_text(encoding="utf-8"), variables, str(p))
        for p in sorted(templates.glob("*.yaml"))
    }
    return Design(
        name="module",
        documents=documents,
        process=names["AutomationProcess"],
        target_parameter="InstanceId",
        process_parameters={},
        parameter_names=dict(variables["parameter_names"]),
    )


DESIGNS = {"seed": seed_design, "module": module_design}
