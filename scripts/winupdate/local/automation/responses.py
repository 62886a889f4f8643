"""The Automation API of SSM, answered by the embedded AWS. Shapes follow botocore's model."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ..dispatch import Call, operation
from .actions.approve import approver_matches
from .actions.base import as_list
from .exceptions import (
    AutomationStepNotFoundException,
    InvalidAutomationSignalException,
    InvalidAutomationStatusUpdateException,
    InvalidFilterKey,
    InvalidFilterValue,
    InvalidNextToken,
    ValidationException,
)
from .models import Execution
from .service import AutomationService
from .statuses import Status

EXECUTION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _service(call: Call) -> AutomationService:
    return call.aws.service("automation")


def _required(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise ValidationException(
            f"1 validation error detected: Value null at '{name[0].lower() + name[1:]}' "
            "failed to satisfy constraint: Member must not be null"
        )
    return value


def _execution(call: Call) -> Execution:
    execution_id = _required(call.params, "AutomationExecutionId")
    return _service(call).get(execution_id)


@operation("ssm", "StartAutomationExecution")
def start_automation_execution(call: Call) -> dict[str, Any]:
    p = call.params
    svc = _service(call)
    mode = p.get("Mode", "Auto")
    if mode != "Auto":
        raise ValidationException(
            f"Mode {mode} is not supported by the embedded AWS; only Auto runs here."
        )
    ex = svc.start_execution(
        account_id=call.account_id,
        region=call.region,
        document_name=_required(p, "DocumentName"),
        document_version=p.get("DocumentVersion"),
        parameters=p.get("Parameters") or {},
        executed_by=svc.caller_arn(call.access_key, call.region, call.account_id),
        targets=p.get("Targets"),
        target_parameter_name=p.get("TargetParameterName"),
        target_maps=p.get("TargetMaps"),
        max_concurrency=p.get("MaxConcurrency"),
        max_errors=p.get("MaxErrors"),
        tags=p.get("Tags"),
        caller_key=call.access_key,
    )
    return {"AutomationExecutionId": ex.execution_id}


@operation("ssm", "GetAutomationExecution")
def get_automation_execution(call: Call) -> dict[str, Any]:
    svc = _service(call)
    with svc.lock:
        return {"AutomationExecution": _execution(call).to_api(full=True)}


@operation("ssm", "StopAutomationExecution")
def stop_automation_execution(call: Call) -> dict[str, Any]:
    svc = _service(call)
    ex = _execution(call)
    kind = call.params.get("Type", "Cancel")
    if kind not in ("Cancel", "Complete"):
        raise ValidationException(f"Type must be Cancel or Complete, not {kind!r}.")
    if ex.is_terminal:
        raise InvalidAutomationStatusUpdateException(
            f"Execution {ex.execution_id} has already ended with status {ex.status}."
        )
    svc.request_cancel(ex)
    return {}


SIGNALS = ("Approve", "Reject", "StartStep", "StopStep", "Resume", "Revoke")


@operation("ssm", "SendAutomationSignal")
def send_automation_signal(call: Call) -> dict[str, Any]:
    svc = _service(call)
    ex = _execution(call)
    kind = _required(call.params, "SignalType")
    if kind not in SIGNALS:
        raise ValidationException(
            f"SignalType {kind!r} is not valid; use one of {', '.join(SIGNALS)}."
        )
    payload = call.params.get("Payload") or {}
    with svc.lock:
        waiting = next((r for r in ex.steps if r.status == Status.WAITING), None)
        if ex.is_terminal:
            raise InvalidAutomationSignalException(
                f"Execution {ex.execution_id} has ended ({ex.status}); it takes no signals."
            )
        if kind in ("Approve", "Reject"):
            if waiting is None or waiting.step.action != "aws:approve":
                raise InvalidAutomationSignalException(
                    f"Signal {kind} is not valid: execution {ex.execution_id} is not waiting "
                    "for an approval."
                )
            caller = svc.caller_arn(call.access_key, call.region, call.account_id)
            approvers = [str(a) for a in as_list(waiting.inputs.get("Approvers"))]
            if not any(approver_matches(a, caller) for a in approvers):
                raise InvalidAutomationSignalException(
                    f"{caller} is not an approver of step {waiting.step.name}; its approvers "
                    f"are {', '.join(approvers)}."
                )
        elif kind == "Resume":
            if waiting is None or waiting.step.action != "aws:pause":
                raise InvalidAutomationSignalException(
                    f"Signal Resume is not valid: execution {ex.execution_id} is not paused."
                )
        elif kind in ("StartStep", "StopStep"):
            step_name = payload.get("StepName", [None])[0] if payload else None
            if not step_name or ex.runbook.step(step_name) is None:
                raise AutomationStepNotFoundException(
                    f"Step {step_name} does not exist in execution {ex.execution_id}."
                )
            raise InvalidAutomationSignalException(
                f"Signal {kind} is only valid for Interactive executions; this one runs in Auto."
            )
        else:
            raise InvalidAutomationSignalException(
                f"Signal {kind} is not valid for this execution."
            )
    svc.signal(
        ex,
        {
            "type": kind,
            "payload": payload,
            "caller": svc.caller_arn(call.access_key, call.region, call.account_id),
            "at": svc.now(),
        },
    )
    return {}


# -- DescribeAutomationExecutions ---------------------------------------------
FILTER_KEYS = {
    "DocumentNamePrefix",
    "ExecutionStatus",
    "ExecutionId",
    "ParentExecutionId",
    "CurrentAction",
    "StartTimeBefore",
    "StartTimeAfter",
    "AutomationType",
    "TagKey",
    "TargetResourceGroup",
    "AutomationSubtype",
    "OpsItemId",
}


def _time(value: str, key: str) -> float:
    try:
        return (
            datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=UTC).timestamp()
            if "T" in value or "-" in value
            else float(value)
        )
    except ValueError as err:
        raise InvalidFilterValue(f"Filter {key} value {value!r} is not a time.") from err


def _matches(ex: Execution, key: str, values: list[str]) -> bool:
    if key == "DocumentNamePrefix":
        return any(ex.document_name.startswith(v) for v in values)
    if key == "ExecutionStatus":
        return str(ex.status) in values
    if key == "ExecutionId":
        return ex.execution_id in values
    if key == "ParentExecutionId":
        return (ex.parent_id or "") in values
    if key == "CurrentAction":
        return (ex.current_action or "") in values
    if key == "StartTimeBefore":
        return ex.start <= min(_time(v, key) for v in values)
    if key == "StartTimeAfter":
        return ex.start >= max(_time(v, key) for v in values)
    if key == "AutomationType":
        return "Local" in values
    if key == "TagKey":
        return any(t.get("Key") in values for t in ex.tags)
    return False


def _page(items: list[Any], params: dict[str, Any], default_size: int) -> tuple[list[Any], Any]:
    token = params.get("NextToken")
    start = 0
    if token:
        if not str(token).isdigit():
            raise InvalidNextToken()
        start = int(token)
    size = int(params.get("MaxResults") or default_size)
    if not 1 <= size <= 50:
        raise ValidationException("MaxResults must be between 1 and 50.")
    page = items[start : start + size]
    return page, str(start + size) if start + size < len(items) else None


@operation("ssm", "DescribeAutomationExecutions")
def describe_automation_executions(call: Call) -> dict[str, Any]:
    svc = _service(call)
    filters = call.params.get("Filters") or []
    for f in filters:
        if f.get("Key") not in FILTER_KEYS:
            keys = ", ".join(sorted(FILTER_KEYS))
            raise InvalidFilterKey(f"Filter key {f.get('Key')!r} is not valid; use one of {keys}.")
        if not f.get("Values"):
            raise InvalidFilterValue(f"Filter {f['Key']} needs at least one value.")
    with svc.lock:
        found = [
            ex
            for ex in svc.executions.values()
            if ex.region == call.region
            and all(_matches(ex, f["Key"], f["Values"]) for f in filters)
        ]
        found.sort(key=lambda ex: ex.start, reverse=True)
        page, token = _page(found, call.params, 50)
        result: dict[str, Any] = {
            "AutomationExecutionMetadataList": [ex.to_api(full=False) for ex in page]
        }
    if token:
        result["NextToken"] = token
    return result


STEP_FILTER_KEYS = {
    "StartTimeBefore",
    "StartTimeAfter",
    "StepExecutionStatus",
    "StepExecutionId",
    "StepName",
    "Action",
    "ParentStepExecutionId",
    "ParentStepIteration",
    "ParentStepIteratorValue",
}


@operation("ssm", "DescribeAutomationStepExecutions")
def describe_automation_step_executions(call: Call) -> dict[str, Any]:
    svc = _service(call)
    ex = _execution(call)
    filters = call.params.get("Filters") or []
    for f in filters:
        if f.get("Key") not in STEP_FILTER_KEYS:
            raise InvalidFilterKey(f"Filter key {f.get('Key')!r} is not valid for step executions.")
    with svc.lock:
        records = [r.to_api() for r in ex.steps if r.status != Status.PENDING or not filters]
        records = [r for r in records if all(_step_matches(r, f) for f in filters)]
        if call.params.get("ReverseOrder"):
            records.reverse()
        page, token = _page(records, call.params, 50)
    result: dict[str, Any] = {"StepExecutions": page}
    if token:
        result["NextToken"] = token
    return result


def _step_matches(record: dict[str, Any], f: dict[str, Any]) -> bool:
    key, values = f["Key"], f.get("Values") or []
    field = {
        "StepExecutionStatus": "StepStatus",
        "StepExecutionId": "StepExecutionId",
        "StepName": "StepName",
        "Action": "Action",
    }.get(key)
    if field:
        return record.get(field) in values
    start = record.get("ExecutionStartTime")
    if start is None:
        return False
    if key == "StartTimeBefore":
        return start.timestamp() <= min(_time(v, key) for v in values)
    if key == "StartTimeAfter":
        return start.timestamp() >= max(_time(v, key) for v in values)
    return False
