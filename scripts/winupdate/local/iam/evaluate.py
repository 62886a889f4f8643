"""The decision: do these policies allow this one request?

IAM User Guide, "Policy evaluation logic" and "The difference between explicit and implicit
denies" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html):
an applicable Deny statement in any policy wins; otherwise an applicable Allow allows;
otherwise the request is implicitly denied. Which policy types combine how (boundaries,
SCPs, resource policies across accounts) is the caller's business: it calls this once per
policy set it needs a decision on.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .policy import Policy, Statement


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"


@dataclass(frozen=True)
class Request:
    """One authorization question.

    ``context`` keys must be lower-cased, whole: IAM's condition key names are not
    case-sensitive ("IAM JSON policy elements: Condition"), and the policy's keys are
    lower-cased once at parse time. That includes the tag-key part
    (``aws:resourcetag/winupdate``): we chose to treat a tag key as case-insensitive in a
    condition key, as IAM treats tag keys of its own resources ("Tag keys are case
    insensitive", IAM's DuplicateTags error), so ``aws:ResourceTag/Phase`` in a policy
    finds ``aws:resourcetag/phase`` in the context. A resource carrying two tags that
    differ only in case (EC2 allows it) must be resolved by the caller.

    A key absent from ``context`` (or given as None) is not in the request context.
    Values: ``str``, ``bool``, ``int``/``float``, or a list of strings for a multivalued key.
    ``principal`` is for resource and trust policies: ``{"AWS": [arn, ...]}`` or
    ``{"Service": ["ssm.amazonaws.com"]}``; give an assumed-role session's role ARN too if
    a policy may name the role.
    """

    action: str
    resource: str
    context: Mapping[str, Any]
    principal: Mapping[str, list[str]] | None = None


def applies(statement: Statement, action: str, request: Request) -> bool:
    """Does ``statement`` apply to ``request``? ``action`` is the request's, lower-cased."""
    context = request.context
    if statement.actions.matches(action, context) == statement.not_action:
        return False
    resources = statement.resources
    if (
        resources is not None
        and resources.matches(request.resource, context) == statement.not_resource
    ):
        return False
    principals = statement.principals
    if principals is not None and principals.matches(request.principal) == statement.not_principal:
        return False
    return all(condition.holds(context) for condition in statement.conditions)


def evaluate(policies: Iterable[Policy], request: Request) -> Decision:
    """An explicit Deny in any policy wins; else ALLOW if any Allow applies; else
    IMPLICIT_DENY."""
    action = request.action.lower()
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if statement.deny:
                if applies(statement, action, request):
                    return Decision.EXPLICIT_DENY
            elif not allowed and applies(statement, action, request):
                allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY
