"""The role an execution's steps run as: the runbook's ``assumeRole``, resolved.

automation-setup-iam.md: "the assume role is either provided in the runbook or passed as a
parameter value"; a runbook without one (or whose parameter is empty) runs with the
permissions of the user who started it (running-automations: "run as the current user").
"""

from __future__ import annotations

from typing import Any

from .exceptions import InvalidAutomationExecutionParametersException
from .runbook import Runbook
from .variables import UnresolvedVariable, as_text, substitute

GLOBALS = {"global:ACCOUNT_ID", "global:REGION", "global:AWS_PARTITION"}


def assume_role_of(runbook: Runbook, values: dict[str, Any], account_id: str, region: str) -> str:
    """The ARN the runbook's ``assumeRole`` names with these parameter values ("" for none)."""
    declared = runbook.assume_role
    if not declared:
        return ""
    known = {
        **values,
        "global:ACCOUNT_ID": account_id,
        "global:REGION": region,
        "global:AWS_PARTITION": "aws",
    }

    def lookup(name: str) -> Any:
        if name not in known:
            raise UnresolvedVariable(name)
        return known[name]

    try:
        role = substitute(str(declared), lookup)
    except UnresolvedVariable as err:
        raise InvalidAutomationExecutionParametersException(
            f"assumeRole {declared} cannot be resolved: {err}."
        ) from err
    return as_text(role).strip() if role is not None else ""
