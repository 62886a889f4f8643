"""IAM policy documents: the grammar IAM enforces, and the compiled form the evaluator reads.

The grammar follows the IAM User Guide's "IAM JSON policy grammar" and "IAM JSON policy
elements reference" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html). Error
messages are IAM's own ``MalformedPolicyDocument`` messages where IAM is known to send one
(moto's validator copies several of them), followed by what exactly is wrong in brackets.

moto's ``IAMPolicyDocumentValidator`` is reused for the resource-format checks (IAM's ARN
partition, IAM's own resource paths) and the action-prefix checks, where it is right. It
is not used whole, because it is wrong in places: it refuses number condition values and
policies without a Version or with 2008-10-17 (both valid grammar), accepts an unknown
condition operator whose key map is empty, accepts a Principal in an identity policy and
an identity Sid that is not alphanumeric.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from moto.iam.exceptions import MalformedPolicyDocument as MotoMalformed
from moto.iam.policy_validation import IAMPolicyDocumentValidator

from .conditions import (
    LEGACY_ERROR,
    SYNTAX_ERROR,
    Condition,
    ConditionError,
    NullCondition,
    compile_conditions,
)
from .patterns import Matcher, arn_glob, glob, matcher

PolicyKind = Literal["identity", "resource", "trust"]

VERSIONS = ("2012-10-17", "2008-10-17")
VARIABLES_VERSION = "2012-10-17"
TOP_LEVEL_KEYS = frozenset({"Version", "Id", "Statement"})
STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})
_SID = re.compile(r"[0-9A-Za-z]*")
_ACCOUNT = re.compile(r"\d{12}")


class MalformedPolicy(ValueError):
    """A policy IAM refuses. ``str(err)`` is IAM's message and, in brackets, the problem;
    ``message`` is IAM's message alone."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(f"{message} ({detail})" if detail else message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True, eq=False)
class Principals:
    """A Principal (or NotPrincipal) element, compiled.

    ``"*"`` and ``{"AWS": "*"}`` are everyone ("IAM JSON policy elements: Principal": the
    two are equivalent); an account id or ``arn:aws:iam::ID:root`` is every principal of
    that account; other ARNs match exactly.
    """

    everyone: bool
    arns: frozenset[str]
    accounts: frozenset[str]
    others: frozenset[tuple[str, str]]  # (type, value lower-cased): Service, Federated, ...

    def matches(self, principal: Mapping[str, list[str]] | None) -> bool:
        if self.everyone:
            return True
        if not principal:
            return False
        for arn in principal.get("AWS", ()):
            if arn in self.arns or arn in self.accounts:
                return True
            parts = arn.split(":", 5)
            if len(parts) == 6 and parts[4] in self.accounts:
                return True
        for kind, values in principal.items():
            if kind != "AWS" and any((kind, v.lower()) in self.others for v in values):
                return True
        return False


@dataclass(frozen=True, eq=False)
class Statement:
    sid: str | None
    deny: bool
    actions: Matcher  # over lower-cased action names
    not_action: bool
    resources: Matcher | None  # None: the statement has neither (trust policies)
    not_resource: bool
    principals: Principals | None  # None: no Principal element (identity policies)
    not_principal: bool
    conditions: tuple[Condition | NullCondition, ...]


@dataclass(frozen=True, eq=False)
class Policy:
    statements: tuple[Statement, ...]
    version: str | None = None
    kind: PolicyKind = "identity"


def parse_policy(document: str | Mapping[str, Any], kind: PolicyKind = "identity") -> Policy:
    """Validate ``document`` as IAM does for a policy of ``kind`` and compile it.

    Raises ``MalformedPolicy`` naming the problem. Parses of the same text are cached:
    pass the text (a mapping is serialised first, which costs a little each time).
    """
    if isinstance(document, str):
        return _parse_text(document, kind)
    return _parse_text(json.dumps(document, sort_keys=True, separators=(",", ":")), kind)


@functools.lru_cache(maxsize=4096)
def _parse_text(text: str, kind: PolicyKind) -> Policy:
    try:
        doc = json.loads(text)
    except ValueError as err:
        # What IAM answers a document that is not JSON (seen on CreateRole and
        # CreatePolicy: awsdocs/amazon-rds-user-guide#162).
        raise MalformedPolicy("This policy contains invalid Json", str(err)) from err
    statements = _check_syntax(doc)
    version = doc.get("Version")
    _check_legacy(statements)
    _check_sids(statements, kind)
    _check_actions(statements)
    _check_resources(statements, kind)
    _check_principals(statements, kind)
    variables = version == VARIABLES_VERSION
    compiled = tuple(_compile(i, s, variables) for i, s in enumerate(statements))
    return Policy(compiled, version, kind)


def _syntax(detail: str) -> MalformedPolicy:
    return MalformedPolicy(SYNTAX_ERROR, detail)


def _strings(statement: dict[str, Any], key: str, where: str) -> None:
    value = statement.get(key)
    if value is None and key not in statement:
        return
    if isinstance(value, str):
        return
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return
    raise _syntax(f"{where}.{key} must be a string or a list of strings")


def _check_syntax(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        raise _syntax("the policy must be a JSON object")
    unknown = sorted(set(doc) - TOP_LEVEL_KEYS)
    if unknown:
        raise _syntax(f"unknown top-level element {unknown[0]}")
    if "Version" in doc and doc["Version"] not in VERSIONS:
        raise _syntax(f"Version must be one of {', '.join(VERSIONS)}, not {doc['Version']!r}")
    if "Id" in doc and not isinstance(doc["Id"], str):
        raise _syntax("Id must be a string")
    if "Statement" not in doc:
        raise _syntax("the policy has no Statement")
    raw = doc["Statement"]
    statements = [raw] if isinstance(raw, dict) else raw
    if not isinstance(statements, list) or not statements:
        raise _syntax("Statement must be an object or a non-empty list of objects")
    for i, statement in enumerate(statements):
        where = f"Statement[{i}]"
        if not isinstance(statement, dict):
            raise _syntax(f"{where} must be an object")
        unknown = sorted(set(statement) - STATEMENT_KEYS)
        if unknown:
            raise _syntax(f"{where} has unknown element {unknown[0]}")
        for a, b in (("Action", "NotAction"), ("Resource", "NotResource")):
            if a in statement and b in statement:
                raise _syntax(f"{where} has both {a} and {b}")
        if "Principal" in statement and "NotPrincipal" in statement:
            raise _syntax(f"{where} has both Principal and NotPrincipal")
        effect = statement.get("Effect")
        if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
            raise _syntax(f"{where}.Effect must be Allow or Deny, not {effect!r}")
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            _strings(statement, key, where)
        if "Sid" in statement and not isinstance(statement["Sid"], str):
            raise _syntax(f"{where}.Sid must be a string")
        for key in ("Principal", "NotPrincipal"):
            if key in statement:
                _check_principal_shape(statement[key], f"{where}.{key}")
        if "Condition" in statement:
            try:
                compile_conditions(statement["Condition"], variables=False)
            except ConditionError as err:
                if err.message == SYNTAX_ERROR:
                    raise MalformedPolicy(err.message, f"{where}: {err.detail}") from err
                # the other condition errors are IAM's later checks: _check_legacy
    return statements


def _check_principal_shape(value: Any, where: str) -> None:
    if value == "*":
        return
    if not isinstance(value, dict) or not value:
        raise _syntax(f'{where} must be "*" or an object of principal types')
    for kind, ids in value.items():
        if kind not in PRINCIPAL_TYPES:
            raise _syntax(f"{where} has unknown principal type {kind}")
        items = ids if isinstance(ids, list) else [ids]
        if not items or not all(isinstance(v, str) for v in items):
            raise _syntax(f"{where}.{kind} must be a string or a list of strings")


def _check_legacy(statements: list[dict[str, Any]]) -> None:
    for i, statement in enumerate(statements):
        # Syntax accepts any case of Allow/Deny; IAM's next pass wants it exact (as moto).
        if statement["Effect"] not in ("Allow", "Deny"):
            raise MalformedPolicy(LEGACY_ERROR, f"Statement[{i}].Effect {statement['Effect']}")
        if "Condition" in statement:
            try:
                compile_conditions(statement["Condition"], variables=False)
            except ConditionError as err:
                if err.message == LEGACY_ERROR:
                    raise MalformedPolicy(err.message, f"Statement[{i}]: {err.detail}") from err


def _check_sids(statements: list[dict[str, Any]], kind: PolicyKind) -> None:
    seen: set[str] = set()
    for i, statement in enumerate(statements):
        sid = statement.get("Sid")
        if not sid:
            continue
        if sid in seen:
            raise MalformedPolicy(
                "Statement IDs (SID) in a single policy must be unique.", f"Sid {sid}"
            )
        seen.add(sid)
        # IAM User Guide, "IAM JSON policy elements: Sid": A-Z, a-z and 0-9. The message is
        # the one IAM sends for an identity policy's Sid.
        if kind == "identity" and not _SID.fullmatch(sid):
            raise MalformedPolicy(
                "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies "
                "the regular expression [0-9A-Za-z]*",
                f"Statement[{i}].Sid {sid!r}",
            )


def _values(statement: dict[str, Any], key: str) -> list[str]:
    value = statement.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _check_actions(statements: list[dict[str, Any]]) -> None:
    for i, statement in enumerate(statements):
        if not _values(statement, "Action") and not _values(statement, "NotAction"):
            raise MalformedPolicy(
                "Policy statement must contain actions.", f"Statement[{i}] has no Action"
            )
    for i, statement in enumerate(statements):
        for action in _values(statement, "Action") + _values(statement, "NotAction"):
            try:
                IAMPolicyDocumentValidator._validate_action_prefix(action)
            except MotoMalformed as err:
                raise MalformedPolicy(err.message, f"Statement[{i}] action {action!r}") from err


def _check_resources(statements: list[dict[str, Any]], kind: PolicyKind) -> None:
    for i, statement in enumerate(statements):
        for resource in _values(statement, "Resource") + _values(statement, "NotResource"):
            # moto keeps IAM's rules for an ARN's partition, vendor and IAM's own resource
            # paths, and IAM's wording for each.
            checker = IAMPolicyDocumentValidator("{}")
            checker._validate_resource_format(resource)
            error = checker._resource_error
            if error and not _moto_is_out_of_date(error, resource):
                raise MalformedPolicy(error, f"Statement[{i}]")
        has_resource = bool(_values(statement, "Resource") or _values(statement, "NotResource"))
        if kind == "trust":
            if "Resource" in statement or "NotResource" in statement:
                raise MalformedPolicy("Has prohibited field Resource.", f"Statement[{i}]")
        elif not has_resource:
            raise MalformedPolicy(
                "Policy statement must contain resources.", f"Statement[{i}] has no Resource"
            )


def _moto_is_out_of_date(error: str, resource: str) -> bool:
    """moto's lists of IAM resource paths and of S3 resources with a region are older than
    IAM: AWS's own managed policies (which IAM accepted) use ``arn:aws:iam::*:root``,
    ``arn:aws:iam::*:*``, ``arn:aws:iam::aws:role-template/...`` and
    ``arn:aws:s3:*:*:access-grants/...``. Those are not refused."""
    if error.startswith("IAM resource path must"):
        path = resource.split(":", 5)[-1]
        return path.startswith(("root", "*", "role-template/"))
    return error.endswith("can not contain region information.")


def _check_principals(statements: list[dict[str, Any]], kind: PolicyKind) -> None:
    for i, statement in enumerate(statements):
        has = "Principal" in statement or "NotPrincipal" in statement
        if kind == "identity" and has:
            # IAM User Guide, "IAM JSON policy elements: Principal": "You cannot use the
            # Principal element in an identity-based policy."
            raise MalformedPolicy(
                "Policy document should not specify a principal.", f"Statement[{i}]"
            )
        if kind != "identity" and not has:
            raise MalformedPolicy("Missing required field Principal", f"Statement[{i}]")
        for key in ("Principal", "NotPrincipal"):
            element = statement.get(key)
            if isinstance(element, dict):
                for value in _listed(element.get("AWS")):
                    if (
                        value != "*"
                        and not _ACCOUNT.fullmatch(value)
                        and not value.startswith("arn:")
                    ):
                        raise MalformedPolicy(
                            f'Invalid principal in policy: "AWS":"{value}"', f"Statement[{i}]"
                        )


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _compile_principals(element: Any) -> Principals:
    if element == "*":
        return Principals(True, frozenset(), frozenset(), frozenset())
    arns: set[str] = set()
    accounts: set[str] = set()
    others: set[tuple[str, str]] = set()
    everyone = False
    for kind, values in element.items():
        for value in _listed(values):
            if kind != "AWS":
                others.add((kind, value.lower()))
            elif value == "*":
                everyone = True
            elif _ACCOUNT.fullmatch(value):
                accounts.add(value)
            elif re.fullmatch(r"arn:[^:]+:iam::\d{12}:root", value):
                accounts.add(value.split(":")[4])
            else:
                arns.add(value)
    return Principals(everyone, frozenset(arns), frozenset(accounts), frozenset(others))


def _compile(index: int, statement: dict[str, Any], variables: bool) -> Statement:
    not_action = "NotAction" in statement
    actions = matcher(
        _values(statement, "NotAction" if not_action else "Action"),
        glob,  # an action's * matches across its colon too: "*", "ec2:*"
        ignore_case=True,
    )
    not_resource = "NotResource" in statement
    resources = None
    if "Resource" in statement or not_resource:
        resources = matcher(
            _values(statement, "NotResource" if not_resource else "Resource"),
            arn_glob,
            variables=variables,
        )
    not_principal = "NotPrincipal" in statement
    principals = None
    if "Principal" in statement or not_principal:
        principals = _compile_principals(
            statement["NotPrincipal" if not_principal else "Principal"]
        )
    try:
        conditions = compile_conditions(statement.get("Condition", {}), variables)
    except ConditionError as err:  # already refused by the checks above; kept for safety
        raise MalformedPolicy(err.message, f"Statement[{index}]: {err.detail}") from err
    return Statement(
        sid=statement.get("Sid"),
        deny=statement["Effect"] == "Deny",
        actions=actions,
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        principals=principals,
        not_principal=not_principal,
        conditions=conditions,
    )
