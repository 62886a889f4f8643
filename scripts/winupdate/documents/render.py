"""The module's documents as Terraform deploys them, for ``winupdate validate --rendered``.

``modules/runbooks`` renders each file of ``documents/`` with ``templatefile`` and four
variables that the root ``main.tf`` builds from the root variables. We render in pure
Python rather than through ``terraform console``: validation must stay fast and must
not need the Terraform binary or provider, and the templates use only plain
references (``${defaults.NoReboot}``) and ``%{ if <reference> }`` / ``%{ else }`` /
``%{ endif }`` on a boolean reference (optional steps and inputs), never functions or
other directives. A trailing strip marker (``~}``) removes the spaces and the one newline
after the directive, as Terraform 1.11's templatefile does (measured with ``terraform
console``); a leading one (``%{~``) is refused. A template that uses anything else is
refused (RenderError) rather than rendered wrongly.

The values are the root variables' defaults, read from ``variables.tf``, put
together the way ``main.tf`` does (``template_variables`` mirrors its ``module
"runbooks"`` block; a unit test keeps the two in step). Values only known at apply
time use a stand-in: the role ARN's account is 123456789012.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import WinUpdateError

DOCUMENT_BASES = ("AutomationStart", "AutomationProcess", "CreateImage", "WindowsUpdate", "Restore")
PARAMETER_KEYS = ("EC2UpdateTag", "NotificationArn", "Approvers")
STAND_IN_ACCOUNT = "123456789012"

# ${ reference } where reference is name(.name | ["key"])*; "$${" is a literal "${".
_MARKER = re.compile(r"(\$\$\{)|(%%\{)|\$\{([^}]*)\}|(%\{)")
_REFERENCE = re.compile(r'^\s*([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\["[^"]*"\])*)\s*$')
_STEP = re.compile(r'\.([A-Za-z_][\w-]*)|\["([^"]*)"\]')


class RenderError(WinUpdateError):
    """The template cannot be rendered the way Terraform would."""


_DIRECTIVE = re.compile(r"^\s*(if\s+(?P<condition>[^~]*?)|else|endif)\s*(?P<strip>~?)$")


def render(text: str, variables: dict[str, Any], source: str = "template") -> str:
    """``templatefile(source, variables)`` for templates made of plain references and
    ``if``/``else``/``endif`` directives on boolean references."""
    out: list[str] = []
    # One entry per open ``if``: (emitting before it, this branch emits, else seen, line).
    open_ifs: list[tuple[bool, bool, bool, int]] = []
    emitting = True
    position = 0
    for match in _MARKER.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        where = f"{source}:{line}"
        if emitting:
            out.append(text[position : match.start()])
        position = match.end()
        if match.group(1) or match.group(2):
            if emitting:
                out.append("${" if match.group(1) else "%{")
            continue
        if match.group(3) is not None:
            if emitting:
                out.append(_text(_lookup(match.group(3), variables, where), where))
            continue
        close = text.find("}", match.end())
        if close < 0:
            raise RenderError(f"{where}: a template directive (%{{) is never closed")
        body = text[match.end() : close]
        directive = _DIRECTIVE.match(body)
        if directive is None or body.startswith("~"):
            raise RenderError(
                f"{where}: only %{{ if <reference> }}, %{{ else }} and %{{ endif }} directives "
                f"are supported here, not %{{{body}}}"
            )
        position = close + 1
        if directive.group("strip"):
            after = re.match(r"[ \t]*\n?", text[position:])
            position += after.end() if after else 0
        word = directive.group(1).split()[0]
        if word == "if":
            value = _lookup(directive.group("condition"), variables, where)
            if not isinstance(value, bool):
                raise RenderError(f"{where}: an if condition must be a bool, not {value!r}")
            open_ifs.append((emitting, value, False, line))
            emitting = emitting and value
        elif not open_ifs:
            raise RenderError(f"{where}: %{{ {word} }} without an open %{{ if }}")
        elif word == "else":
            before, value, seen_else, opened = open_ifs.pop()
            if seen_else:
                raise RenderError(f"{where}: a second %{{ else }} for the if of line {opened}")
            open_ifs.append((before, value, True, opened))
            emitting = before and not value
        else:
            emitting = open_ifs.pop()[0]
    if open_ifs:
        raise RenderError(f"{source}:{open_ifs[-1][3]}: %{{ if }} without %{{ endif }}")
    out.append(text[position:])
    return "".join(out)


def _lookup(expression: str, variables: dict[str, Any], where: str) -> Any:
    reference = _REFERENCE.match(expression)
    if reference is None:
        raise RenderError(
            f"{where}: ${{{expression}}} is not a plain reference; render it with terraform"
        )
    name = reference.group(1)
    if name not in variables:
        raise RenderError(
            f"{where}: the template has no variable {name!r} (it has {', '.join(variables)})"
        )
    value = variables[name]
    path = name
    for attribute, key in _STEP.findall(reference.group(2)):
        step = attribute or key
        if not isinstance(value, dict) or step not in value:
            raise RenderError(f"{where}: {path} has no attribute {step!r}")
        value = value[step]
        path = f"{path}.{step}"
    return value


def _text(value: Any, where: str) -> str:
    """A value as templatefile interpolates it (collections cannot be)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(value)
    if isinstance(value, str):
        return value
    raise RenderError(f"{where}: a {type(value).__name__} cannot be interpolated into text")


def variable_defaults(variables_tf: str) -> dict[str, Any]:
    """The literal ``default`` of every variable in a variables.tf (others are skipped)."""
    defaults: dict[str, Any] = {}
    for match in re.finditer(r'^variable "([^"]+)" \{\n(.*?)^\}', variables_tf, re.M | re.S):
        body = match.group(2)
        start = re.search(r"^  default\s*=\s*", body, re.M)
        if start is None:
            continue
        value = _literal(body[start.end() :])
        if value is not _NOT_LITERAL:
            defaults[match.group(1)] = value
    return defaults


_NOT_LITERAL = object()


def _literal(rest: str) -> Any:
    """The HCL literal at the start of ``rest`` when it is JSON-compatible."""
    decoder = json.JSONDecoder()
    try:
        value, _ = decoder.raw_decode(rest)
    except ValueError:
        return _NOT_LITERAL
    return value


def template_variables(module_root: Path) -> dict[str, Any]:
    """The four template variables, as the root main.tf builds them, from the defaults."""
    path = module_root / "variables.tf"
    try:
        defaults = variable_defaults(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise RenderError(f"--rendered needs the module's variables.tf: {err}") from err

    def var(name: str) -> Any:
        if name not in defaults:
            raise RenderError(f"{path}: variable {name} has no literal default to render with")
        return defaults[name]

    prefix = var("document_prefix")
    path = var("parameter_path_prefix")
    return {
        "document_names": {base: f"{prefix}{base}" for base in DOCUMENT_BASES},
        "role_arn": f"arn:aws:iam::{STAND_IN_ACCOUNT}:role/{prefix}WindowsUpdateAutomation",
        "parameter_names": {key: f"{path}{prefix}{key}" for key in PARAMETER_KEYS},
        "defaults": {
            "TargetTagValue": var("target_tag_value"),
            "RequireApproval": var("require_approval"),
            # coalesce(maintenance_window.require_approval, fan_out == "automation") with the
            # variable's default ({}: require_approval unset, fan_out automation).
            "ScheduledRequireApproval": True,
            # eventbridge_schedule defaults to disabled: no role, its require_approval true.
            "EventBridgeRoleArn": "none",
            "EventBridgeRequireApproval": True,
            "ApprovalTimeoutSeconds": var("approval_timeout_seconds"),
            # fan_out = "window": the Start runbook arms the run window of this name.
            "FanOutWindow": var("fan_out") == "window",
            "RunWindowName": f"{prefix}WindowsUpdateRun",
            # wave_tag_key (null: "", one wave), wave_max_errors, wave_approval.
            "WaveTagKey": var("wave_tag_key") or "",
            "WaveMaxErrors": var("wave_max_errors"),
            "WaveApproval": var("wave_approval"),
            "MaxConcurrency": var("max_concurrency"),
            "MaxErrors": var("max_errors"),
            "SeverityLevels": ",".join(var("severity_levels")),
            "Categories": ",".join(var("categories")),
            "IncludeKbs": ",".join(var("include_kbs")),
            "ExcludeKbs": ",".join(var("exclude_kbs")),
            "NoReboot": var("no_reboot"),
            "AmiRetentionCount": var("ami_retention_count"),
            "RollbackOnFailure": var("rollback_on_failure"),
            # pre_update_command, post_update_command and command_output default to unset.
            **hook_defaults("PreUpdate", var("pre_update_command")),
            **hook_defaults("PostUpdate", var("post_update_command")),
            **output_defaults(var("command_output"), var("message_language") == "ja"),
            # message_language: Japanese = (message_language == "ja"), MessageLanguage as given.
            "Japanese": var("message_language") == "ja",
            "MessageLanguage": var("message_language"),
        },
    }


def hook_defaults(which: str, hook: dict[str, Any] | None) -> dict[str, Any]:
    """The template values main.tf makes of pre_update_command or post_update_command."""
    hook = hook or {}
    return {
        f"{which}Hook": bool(hook),
        f"{which}Document": hook.get("document_name", ""),
        f"{which}Parameters": json.dumps(
            hook.get("parameters") or {}, separators=(",", ":"), sort_keys=True
        ),
        f"{which}TimeoutSeconds": hook.get("timeout_seconds", 600),
    }


def output_defaults(output: dict[str, Any] | None, japanese: bool = False) -> dict[str, Any]:
    """The template values main.tf makes of command_output (CommandOutputWhere in the
    messages' language: ``japanese`` is message_language == "ja")."""
    output = output or {}
    bucket, group = output.get("s3_bucket_name"), output.get("cloudwatch_log_group_name")
    prefix = output.get("s3_key_prefix") or ""
    where = []
    if bucket is not None:
        where.append(f"s3://{bucket}/{prefix}")
    if group is not None:
        where.append(
            f"CloudWatch Logs のロググループ {group}"
            if japanese
            else f"CloudWatch Logs group {group}"
        )
    if not where:
        where.append(
            "GetCommandInvocation（先頭 24,000 文字まで。"
            "すべてを残すには command_output を設定してください）"
            if japanese
            else "GetCommandInvocation, its first 24,000 characters "
            "(set command_output to keep all of it)"
        )
    return {
        "CommandOutputWhere": (" と " if japanese else " and ").join(where),
        "OutputToS3": bucket is not None,
        "OutputS3BucketName": bucket or "",
        "OutputS3HasKeyPrefix": prefix != "",
        "OutputS3KeyPrefix": prefix,
        "OutputToCloudWatch": group is not None,
        "CloudWatchLogGroupName": group or "",
    }


def rendered_document(module_root: Path, base: str, **defaults: Any) -> str:
    """One of the module's documents as Terraform renders it with the root variables'
    defaults, ``defaults`` (template values such as ``RollbackOnFailure=True``) overriding."""
    variables = template_variables(module_root)
    variables["defaults"].update(defaults)
    path = module_root / "documents" / f"{base}.yaml"
    return render(path.read_text(encoding="utf-8"), variables, str(path))


def module_root_of(document: Path) -> Path:
    """The Terraform module a documents/ file belongs to: the first parent with variables.tf."""
    for parent in document.resolve().parents:
        if (parent / "variables.tf").is_file() and (parent / "main.tf").is_file():
            return parent
    raise RenderError(f"{document}: --rendered found no Terraform module (variables.tf) above it")
