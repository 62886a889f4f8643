"""The module's runbooks deployed into the embedded AWS as Terraform would render them,
with the Parameter Store entries they read, the topic they publish to and the run window
the Start runbook arms (fan_out window): for tests that run the module's own runbooks
without applying Terraform."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from automation_support import service_role

ROOT = Path(__file__).parents[2]


def deploy_module_runbooks(
    client: Any, prefix: str, tag_key: str, topic_name: str, **defaults: Any
) -> dict[str, Any]:
    """Render ``documents/`` with document names ``<prefix><Base>`` (and the given defaults,
    such as ``RequireApproval=False``), create them, and put the module's parameters: the
    tag key, the topic (``Automation…``: aws:approve needs it) and the caller as approver.
    Returns the template variables, with ``topic`` added. Skips when the documents do not
    render."""
    from winupdate.documents.render import RenderError, render, template_variables
    from winupdate.documents.run_window import create_run_window, run_window_name

    ssm = client("ssm")
    try:
        variables = template_variables(ROOT)
        variables["document_names"] = {k: f"{prefix}{k}" for k in variables["document_names"]}
        variables["defaults"]["RunWindowName"] = run_window_name(prefix)
        variables["defaults"].update(defaults)
        texts = {
            base: render(
                (ROOT / "documents" / f"{base}.yaml").read_text(encoding="utf-8"), variables, base
            )
            for base in variables["document_names"]
        }
    except RenderError as err:
        pytest.skip(f"the module's documents do not render right now: {err}")
    for base, text in texts.items():
        with contextlib.suppress(ssm.exceptions.DocumentAlreadyExists):
            ssm.create_document(
                Name=f"{prefix}{base}",
                Content=text,
                DocumentType="Automation",
                DocumentFormat="YAML",
            )
    window = variables["defaults"]["RunWindowName"]
    found = ssm.describe_maintenance_windows(Filters=[{"Key": "Name", "Values": [window]}])
    if variables["defaults"]["FanOutWindow"] and not found["WindowIdentities"]:
        # What modules/run-window makes: the window an approved run arms (fan_out window),
        # whose task runs as the module's role (unrestricted here: the integration suite
        # proves the module's own policy).
        service_role(client("iam"), variables["role_arn"].rsplit("/", 1)[-1])
        create_run_window(
            ssm,
            name=window,
            process_document=f"{prefix}AutomationProcess",
            service_role_arn=variables["role_arn"],
            tag_key=tag_key,
            tag_value=variables["defaults"]["TargetTagValue"],
            max_concurrency=variables["defaults"]["MaxConcurrency"],
            max_errors=variables["defaults"]["MaxErrors"],
        )
    topic = client("sns").create_topic(Name=topic_name)["TopicArn"]
    caller = client("sts").get_caller_identity()["Arn"]
    names = variables["parameter_names"]
    for key, value in (
        ("EC2UpdateTag", tag_key),
        ("NotificationArn", topic),
        ("Approvers", caller),
    ):
        ssm.put_parameter(Name=names[key], Value=value, Type="String", Overwrite=True)
    return {**variables, "topic": topic}
