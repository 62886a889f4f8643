"""The two pipelines the fleet benchmark compares: the seed's runbooks and the module's.

Both are deployed into an embedded AWS the way their users deploy them: the seed's four
files as they were published, the module's templates rendered with its default variables
(as Terraform would, without running Terraform).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.moto_api._internal import mock_random

from ..documents.render import STAND_IN_ACCOUNT, render, template_variables
from ..documents.run_window import create_run_window
from ..errors import UsageError
from ..local.automation.runbook import load_runbook
from ..local.automation.variables import substitute
from ..local.fleet.commands import INSTALL_WINDOWS_UPDATES

REPO = Path(__file__).resolve().parents[3]
SEED_DIR = REPO / "test" / "fixtures" / "seed"
TAG_KEY = "WinUpdate"
SSM_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ssm.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": STAND_IN_ACCOUNT}},
        }
    ],
}
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass
class Design:
    name: str
    documents: dict[str, str]  # document name -> YAML content
    process: str  # the per-instance runbook started with rate control
    start: str  # the runbook a person starts: one approval, then the fan-out
    target_parameter: str
    process_parameters: dict[str, list[str]]
    parameter_names: dict[str, str]  # EC2UpdateTag / NotificationArn / Approvers -> SSM name
    role_arn: str | None = None  # the runbooks' assumeRole, created by install()
    #: The module's run window (fan_out window: its Start runbook arms it), created by
    #: install() as modules/run-window makes it; None for a design without one.
    run_window: str | None = None

    def install_parameters(self) -> dict[str, Any]:
        """The Parameters this design's runbooks send to AWS-InstallWindowsUpdates when
        its per-instance runbook is started with ``process_parameters``."""
        found = _install_parameters(self.documents, self.process, self.process_parameters)
        if found is None:
            raise UsageError(f"{self.name}: no runbook step sends AWS-InstallWindowsUpdates")
        return found

    def install(self, ssm: Any, iam: Any, topic: str, approver: str) -> None:
        if self.role_arn:
            # The role the module's runbooks assume, trusted by Systems Manager as the
            # module's is. Its policy allows everything: the benchmark measures the cost of
            # authorizing every call; the integration suite proves the module's own policy.
            # Made with the seeded ids' random left as it was, so that the instances and
            # executions get the ids they had before runs assumed a role.
            name = self.role_arn.rsplit("/", 1)[-1]
            state = mock_random.getstate()
            try:
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(SSM_TRUST))
                iam.put_role_policy(
                    RoleName=name, PolicyName="bench", PolicyDocument=json.dumps(ALLOW_ALL)
                )
            finally:
                mock_random.setstate(state)
        values = {"EC2UpdateTag": TAG_KEY, "NotificationArn": topic, "Approvers": approver}
        for key, name in self.parameter_names.items():
            kind = "StringList" if key == "Approvers" else "String"
            ssm.put_parameter(Name=name, Value=values[key], Type=kind, Overwrite=True)
        for name, content in self.documents.items():
            ssm.create_document(
                Name=name, Content=content, DocumentType="Automation", DocumentFormat="YAML"
            )
        if self.run_window and self.role_arn:
            create_run_window(
                ssm,
                name=self.run_window,
                process_document=self.process,
                service_role_arn=self.role_arn,
                tag_key=TAG_KEY,
                tag_value="ON",
                max_concurrency="1",
                max_errors="0",
            )


def _install_parameters(
    documents: dict[str, str], name: str, given: dict[str, Any], depth: int = 0
) -> dict[str, Any] | None:
    """Follow the runbook ``name`` (and the runbooks of this design it starts) to the step
    that runs AWS-InstallWindowsUpdates; its Parameters with the variables resolved from
    ``given`` or the parameters' defaults. Read from the documents so the ideal selects what
    the design's runbooks would, not what someone believes they pass."""
    if name not in documents or depth > len(documents):
        return None
    runbook = load_runbook(documents[name])

    def lookup(variable: str) -> Any:
        if variable in given:
            value = given[variable]
        elif variable in runbook.parameters and runbook.parameters[variable].has_default:
            value = runbook.parameters[variable].default
        else:
            return "{{" + variable + "}}"
        # StartAutomationExecution passes string lists; a one-item list is its string.
        if isinstance(value, list) and len(value) == 1:
            return value[0]
        return value

    for step in runbook.steps:
        inputs = step.inputs
        document = inputs.get("DocumentName")
        if document == INSTALL_WINDOWS_UPDATES and step.action == "aws:runCommand":
            return substitute(dict(inputs.get("Parameters") or {}), lookup)
        starts_child = step.action == "aws:executeAutomation" or (
            step.action == "aws:executeAwsApi" and inputs.get("Api") == "StartAutomationExecution"
        )
        if starts_child and document in documents:
            parameters = inputs.get("RuntimeParameters") or inputs.get("Parameters") or {}
            passed = substitute(dict(parameters), lookup)
            found = _install_parameters(documents, document, passed, depth + 1)
            if found is not None:
                return found
    return None


def seed_design(seed_dir: Path = SEED_DIR) -> Design:
    if not seed_dir.is_dir():
        raise UsageError(f"the seed's runbooks are not at {seed_dir} (use a clone of the repo)")
    documents = {p.stem: p.read_text(encoding="utf-8") for p in sorted(seed_dir.glob("MY-*.yaml"))}
    return Design(
        name="seed",
        documents=documents,
        process="MY-AutomationProcess",
        start="MY-AutomationStart",
        target_parameter="InstanceIdIn",
        process_parameters={"SeverityLevels": ["Critical,Important,Moderate,Low"]},
        parameter_names={k: k for k in ("EC2UpdateTag", "NotificationArn", "Approvers")},
    )


def module_design(repo: Path = REPO, **defaults: Any) -> Design:
    """The module's runbooks rendered with its defaults, ``defaults`` (template values such
    as ``RollbackOnFailure=True``) overriding."""
    templates = repo / "documents"
    if not templates.is_dir():
        raise UsageError(f"the module's runbooks are not at {templates} (use a clone of the repo)")
    variables = template_variables(repo)
    variables["defaults"].update(defaults)
    names = variables["document_names"]
    documents = {
        names[p.stem]: render(p.read_text(encoding="utf-8"), variables, str(p))
        for p in sorted(templates.glob("*.yaml"))
    }
    return Design(
        name="module",
        documents=documents,
        process=names["AutomationProcess"],
        start=names["AutomationStart"],
        target_parameter="InstanceId",
        process_parameters={},
        parameter_names=dict(variables["parameter_names"]),
        role_arn=variables["role_arn"],
        run_window=variables["defaults"]["RunWindowName"]
        if variables["defaults"]["FanOutWindow"]
        else None,
    )


DESIGNS = {"seed": seed_design, "module": module_design}
