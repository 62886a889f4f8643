"""sts:AssumeRole by a caller: the role must exist and its trust policy must let the caller
assume it (IAM User Guide, "Granting a user permissions to switch roles": the caller's
identity policy allows sts:AssumeRole on the role, which the authorizer checks like any
action, and the role's trust policy names the caller or its account). moto's STS issues
credentials for any role ARN, existing or not, trusted or not.
"""

from __future__ import annotations

from moto.core import DEFAULT_ACCOUNT_ID

from ..dispatch import Call, before
from .denials import AccessDenied, explanation
from .evaluate import Decision, Request, evaluate
from .policy import MalformedPolicy, parse_policy
from .principals import role_by_arn

ROOT = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:root"


@before("sts", "AssumeRole")
def trusted_by_the_role(call: Call) -> None:
    role_arn = str(call.params.get("RoleArn", ""))
    principal = call.aws.service("iam").principals.resolve(call.access_key)
    caller = principal.arn if principal else ROOT
    names = [ROOT, DEFAULT_ACCOUNT_ID]
    if principal is not None:
        names += [principal.arn, principal.principal_arn]
    role = role_by_arn(role_arn)
    allowed = False
    if role is not None:
        try:
            trust = parse_policy(role.assume_role_policy_document, "trust")
        except MalformedPolicy:
            trust = None
        if trust is not None:
            context = {"aws:principalarn": principal.principal_arn if principal else ROOT}
            request = Request("sts:AssumeRole", role_arn, context, principal={"AWS": names})
            allowed = evaluate((trust,), request) is Decision.ALLOW
    if not allowed:
        # What STS answers whether the role is missing or does not trust the caller.
        raise AccessDenied(
            "AccessDenied",
            explanation(
                caller,
                "sts:AssumeRole",
                role_arn,
                "no resource-based policy allows the {action} action",
            ),
            403,
            "sts:AssumeRole",
            role_arn,
        )
