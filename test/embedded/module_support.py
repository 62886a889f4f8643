"""The module's four runbooks deployed into the embedded AWS as Terraform would render them,
with the Parameter Store entries they read and the topic they publish to: for tests that
run the module's own runbooks without applying Terraform."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

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

    ssm = client("ssm")
    try:
        variables = template_variables(ROOT)
        variables["document_names"] = {k: f"{prefix}{k}" for k in variables["document_names"]}
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
