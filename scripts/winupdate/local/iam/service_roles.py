"""A role assumed by an AWS service on a caller's behalf (Automation's assumeRole).

AWS checks three things (automation-troubleshooting.md, "Invalid assume role" and
"Access Denied Because of Missing PassRole Permissions"): the ARN is a role's ARN; the
role exists and its trust policy lets the service assume it, with the conditions the
service supplies (``aws:SourceAccount``, ``aws:SourceArn``); and the caller may pass the
role to the service (``iam:PassRole`` with ``iam:PassedToService``).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_api._internal import mock_random
from moto.sts.models import sts_backends

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
    # moto draws the session's key from the seeded random that also draws instance and
    # execution ids: drawn aside, so that a run's ids (and a virtual run's digest) do not
    # depend on how many sessions were made. The key comes from the session's source.
    state = mock_random.getstate()
    try:
        assumed = sts_backends[DEFAULT_ACCOUNT_ID]["aws"].assume_role(
            region_name=region,
            role_session_name=session_name,
            role_arn=role_arn,
            policy="",
            duration=SESSION_SECONDS,
            external_id="",
        )
    finally:
        mock_random.setstate(state)
    key = "ASIA" + hashlib.sha256(source_arn.encode()).hexdigest()[:16].upper()
    assumed.access_key_id = assumed.access_key.access_key_id = key
    authorizer.principals.register_session(key, Session(role_arn, session_name))
    return key
