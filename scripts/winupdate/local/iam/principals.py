"""Who a request is made as: the principal behind an access key, and its policies.

An access key that the embedded AWS's IAM or STS issued (an IAM user's key, a role
session's) is that principal's; any other key (the default test credentials, the embedded
AWS's own) is the account's root, which IAM policies do not restrict. Policies are read
from moto's IAM backend and parsed once per change of IAM's state (``changed``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from .policy import Policy, parse_policy


@dataclass(frozen=True)
class Principal:
    """An IAM user or a role session, with what IAM evaluates for it."""

    arn: str  # as GetCallerIdentity shows it
    principal_arn: str  # aws:PrincipalArn: the user, or the role of a session
    account: str
    kind: str  # "User" | "AssumedRole" (aws:PrincipalType)
    userid: str
    username: str | None
    policies: tuple[Policy, ...]
    boundary: Policy | None = None
    session_policy: Policy | None = None
    tags: dict[str, str] = field(default_factory=dict)
    # Whether a policy compares dates (aws:CurrentTime, aws:EpochTime): decisions are then
    # not kept, since they depend on the clock.
    uses_time: bool = False
    # (action, resource, context) -> why refused, or None: policies do not change for the
    # life of this object (a change to IAM builds new principals).
    decisions: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Session:
    """A role session the embedded AWS issued itself (an Automation execution's)."""

    role_arn: str
    session_name: str


class Principals:
    """Resolves access keys; ``changed()`` after any write to IAM or STS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._built = -1
        self._by_key: dict[str, Principal] = {}
        self._sessions: dict[str, Session] = {}
        # another key -> the key whose principal it acts as (a script's key)
        self._aliases: dict[str, str] = {}

    def changed(self) -> None:
        self._generation += 1

    def register_session(self, access_key: str, session: Session) -> None:
        with self._lock:
            self._sessions[access_key] = session
            if self._built == self._generation:  # no rebuild for one more session
                iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
                role = _role_by_arn(iam, session.role_arn)
                self._by_key[access_key] = _session_principal(iam, role, session, None)

    def instance_session(self, role_arn: str, instance_id: str) -> Principal:
        """The principal of an instance's credentials: a session of its profile's role."""
        if self._built != self._generation:
            self._rebuild()
        key = f"instance:{instance_id}:{role_arn}"
        found = self._by_key.get(key)
        if found is None:
            iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
            found = _session_principal(
                iam, _role_by_arn(iam, role_arn), Session(role_arn, instance_id), None
            )
            self._by_key[key] = found
        return found

    def alias(self, access_key: str, acts_as: str | None) -> None:
        """Requests signed with ``access_key`` are made as ``acts_as``'s principal."""
        if acts_as:
            self._aliases[access_key] = acts_as

    def resolve(self, access_key: str | None) -> Principal | None:
        """The principal of ``access_key``; None for the account's root (unrestricted)."""
        if not access_key:
            return None
        access_key = self._aliases.get(access_key, access_key)
        if self._built != self._generation:
            self._rebuild()
        return self._by_key.get(access_key)

    def _rebuild(self) -> None:
        with self._lock:
            generation = self._generation
            by_key: dict[str, Principal] = {}
            iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
            for user in list(iam.users.values()):
                principal = None
                for key in list(getattr(user, "access_keys", [])):
                    if principal is None:
                        principal = _user_principal(iam, user)
                    by_key[key.access_key_id] = principal
            # Sessions callers made with sts:AssumeRole, and those we issued ourselves.
            sessions = {
                assumed.access_key_id: (
                    Session(assumed.role_arn, assumed.session_name),
                    parse_policy(assumed.policy) if assumed.policy else None,
                )
                for assumed in list(sts_backends[DEFAULT_ACCOUNT_ID]["aws"].assumed_roles)
            }
            sessions.update({key: (session, None) for key, session in self._sessions.items()})
            for key, (session, session_policy) in sessions.items():
                role = _role_by_arn(iam, session.role_arn)
                by_key[key] = _session_principal(iam, role, session, session_policy)
            self._by_key = by_key
            self._built = generation


def _documents(holder: Any) -> list[str]:
    docs = [str(doc) for doc in holder.policies.values()]
    for managed in holder.managed_policies.values():
        docs.append(_default_document(managed))
    return docs


def _default_document(managed: Any) -> str:
    for version in managed.versions:
        if version.is_default:
            return version.document
    return managed.versions[0].document


def _boundary_document(iam: Any, arn: str | None) -> str | None:
    if not arn:
        return None
    managed = iam.managed_policies.get(arn)
    # A boundary that names no policy allows nothing (IAM would have refused to set it).
    return _default_document(managed) if managed else _NOTHING


_NOTHING = '{"Version":"2012-10-17","Statement":[]}'


def _uses_time(docs: list[str]) -> bool:
    text = " ".join(docs).lower()
    return "aws:currenttime" in text or "aws:epochtime" in text


def _user_principal(iam: Any, user: Any) -> Principal:
    docs = _documents(user)
    for group in iam.get_groups_for_user(user.name):
        docs.extend(_documents(group))
    boundary_doc = _boundary_document(iam, getattr(user, "permissions_boundary_arn", None))
    return Principal(
        arn=user.arn,
        principal_arn=user.arn,
        account=user.account_id,
        kind="User",
        userid=user.id,
        username=user.name,
        policies=tuple(parse_policy(d) for d in docs),
        boundary=parse_policy(boundary_doc) if boundary_doc is not None else None,
        tags={t["Key"]: t["Value"] for t in _tag_list(user.tags)},
        uses_time=_uses_time([*docs, boundary_doc or ""]),
    )


def _session_principal(
    iam: Any, role: Any, session: Session, session_policy: Policy | None
) -> Principal:
    account = session.role_arn.split(":")[4] if session.role_arn.count(":") >= 5 else ""
    name = session.role_arn.rsplit("/", 1)[-1]
    docs: list[str] = []
    boundary_doc = None
    tags: dict[str, str] = {}
    userid = f"AROA:{session.session_name}"
    if role is not None:
        docs = _documents(role)
        boundary_doc = _boundary_document(iam, role.permissions_boundary_arn)
        tags = {t["Key"]: t["Value"] for t in _tag_list(role.tags)}
        userid = f"{role.id}:{session.session_name}"
    return Principal(
        arn=f"arn:aws:sts::{account}:assumed-role/{name}/{session.session_name}",
        principal_arn=session.role_arn,
        account=account,
        kind="AssumedRole",
        userid=userid,
        username=None,
        policies=tuple(parse_policy(d) for d in docs),
        boundary=parse_policy(boundary_doc) if boundary_doc is not None else None,
        session_policy=session_policy,
        tags=tags,
        uses_time=_uses_time([*docs, boundary_doc or ""]),
    )


def _tag_list(tags: Any) -> list[dict[str, str]]:
    if isinstance(tags, dict):
        return [
            {"Key": k, "Value": v.get("Value", v) if isinstance(v, dict) else v}
            for k, v in tags.items()
        ]
    return list(tags or [])


def _role_by_arn(iam: Any, arn: str) -> Any:
    for role in iam.roles.values():
        if role.arn == arn:
            return role
    return None


def role_named(name: str) -> Any:
    """The IAM role called ``name`` in the embedded AWS, or None."""
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    return next((r for r in iam.roles.values() if r.name == name), None)


def role_by_arn(arn: str) -> Any:
    """The IAM role with ``arn`` in the embedded AWS, or None."""
    return _role_by_arn(iam_backends[DEFAULT_ACCOUNT_ID]["aws"], arn)
