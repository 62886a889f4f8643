"""A role assumed by an AWS service on a caller's behalf (Automation's assumeRole).

AWS checks three things (automation-troubleshooting.md, "Invalid assume role" and
"Access Denied Because of Missing PassRole Permissions"): the ARN is a role's ARN; the
role exists and its trust policy lets the service assume it, with the conditions the
service supplies (``aws:SourceAccount``, ``aws:SourceArn``); and the caller may pass the
role to the service (``iam:PassRole`` with ``iam:PassedToService``).
"""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import TYPE_CHECKING

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import utcnow
from moto.sts.models import AssumedRole, sts_backends

from .authorizer import Check
from .evaluate import Decision, Request, evaluate
from .policy import MalformedPolicy, parse_policy
from .principals import Session, role_by_arn

if TYPE_CHECKING:
    from .authorizer import Authorizer

ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")

MALFORMED = "The format of the supplied assume role ARN isn't valid."
UNASSUMABLE = "The defined assume role is unable to be assumed."
# How long Automation's session lasts; AWS does not say: a run's longest documented
# limits (aws:approve's 7 days) need no refresh here, since nothing here expires.
SESSION_SECONDS = 43200


class CannotAssume(Exception):
    """The role cannot be used; ``str()`` is AWS's message."""


def assume_for_service(
    authorizer: Authorizer,
    *,
    caller_key: str | None,
    caller_service: str,
    service_principal: str,
    role_arn: str,
    source_arn: str,
    session_name: str,
    region: str,
) -> str:
    """The access key of a new session of ``role_arn`` for ``service_principal``; raises
    ``CannotAssume`` or the caller's service's access-denied error."""
    if not ROLE_ARN.match(role_arn):
        raise CannotAssume(MALFORMED)
    role = role_by_arn(role_arn)
    if role is None:
        raise CannotAssume(UNASSUMABLE)
    try:
        trust = parse_policy(role.assume_role_policy_document, "trust")
    except MalformedPolicy as err:
        raise CannotAssume(UNASSUMABLE) from err
    request = Request(
        "sts:AssumeRole",
        role_arn,
        {"aws:sourceaccount": DEFAULT_ACCOUNT_ID, "aws:sourcearn": source_arn},
        principal={"Service": [service_principal]},
    )
    if evaluate((trust,), request) is not Decision.ALLOW:
        raise CannotAssume(UNASSUMABLE)
    caller = authorizer.principals.resolve(caller_key)
    if caller is not None:
        check = Check("iam:PassRole", ((role_arn, {"iam:passedtoservice": service_principal}),))
        authorizer.require(caller, check, caller_service)
    key = _register_session(role_arn, session_name, source_arn, region)
    authorizer.principals.register_session(key, Session(role_arn, session_name))
    return key


def _register_session(role_arn: str, session_name: str, source_arn: str, region: str) -> str:
    """A session of ``role_arn`` in moto's STS (so that GetCallerIdentity answers
    ``assumed-role/<role>/<session>``), made without moto's ``assume_role``: that draws its
    keys from the seeded random that also draws instance and execution ids, from whichever
    thread starts a run, so a virtual run's ids would depend on how runs interleave. The
    key and secret come from the session's source instead."""
    digest = hashlib.sha256(source_arn.encode()).hexdigest().upper()
    session = AssumedRole.__new__(AssumedRole)
    session.__dict__.update(
        account_id=DEFAULT_ACCOUNT_ID,
        region_name=region,
        session_name=session_name,
        role_arn=role_arn,
        policy="",
        expiration=utcnow() + datetime.timedelta(seconds=SESSION_SECONDS),
        external_id="",
        access_key=None,
        access_key_id="ASIA" + digest[:16],
        secret_access_key=digest[16:56],
        session_token=digest,
        partition="aws",
    )
    sts_backends[DEFAULT_ACCOUNT_ID]["aws"].assumed_roles.append(session)
    return session.access_key_id
