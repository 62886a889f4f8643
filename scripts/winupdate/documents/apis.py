"""Check 3, AWS APIs: the three actions that call any API (aws:executeAwsApi,
aws:waitForAwsResourceProperty, aws:assertAwsResourceProperty) name a Service and an
Api that botocore's models hold, and pass only members of that operation's request.

botocore builds every client from these models, so a request that does not fit
them is one the step's API call would reject. A model is loaded once per service.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.exceptions import UnknownServiceError
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape

from .actions import (
    placeholder_type,
    selector_finding,
    selector_problem,
    suggest,
    variable_types,
)
from .context import Context
from .findings import WARNING, Finding, graded
from .loader import DataPath, Source
from .model import StepRef, all_steps

API_ACTIONS = {
    "aws:executeAwsApi": ("Service", "Api"),
    "aws:waitForAwsResourceProperty": ("Service", "Api", "PropertySelector", "DesiredValues"),
    "aws:assertAwsResourceProperty": ("Service", "Api", "PropertySelector", "DesiredValues"),
}
_LIST_TYPES = ("StringList", "MapList")


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=1)
def service_names() -> frozenset[str]:
    return frozenset(_session().get_available_services())


@cache
def service_model(name: str) -> ServiceModel | None:
    try:
        return _session().get_service_model(name)
    except UnknownServiceError:
        return None


@cache
def _lower_camel_names(service: str) -> dict[str, str]:
    """deleteObject -> DeleteObject: AWS's own runbooks name Apis so, and AWS runs them."""
    model = service_model(service)
    return {op[:1].lower() + op[1:]: op for op in model.operation_names} if model else {}


@cache
def _snake_names(service: str) -> dict[str, str]:
    model = service_model(service)
    return {xform_name(op): op for op in model.operation_names} if model else {}


def operation(service: str, api: str) -> OperationModel | None:
    """The operation ``api`` of ``service`` (its PascalCase name), or None."""
    model = service_model(service.lower())
    if model is None or api not in model.operation_names:
        return None
    return model.operation_model(api)


def check(doc: Source, ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    types: dict[str, str] | None = None
    for step in all_steps(doc):
        control = API_ACTIONS.get(step.action)
        if control is None:
            continue
        types = types if types is not None else variable_types(doc)
        found += _step(doc, step, control, types)
    return found


def _step(
    doc: Source, step: StepRef, control: tuple[str, ...], types: dict[str, str]
) -> list[Finding]:
    inputs = step.inputs
    at: DataPath = (*step.where, "inputs")
    found = []
    if "PropertySelector" in control and isinstance(inputs.get("PropertySelector"), str):
        problem = selector_problem(inputs["PropertySelector"])
        if problem:
            finding = doc.value_finding(
                "WU307",
                (*at, "PropertySelector"),
                f"step {step.name}: PropertySelector {inputs['PropertySelector']!r} {problem}",
                "a JSONPath into the response, e.g. $.Reservations[0].Instances[0].State.Name",
            )
            found.append(selector_finding(finding, problem))
    service, api = inputs.get("Service"), inputs.get("Api")
    if not isinstance(service, str) or not isinstance(api, str) or "{{" in service + api:
        return found  # missing ones are WU202; variables are only known at run time
    if service.lower() not in service_names():
        found.append(
            doc.value_finding(
                "WU301",
                (*at, "Service"),
                f"step {step.name}: {service!r} is not an AWS service namespace",
                suggest(service, service_names(), 0.5)
                or "use the boto3 client name, e.g. ec2, ssm, sns",
            )
        )
        return found
    service = service.lower()
    model = service_model(service)
    if api not in model.operation_names:
        pascal = _snake_names(service).get(api) or _lower_camel_names(service).get(api)
        if pascal is None:
            found.append(
                doc.value_finding(
                    "WU302",
                    (*at, "Api"),
                    f"step {step.name}: {service} has no operation {api!r}",
                    suggest(api, model.operation_names, 0.5) or f"see botocore's {service} model",
                )
            )
            return found
        found.append(
            doc.value_finding(
                "WU303",
                (*at, "Api"),
                f"step {step.name}: Api {api!r} is a method name, not the operation's",
                f"write the operation name {pascal!r}",
            )
        )
        api = pascal
    shape = model.operation_model(api).input_shape
    members = shape.members if shape is not None else {}
    request = {k: v for k, v in inputs.items() if k not in control}
    for name, value in request.items():
        if value is None:
            continue  # AWS's own runbooks pass null for "not given"
        if name not in members:
            finding = doc.finding(
                "WU304",
                (*at, name),
                f"step {step.name}: {service} {api} has no request member {name!r}",
                suggest(name, members) or f"its members: {', '.join(members) or 'none'}",
            )
            found.append(graded(finding, WARNING) if _plural_of_member(name, members) else finding)
            continue
        found += _value(doc, step, value, members[name], (*at, name), name, types)
    for name in shape.required_members if shape is not None else ():
        if name not in request:
            found.append(
                doc.finding(
                    "WU305",
                    at,
                    f"step {step.name}: {service} {api} requires {name}",
                    f"add {name} under inputs",
                )
            )
    return found


def _plural_of_member(name: str, members: Any) -> bool:
    """``Filters`` for a member ``Filter`` (or the reverse): AWS's own runbooks pass
    ``Filters`` to ec2 DescribeFlowLogs and DescribeNatGateways, whose member is
    ``Filter``, and AWS runs them; most EC2 operations name the member ``Filters``."""
    return name.rstrip("s") in {m.rstrip("s") for m in members}


def _value(
    doc: Source,
    step: StepRef,
    value: Any,
    shape: Shape,
    at: DataPath,
    label: str,
    types: dict[str, str],
    in_list: bool = False,
) -> list[Finding]:
    """Members of nested structures, lists and maps, as botocore's ParamValidator walks them."""
    kind = shape.type_name
    variable = placeholder_type(value, types)
    if variable is None:
        return []  # a variable of unknown type: its value is only known at run time
    if variable:
        wanted = "list" if kind == "list" else "map" if kind in ("map", "structure") else "one"
        got = "list" if variable in _LIST_TYPES else "map" if variable == "StringMap" else "one"
        if wanted == got or (got == "list" and in_list):
            # A list variable as a list's item is spliced in: automation-variables.md's own
            # example passes ["{{LaunchInstance.InstanceIds}}"] as InstanceIds.
            return []
        finding = doc.value_finding(
            "WU306",
            at,
            f"step {step.name}: {label} wants a {_shape_word(kind)}; "
            f"{value.strip()} is a {variable}",
            "wrap the variable in a list: ['{{ Name }}']" if kind == "list" else "",
        )
        # A list variable for one value resolves when the list has one item
        # (AWS-UpdateLinuxAmi passes a StringList as aws:createImage's InstanceId).
        return [graded(finding, WARNING) if got == "list" and wanted == "one" else finding]
    if kind == "structure":
        if not isinstance(value, dict):
            return [_wrong(doc, step, value, kind, at, label)]
        return _structure(doc, step, value, shape, at, label, types)
    if kind == "list":
        if not isinstance(value, list):
            return [_wrong(doc, step, value, kind, at, label)]
        found = []
        for index, item in enumerate(value):
            found += _value(
                doc, step, item, shape.member, (*at, index), f"{label}[{index}]", types, True
            )
        return found
    if kind == "map":
        if not isinstance(value, dict):
            return [_wrong(doc, step, value, kind, at, label)]
        found = []
        for key, item in value.items():
            found += _value(doc, step, item, shape.value, (*at, key), f"{label}.{key}", types)
        return found
    if isinstance(value, list) and len(value) == 1 and not isinstance(value[0], list | dict):
        # One value in a list, for one value: AWS's own runbooks do it, and Automation
        # unwraps it as it does a one-item list variable.
        return [graded(_wrong(doc, step, value, kind, at, label), WARNING)]
    if isinstance(value, list | dict):
        return [_wrong(doc, step, value, kind, at, label)]
    return []


def _structure(
    doc: Source,
    step: StepRef,
    value: dict[str, Any],
    shape: StructureShape,
    at: DataPath,
    label: str,
    types: dict[str, str],
) -> list[Finding]:
    found = []
    for key, item in value.items():
        if key not in shape.members:
            found.append(
                doc.finding(
                    "WU304",
                    (*at, key),
                    f"step {step.name}: {label} has no member {key!r}",
                    suggest(key, shape.members) or f"its members: {', '.join(shape.members)}",
                )
            )
            continue
        found += _value(doc, step, item, shape.members[key], (*at, key), f"{label}.{key}", types)
    for key in shape.required_members:
        if key not in value:
            found.append(
                doc.value_finding("WU305", at, f"step {step.name}: {label} requires member {key}")
            )
    return found


def _shape_word(kind: str) -> str:
    return {"structure": "mapping", "map": "mapping", "list": "list"}.get(
        kind, f"single {kind} value"
    )


def _wrong(doc: Source, step: StepRef, value: Any, kind: str, at: DataPath, label: str) -> Finding:
    got = (
        "a list"
        if isinstance(value, list)
        else "a mapping"
        if isinstance(value, dict)
        else repr(value)
    )
    hint = "wrap the value in a list: [...]" if kind == "list" else ""
    return doc.value_finding(
        "WU306", at, f"step {step.name}: {label} must be a {_shape_word(kind)}, not {got}", hint
    )
