"""IAM's checks of a policy document on the calls that store one, before moto stores it.

IAM answers a malformed document with ``MalformedPolicyDocument`` (HTTP 400) on each of
these calls (IAM API Reference, the Errors of CreatePolicy, PutRolePolicy, CreateRole, ...).
moto checks some of it; these hooks check what IAM checks and moto does not (an unknown
condition operator, a Principal in an identity policy, a trust policy without one, ...).
"""

from __future__ import annotations

from ..dispatch import Call, before
from ..errors import AwsError
from .policy import MalformedPolicy, PolicyKind, parse_policy

# operation -> (the form field holding the document, the kind of policy it is)
DOCUMENTS: dict[str, tuple[str, PolicyKind]] = {
    "CreatePolicy": ("PolicyDocument", "identity"),
    "CreatePolicyVersion": ("PolicyDocument", "identity"),
    "PutRolePolicy": ("PolicyDocument", "identity"),
    "PutUserPolicy": ("PolicyDocument", "identity"),
    "PutGroupPolicy": ("PolicyDocument", "identity"),
    "CreateRole": ("AssumeRolePolicyDocument", "trust"),
    "UpdateAssumeRolePolicy": ("PolicyDocument", "trust"),
}


def check_document(call: Call) -> None:
    """Refuse the call's policy document as IAM would; a missing one is moto's to answer."""
    field, kind = DOCUMENTS[call.operation]
    document = call.params.get(field)
    if not isinstance(document, str):
        return
    try:
        parse_policy(document, kind)
    except MalformedPolicy as err:
        raise AwsError("MalformedPolicyDocument", str(err)) from err


for _operation in DOCUMENTS:
    before("iam", _operation)(check_document)
