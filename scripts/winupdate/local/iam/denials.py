"""Denials worded and shaped as each service answers them.

EC2: ``UnauthorizedOperation`` (403) with the explanation and an encoded message (what
``sts:DecodeAuthorizationMessage`` would decode); JSON-protocol services (SSM, KMS, Logs):
``AccessDeniedException`` (400, as automation-troubleshooting.md shows for SSM); SNS:
``AuthorizationError`` (403); IAM and STS: ``AccessDenied`` (403).
"""

from __future__ import annotations

import base64
import json

from ..errors import AwsError

# Why a request was refused, in the words AWS uses after "because".
NO_ALLOW = "no identity-based policy allows the {action} action"
EXPLICIT_DENY = "with an explicit deny in an identity-based policy"
NO_BOUNDARY_ALLOW = "no permissions boundary allows the {action} action"
BOUNDARY_DENY = "with an explicit deny in a permissions boundary"
NO_SESSION_ALLOW = "no session policy allows the {action} action"
SESSION_DENY = "with an explicit deny in a session policy"
NO_RESOURCE_ALLOW = "no resource-based policy allows the {action} action"
RESOURCE_DENY = "with an explicit deny in a resource-based policy"


class AccessDenied(AwsError):
    """A refused request; ``action`` and ``resource`` say what was refused."""

    def __init__(self, code: str, message: str, status: int, action: str, resource: str) -> None:
        super().__init__(code, message, status)
        self.action = action
        self.resource = resource


def explanation(principal_arn: str, action: str, resource: str, reason: str) -> str:
    on = "" if resource == "*" else f" on resource: {resource}"
    because = reason.format(action=action)
    joiner = " " if because.startswith("with ") else " because "
    return f"User: {principal_arn} is not authorized to perform: {action}{on}{joiner}{because}"


def denial(
    service: str, principal_arn: str, action: str, resource: str, reason: str
) -> AccessDenied:
    text = explanation(principal_arn, action, resource, reason)
    if service == "ec2":
        encoded = base64.b64encode(
            json.dumps(
                {
                    "allowed": False,
                    "explicitDeny": reason.startswith("with "),
                    "context": {
                        "principal": {"arn": principal_arn},
                        "action": action,
                        "resource": resource,
                    },
                },
                separators=(",", ":"),
            ).encode()
        ).decode()
        return AccessDenied(
            "UnauthorizedOperation",
            f"You are not authorized to perform this operation. {text}. "
            f"Encoded authorization failure message: {encoded}",
            403,
            action,
            resource,
        )
    if service == "sns":
        return AccessDenied("AuthorizationError", text, 403, action, resource)
    if service in ("iam", "sts"):
        return AccessDenied("AccessDenied", text, 403, action, resource)
    return AccessDenied("AccessDeniedException", text, 400, action, resource)
