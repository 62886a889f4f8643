"""Whether a request may be made: the embedded AWS's IAM, evaluated on every request.

For a request signed with an IAM user's or a role session's key, the action, the
resources it is authorized against and the condition keys that apply come from the
Service Authorization Reference (``reference``); the identity policies of the principal,
its permissions boundary and its session policy decide (IAM User Guide, "Policy
evaluation logic": an explicit deny wins; an allow is needed from the identity policies
and from the boundary and session policy where there are such). Root credentials (the
default test keys) are not restricted, as the account's root is not.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.core import DEFAULT_ACCOUNT_ID

from ..dispatch import CREDENTIAL
from ..errors import AwsError
from . import denials
from .evaluate import Decision, Request, evaluate
from .principals import Principal, Principals
from .reference import Privilege, ResourceUse, privilege, resource_arn
from .resources import CREATED, ID_FINDERS, is_owned_document, request_tags, resource_tags

if TYPE_CHECKING:
    from ..server import EmbeddedAws

# Operations AWS answers without authorizing them (sts:GetCallerIdentity "works even if
# an explicit deny applies": STS API reference, GetCallerIdentity).
UNAUTHORIZED = {("sts", "GetCallerIdentity")}

# Actions the reference lists several resource types for where AWS authorizes the
# request against any one of them: starting a runbook is allowed on its
# automation-definition (automation-setup-identity-based-policies, example 2) or on its
# document (example 1). The execution it creates has no id yet: not a resource here.
ANY_OF = {"ssm:StartAutomationExecution": ("automation-definition", "document")}

# Our JSON-protocol services' errors use the service's own codes; denials of calls that
# reach a query service through another (KMS behind SNS) are answered in the caller's
# service's shape.
Target = tuple[str, dict[str, Any]]  # (resource ARN, its condition context)


@dataclass(frozen=True)
class Check:
    action: str
    targets: tuple[Target, ...]
    any_of: bool = False


class Authorizer:
    """The ``iam`` service of the embedded AWS."""

    name = "iam"

    def __init__(self, aws: EmbeddedAws) -> None:
        self.aws = aws
        self.principals = Principals()

    # -- service protocol ---------------------------------------------------------
    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def tick(self) -> None:
        pass

    # -- requests -----------------------------------------------------------------
    def authorize(
        self,
        access_key: str | None,
        service: str,
        operation: str,
        region: str,
        params: dict[str, Any],
    ) -> None:
        """Raise the service's access-denied error unless the principal behind
        ``access_key`` may make this request."""
        principal = self.principals.resolve(access_key)
        if principal is None or (service, operation) in UNAUTHORIZED:
            return
        entry = privilege(service, operation)
        if entry is None:
            raise AwsError(
                "AccessDeniedException",
                f"{service}:{operation} is not supported by the embedded AWS's IAM: the "
                "Service Authorization Reference names no action for it, so a request signed "
                "by an IAM user or role cannot be authorized.",
                400,
            )
        for check in self.checks(entry, service, operation, region, params):
            self.require(principal, check, service)

    def instance_role_refusal(
        self, account_id: str, region: str, instance_id: str, service: str, operation: str
    ) -> str | None:
        """Why the instance's own credentials (its instance profile's role, in a session
        named after the instance, as EC2 names it) may not make ``operation``; None when
        they may, or when the instance has no profile (assumed: the account's Default Host
        Management Configuration gives such instances their agent's permissions)."""
        principal = self._instance_principal(account_id, region, instance_id)
        if principal is None or isinstance(principal, str):
            return principal
        entry = privilege(service, operation)
        if entry is None:
            return None
        params = {"InstanceId": instance_id}
        try:
            for check in self.checks(entry, service, operation, region, params):
                self.require(principal, check, service)
        except denials.AccessDenied as err:
            return err.message
        return None

    def instance_role_denial(
        self, account_id: str, region: str, instance_id: str, action: str, resource: str
    ) -> str | None:
        """Why the instance's credentials may not do ``action`` (``s3:PutObject``) on
        ``resource`` (an ARN); None when they may. What an agent does for the instance
        besides its own SSM calls (Run Command's output to S3 and CloudWatch Logs) needs the
        instance profile's role: an instance without one is refused, as the Default Host
        Management role's policy (AmazonSSMManagedEC2InstanceDefaultPolicy) grants no S3 or
        CloudWatch Logs actions."""
        principal = self._instance_principal(account_id, region, instance_id)
        if principal is None:
            return f"{instance_id} has no instance profile"
        if isinstance(principal, str):
            return principal
        context = {"aws:requestedregion": region}
        reason = self.decide(principal, action, resource, context)
        if reason is None:
            return None
        return denials.explanation(principal.arn, action, resource, reason)

    def _instance_principal(
        self, account_id: str, region: str, instance_id: str
    ) -> Principal | str | None:
        """The session of the instance's profile role; None without a profile; why not
        when the profile has no role."""
        from moto.ec2.models import ec2_backends

        association = ec2_backends[account_id][region].iam_instance_profile_associations.get(
            instance_id
        )
        if association is None:
            return None
        roles = association.iam_instance_profile.roles
        if not roles:
            return f"the instance profile of {instance_id} has no role"
        return self.principals.instance_session(roles[0].arn, instance_id)

    def refuse_unidentified(self, environ: dict[str, Any]) -> None:
        match = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if match is None or self.principals.resolve(match.group(1)) is None:
            return
        raise AwsError(
            "AccessDeniedException",
            f"{environ.get('REQUEST_METHOD', '')} {environ.get('PATH_INFO', '')} "
            f"({match.group(3)}) is not supported by the embedded AWS's IAM: only requests "
            "that name their operation (query and JSON protocols) can be authorized for an "
            "IAM user or role; use the account's root credentials for it.",
            400,
        )

    def checks(
        self, entry: Privilege, service: str, operation: str, region: str, params: dict[str, Any]
    ) -> list[Check]:
        prefix = entry.action.split(":", 1)[0]
        tags = request_tags(prefix, params)
        targets = []
        wanted = ANY_OF.get(entry.action)
        for use in entry.resources:
            if wanted is not None and use.name not in wanted:
                continue
            for arn, resource_id in self._arns(prefix, operation, use, region, params):
                context = self._resource_context(entry, use, prefix, resource_id, region, tags)
                targets.append((arn, context))
        if not targets:
            targets.append(("*", self._resource_context(entry, None, prefix, "", region, tags)))
        found = [Check(entry.action, tuple(targets), any_of=wanted is not None)]
        found.extend(self._implied(prefix, operation, region, params, tags))
        return found

    def _arns(
        self, prefix: str, operation: str, use: ResourceUse, region: str, params: dict[str, Any]
    ) -> Iterable[tuple[str, str]]:
        values = {"Partition": "aws", "Region": region, "Account": DEFAULT_ACCOUNT_ID}
        finder = ID_FINDERS.get((prefix, use.name))
        ids: list[str] = []
        if use.name in CREATED.get((prefix, operation), ()):
            ids = ["*"]
        elif finder is not None:
            ids = finder[1](params)
        if not ids and (prefix, use.name) == ("ssm", "maintenancewindow"):
            ids = self._window_of_execution(params)
        if not ids:
            if not use.required:
                return []
            ids = ["*"]
        variable = finder[0] if finder else ""
        arns = []
        for resource_id in ids:
            filled = dict(values, **({variable: resource_id} if variable else {}))
            if prefix == "ssm" and use.name == "document" and is_owned_document(resource_id):
                filled["Account"] = ""
            if prefix == "ssm" and use.name == "automation-definition":
                name, _, version = resource_id.rpartition(":")
                filled.update(AutomationDefinitionName=name, VersionId=version)
            if prefix == "iam" and use.name == "role":
                filled[variable] = _role_path_and_name(resource_id)
            arns.append((resource_arn(use.arn, filled), resource_id))
        return arns

    def _window_of_execution(self, params: dict[str, Any]) -> list[str]:
        """The window a WindowExecutionId belongs to: CancelMaintenanceWindowExecution names
        only the execution, and the Service Authorization Reference authorizes it on the
        maintenancewindow resource (assumed: AWS resolves the execution's window, as it
        must to know which window the request is for)."""
        from ..maintenance_windows.models import store_of

        execution_id = params.get("WindowExecutionId")
        if not isinstance(execution_id, str):
            return []
        store = store_of(self.aws)
        with store.lock:
            run = store.executions.get(execution_id)
        return [run.window_id] if run is not None else []

    def _resource_context(
        self,
        entry: Privilege,
        use: ResourceUse | None,
        prefix: str,
        resource_id: str,
        region: str,
        tags: dict[str, dict[str, str]],
    ) -> dict[str, Any]:
        keys = entry.action_keys | (use.condition_keys if use else frozenset())
        context: dict[str, Any] = {"aws:requestedregion": region}
        rtype = use.name if use else ""
        if keys & _RESOURCE_TAG_KEYS and resource_id:
            current = resource_tags(prefix, rtype, resource_id, region, self.aws)
            for key in _RESOURCE_TAG_KEYS & keys:
                head = key[:-1]
                for tag, value in current.items():
                    context[f"{head}{tag.lower()}"] = value
        asked = tags.get(rtype) or tags.get("") or {}
        if asked and ("aws:requesttag/*" in keys or "aws:tagkeys" in keys):
            for tag, value in asked.items():
                context[f"aws:requesttag/{tag.lower()}"] = value
            context["aws:tagkeys"] = list(asked)
        return context

    def _implied(
        self,
        prefix: str,
        operation: str,
        region: str,
        params: dict[str, Any],
        tags: dict[str, dict[str, str]],
    ) -> list[Check]:
        """What AWS authorizes besides the action itself."""
        implied: list[Check] = []
        if prefix == "ec2" and operation.startswith(("Create", "Run", "Copy", "Allocate")):
            # Tags on create: ec2:CreateTags on each created resource, with
            # ec2:CreateAction (EC2 user guide, "Grant permission to tag resources during
            # creation").
            create_tags = privilege("ec2", "CreateTags")
            for rtype, asked in tags.items():
                if not rtype or create_tags is None:
                    continue
                use = next((u for u in create_tags.resources if u.name == rtype), None)
                if use is None:
                    continue
                arn = resource_arn(
                    use.arn, {"Partition": "aws", "Region": region, "Account": DEFAULT_ACCOUNT_ID}
                )
                context = {
                    "aws:requestedregion": region,
                    "ec2:createaction": operation,
                    "aws:tagkeys": list(asked),
                    **{f"aws:requesttag/{k.lower()}": v for k, v in asked.items()},
                }
                implied.append(Check("ec2:CreateTags", ((arn, context),)))
        if prefix == "sns" and operation == "Publish":
            key = _topic_key(region, params)
            if key:
                for action in ("kms:GenerateDataKey", "kms:Decrypt"):
                    context = {
                        "aws:requestedregion": region,
                        "kms:viaservice": f"sns.{region}.amazonaws.com",
                    }
                    implied.append(Check(action, ((key, context),)))
        return implied

    def require(self, principal: Principal, check: Check, service: str) -> None:
        """Raise unless ``principal`` may do ``check`` (on all its targets, or on one
        of them for ``any_of``)."""
        refusal: denials.AccessDenied | None = None
        for arn, context in check.targets:
            reason = self.decide(principal, check.action, arn, context)
            if reason is None:
                if check.any_of:
                    return
                continue
            refusal = refusal or denials.denial(service, principal.arn, check.action, arn, reason)
            if not check.any_of or reason.startswith("with "):
                raise refusal
        if refusal is not None:
            raise refusal

    def decide(
        self, principal: Principal, action: str, resource: str, context: dict[str, Any]
    ) -> str | None:
        """None when allowed, else why not (``denials``' wording)."""
        full = {**_global_context(principal), **context}
        if principal.uses_time:
            now = self.aws.clock.now() if hasattr(self.aws, "clock") else time.time()
            full["aws:currenttime"] = datetime.fromtimestamp(now, tz=UTC).isoformat()
            full["aws:epochtime"] = str(int(now))
        key = None
        if not principal.uses_time:
            key = (action, resource, _frozen(context))
            cached = principal.decisions.get(key, _MISSING)
            if cached is not _MISSING:
                return cached
        reason = self._decide(principal, Request(action, resource, full))
        if key is not None:
            if len(principal.decisions) > 20000:
                principal.decisions.clear()
            principal.decisions[key] = reason
        return reason

    @staticmethod
    def _decide(principal: Principal, request: Request) -> str | None:
        identity = evaluate(principal.policies, request)
        if identity is Decision.EXPLICIT_DENY:
            return denials.EXPLICIT_DENY
        for policy, no_allow, deny in (
            (principal.boundary, denials.NO_BOUNDARY_ALLOW, denials.BOUNDARY_DENY),
            (principal.session_policy, denials.NO_SESSION_ALLOW, denials.SESSION_DENY),
        ):
            if policy is None:
                continue
            decision = evaluate((policy,), request)
            if decision is Decision.EXPLICIT_DENY:
                return deny
            if decision is not Decision.ALLOW:
                return no_allow
        if identity is not Decision.ALLOW:
            return denials.NO_ALLOW
        return None


_MISSING = object()
_RESOURCE_TAG_KEYS = frozenset({"aws:resourcetag/*", "ec2:resourcetag/*", "ssm:resourcetag/*"})


def _frozen(context: dict[str, Any]) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in context.items()))


def _global_context(principal: Principal) -> dict[str, Any]:
    """The global condition keys AWS puts in every request's context (IAM User Guide,
    "AWS global condition context keys"). The embedded AWS is reached over plain HTTP on
    loopback, standing in for AWS's TLS endpoints: aws:SecureTransport is true."""
    context: dict[str, Any] = {
        "aws:principalarn": principal.principal_arn,
        "aws:principalaccount": principal.account,
        "aws:principaltype": principal.kind,
        "aws:userid": principal.userid,
        "aws:securetransport": "true",
        "aws:viaawsservice": "false",
    }
    if principal.username:
        context["aws:username"] = principal.username
    for tag, value in principal.tags.items():
        context[f"aws:principaltag/{tag.lower()}"] = value
    return context


def _role_path_and_name(name: str) -> str:
    from .principals import role_named

    role = role_named(name)
    return f"{role.path.strip('/')}/{name}".lstrip("/") if role is not None else name


def _topic_key(region: str, params: dict[str, Any]) -> str | None:
    """The customer managed KMS key of the topic published to: SNS uses it on the
    publisher's behalf (SNS developer guide, "Encryption at rest": the publisher needs
    kms:GenerateDataKey and kms:Decrypt). AWS managed keys (alias/aws/sns) need no grant."""
    from moto.sns.models import sns_backends

    arn = params.get("TopicArn") or params.get("TargetArn")
    topic = sns_backends[DEFAULT_ACCOUNT_ID][region].topics.get(str(arn)) if arn else None
    key = getattr(topic, "kms_master_key_id", "") if topic else ""
    if not key or key.startswith("alias/aws/"):
        return None
    if key.startswith("arn:"):
        return key
    return f"arn:aws:kms:{region}:{DEFAULT_ACCOUNT_ID}:key/{key.removeprefix('key/')}"
