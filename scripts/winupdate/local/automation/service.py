"""The Automation service of the embedded AWS: executions, their runners, signals."""

from __future__ import annotations

import functools
import threading
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from moto.moto_api._internal import mock_random
from moto.ssm.models import ssm_backends
from moto.sts.models import sts_backends

from .. import in_process
from .assume_role import assume_role_of
from .engine import Engine
from .exceptions import (
    AutomationDefinitionNotFoundException,
    AutomationDefinitionVersionNotFoundException,
    AutomationExecutionLimitExceededException,
    AutomationExecutionNotFoundException,
    InvalidAutomationExecutionParametersException,
)
from .models import Execution, StepRecord
from .parameters import StoredParameter, api_parameters, check_start_request, resolve_parameters
from .runbook import Runbook, RunbookError, Step, load_runbook
from .runner import run_execution, run_rate_control
from .script_workers import ScriptWorkers
from .statuses import Status
from .targets import check_target_parameter, resolve_targets
from .variables import Scope

if TYPE_CHECKING:
    from ..server import EmbeddedAws


# Service Quotas for Systems Manager Automation: 100 concurrently running automations
# (each child and rate-control parent included), 1,000 more queued as Pending.
DEFAULT_MAX_CONCURRENT = 100
DEFAULT_QUEUE_LIMIT = 1000


class AutomationService:
    name = "automation"

    def __init__(self, aws: EmbeddedAws) -> None:
        self.aws = aws
        self.lock = threading.RLock()
        self.executions: dict[str, Execution] = {}
        self._outputs: dict[str, dict[str, Any]] = {}
        # The account's Automation quotas: concurrently running executions (children and
        # rate-control parents count too) and the queue of Pending ones beyond them.
        self.max_concurrent = DEFAULT_MAX_CONCURRENT
        self.queue_limit = DEFAULT_QUEUE_LIMIT
        self._running: set[str] = set()
        self._queue: deque[tuple[str, Any]] = deque()
        # {"principal": ARN, "after": seconds}: approvals given by a simulated approver
        self.auto_approve: dict[str, Any] | None = None
        # access key -> execution id, for the calls an execution's scripts make
        self._script_keys: dict[str, str] = {}
        self._script_workers: ScriptWorkers | None = None
        # execution id -> engine key to wake when it ends (a maintenance window's runner
        # waits on the executions it started without being their parent).
        self._watchers: dict[str, str] = {}
        self.engine = Engine(aws.clock, self._crashed, idle=aws if aws.clock.virtual else None)

    # -- service protocol ------------------------------------------------------
    def start(self) -> None:
        from .service_settings import reset_all

        reset_all()  # a fresh embedded AWS has AWS's default settings
        self.engine.start()
        self.script_workers.prewarm()

    def stop(self) -> None:
        self.engine.stop()
        if self._script_workers is not None:
            self._script_workers.close()
            self._script_workers = None

    @property
    def script_workers(self) -> ScriptWorkers:
        if self._script_workers is None:
            # Scripts' calls come over the workers' pipes and are answered in process.
            self._script_workers = ScriptWorkers(
                self.aws.endpoint, functools.partial(in_process.answer, self.aws.app)
            )
        return self._script_workers

    def throttling_retry_limit(self, ex: Execution) -> float:
        """Seconds a step may retry throttled calls (the account's service setting)."""
        from .service_settings import THROTTLING_RETRY, setting_value

        return float(setting_value(ex.account_id, ex.region, THROTTLING_RETRY))

    def script_access_key(self, ex: Execution) -> str | None:
        """The key a script's boto3 signs with: its execution's role session (the script
        calls as the role), its calls counted against the execution. None without an
        assumeRole: automation-action-executeScript.md, "if the scripts you specify for
        aws:executeScript actions call AWS API operations, an AWS Identity and Access
        Management (IAM) service role (or assume role) is always required to run the
        runbook". Assumed where the page is silent: without one, the script has no
        credentials at all (its boto3 fails with NoCredentialsError), rather than the
        permissions of whoever started the run that the runbook's other steps use."""
        if not (ex.role_arn and ex.access_key):
            return None
        with self.lock:
            self._script_keys[ex.access_key] = ex.execution_id
        return ex.access_key

    def _assume(
        self, role_arn: str, caller_key: str | None, account_id: str, region: str, execution_id: str
    ) -> str:
        """A session of the runbook's assumeRole for the execution's steps."""
        from ..iam.service_roles import CannotAssume, assume_for_service

        try:
            return assume_for_service(
                self.aws.service("iam"),
                caller_key=caller_key,
                caller_service="ssm",
                service_principal="ssm.amazonaws.com",
                role_arn=role_arn,
                source_arn=f"arn:aws:ssm:{region}:{account_id}:automation-execution/{execution_id}",
                session_name=execution_id,
                region=region,
            )
        except CannotAssume as err:
            raise InvalidAutomationExecutionParametersException(str(err)) from err

    def execution_of(self, call: Any) -> str | None:
        """The execution a request came from: a step's call (header) or its script's key."""
        from ..server import EXECUTION_HEADER

        return call.headers.get(EXECUTION_HEADER.lower()) or self._script_keys.get(
            call.access_key or ""
        )

    def note_call(self, call: Any) -> None:
        """Count a request made by an execution's script against that execution (a step's
        own calls carry the execution header and are counted where they are made)."""
        from ..server import EXECUTION_HEADER

        if EXECUTION_HEADER.lower() in call.headers:
            return
        execution_id = self._script_keys.get(call.access_key or "")
        if execution_id is not None:
            with self.lock:
                self.executions[execution_id].api_calls += 1

    def tick(self) -> None:
        pass

    def now(self) -> float:
        return self.aws.clock.now()

    # -- starting ----------------------------------------------------------------
    def start_execution(
        self,
        *,
        account_id: str,
        region: str,
        document_name: str,
        document_version: str | None,
        parameters: dict[str, list[str]],
        executed_by: str,
        parent_id: str | None = None,
        targets: list[dict[str, Any]] | None = None,
        target_parameter_name: str | None = None,
        target_maps: list[dict[str, list[str]]] | None = None,
        max_concurrency: str | None = None,
        max_errors: str | None = None,
        target: str | None = None,
        tags: list[dict[str, str]] | None = None,
        caller_key: str | None = None,
    ) -> Execution:
        """``caller_key``: the access key the start is made with (its principal passes the
        runbook's assumeRole, or is who the steps run as when there is none)."""
        check_start_request(parameters, max_concurrency, max_errors)
        runbook, version = self.load_document(account_id, region, document_name, document_version)
        rate_controlled = bool(targets) or bool(target_maps)
        given = dict(parameters)
        resolved: list[str] | None = None
        if targets:
            name = check_target_parameter(target_parameter_name, set(runbook.parameters))
            resolved = resolve_targets(targets, account_id, region)
            # The children get the target value; the parent validates the rest.
            given.pop(name, None)
            values = resolve_parameters(
                _without(runbook, name), given, self._ssm_lookup(account_id, region, caller_key)
            )
        elif target_maps:
            raise InvalidAutomationExecutionParametersException(
                "TargetMaps are not supported by the embedded AWS; use Targets."
            )
        else:
            values = resolve_parameters(
                runbook, given, self._ssm_lookup(account_id, region, caller_key)
            )
        execution_id = str(mock_random.uuid4())
        role_arn = assume_role_of(runbook, values, account_id, region)
        access_key = caller_key
        if role_arn:
            access_key = self._assume(role_arn, caller_key, account_id, region, execution_id)
        ex = Execution(
            execution_id=execution_id,
            document_name=document_name,
            document_version=version,
            runbook=runbook,
            parameters=values,
            api_parameters=api_parameters(values),
            account_id=account_id,
            region=region,
            executed_by=executed_by,
            start=self.now(),
            parent_id=parent_id,
            target_parameter_name=target_parameter_name if rate_controlled else None,
            targets=targets if rate_controlled else None,
            resolved_targets=resolved,
            max_concurrency=(max_concurrency or "10") if rate_controlled else None,
            max_errors=max_errors if rate_controlled else None,
            target=target,
            tags=list(tags or []),
            access_key=access_key,
            caller_key=caller_key,
            role_arn=role_arn or None,
        )
        if rate_controlled:
            ex.progress = {
                "total": len(resolved or []),
                "success": 0,
                "failed": 0,
                "cancelled": 0,
                "timed_out": 0,
            }
        else:
            ex.steps = [StepRecord(step) for step in runbook.steps]
        runner = run_rate_control(self, ex) if rate_controlled else run_execution(self, ex)
        with self.lock:
            queued = len(self._running) >= self.max_concurrent
            if queued and len(self._queue) >= self.queue_limit:
                raise AutomationExecutionLimitExceededException(
                    f"{len(self._running)} automations run and {len(self._queue)} wait in the "
                    f"queue: the account's limits are {self.max_concurrent} concurrent and "
                    f"{self.queue_limit} queued."
                )
            self.executions[ex.execution_id] = ex
            self._outputs[ex.execution_id] = {}
            if queued:
                # The quota page: beyond the concurrency quota an automation waits in a
                # queue with the status Pending.
                self._queue.append((ex.execution_id, runner))
                return ex
            self._running.add(ex.execution_id)
        self.engine.submit(ex.execution_id, runner)
        return ex

    def _admit_queued(self) -> None:
        admitted = []
        with self.lock:
            while self._queue and len(self._running) < self.max_concurrent:
                execution_id, runner = self._queue.popleft()
                self._running.add(execution_id)
                admitted.append((execution_id, runner))
        for execution_id, runner in admitted:
            self.engine.submit(execution_id, runner)

    @property
    def running_count(self) -> int:
        return len(self._running)

    def start_child(self, parent: Execution, value: str) -> Execution:
        name = parent.target_parameter_name or ""
        params = {**parent.api_parameters, name: [value]}
        child = self.start_execution(
            account_id=parent.account_id,
            region=parent.region,
            document_name=parent.document_name,
            document_version=parent.document_version,
            parameters=params,
            executed_by=parent.executed_by,
            parent_id=parent.execution_id,
            target=value,
            caller_key=parent.caller_key,
        )
        with self.lock:
            parent.children.append(child.execution_id)
        return child

    def load_document(
        self, account_id: str, region: str, name: str, version: str | None
    ) -> tuple[Runbook, str]:
        backend = ssm_backends[account_id][region]
        documents = backend._documents.get(_document_name(name))
        if documents is None:
            raise AutomationDefinitionNotFoundException(
                f"Document with name {name} does not exist."
            )
        if version in (None, "", "$DEFAULT"):
            document = documents.get_default_version()
        elif version == "$LATEST":
            document = documents.get_latest_version()
        else:
            document = documents.find_by_version(version)
            if document is None:
                raise AutomationDefinitionVersionNotFoundException(
                    f"Document {name} has no version {version}."
                )
        if document.document_type != "Automation":
            raise AutomationDefinitionNotFoundException(
                f"Document {name} is a {document.document_type} document, not an Automation "
                "runbook."
            )
        try:
            runbook = load_runbook(document.content, document.document_format)
        except RunbookError as err:
            raise InvalidAutomationExecutionParametersException(
                f"Document {name} cannot run: {err}"
            ) from err
        return runbook, document.document_version

    # -- queries -------------------------------------------------------------
    def get(self, execution_id: str) -> Execution:
        ex = self.executions.get(execution_id)
        if ex is None:
            raise AutomationExecutionNotFoundException(execution_id)
        return ex

    def scope(self, ex: Execution) -> Scope:
        return Scope(
            parameters=ex.parameters,
            step_outputs=self._outputs[ex.execution_id],
            execution_id=ex.execution_id,
            document_name=ex.document_name,
            account_id=ex.account_id,
            region=ex.region,
            now=lambda: datetime.fromtimestamp(self.now(), tz=UTC),
            ssm_parameter=self._ssm_step_lookup(ex.account_id, ex.region, ex.access_key),
        )

    def step_outputs(self, ex: Execution) -> dict[str, Any]:
        return self._outputs[ex.execution_id]

    def caller_arn(self, access_key: str | None, region: str, account_id: str) -> str:
        _, arn, _ = sts_backends[account_id]["global"].get_caller_identity(access_key or "", region)
        return arn

    # -- changes made by runners -------------------------------------------------
    def set_status(self, ex: Execution, status: Status) -> None:
        with self.lock:
            ex.status = status
            if status == Status.IN_PROGRESS and ex.running_since is None:
                ex.running_since = self.now()  # after any wait in the account's queue

    def record_for(self, ex: Execution, step: Any) -> StepRecord:
        """The step's pending record; a step run again (a loop through a branch) gets a new one."""
        with self.lock:
            for record in ex.steps:
                if record.step.name == step.name and record.status == Status.PENDING:
                    return record
            record = StepRecord(step)
            ex.steps.append(record)
            return record

    def begin_step(self, ex: Execution, record: StepRecord) -> None:
        with self.lock:
            record.status = Status.IN_PROGRESS
            record.start = self.now()
            ex.current_step = record.step.name
            ex.current_action = record.step.action
            if ex.status == Status.WAITING:
                ex.status = Status.IN_PROGRESS

    def end_step(
        self,
        ex: Execution,
        record: StepRecord,
        status: Status,
        message: str | None,
        failure_type: str | None,
    ) -> Status:
        with self.lock:
            record.status = status
            record.end = self.now()
            if message:
                record.failure_message = message
                record.failure_type = failure_type
            if ex.status == Status.WAITING:
                ex.status = Status.IN_PROGRESS
        return status

    def finish(self, ex: Execution, status: Status, message: str | None) -> None:
        with self.lock:
            if ex.cancel_requested and status != Status.CANCELLED:
                status = Status.CANCELLED
            ex.status = status
            ex.end = self.now()
            ex.failure_message = message
            ex.current_step = ex.current_action = None
            parent_id = ex.parent_id
            watcher = self._watchers.pop(ex.execution_id, None)
            self._running.discard(ex.execution_id)
        self._admit_queued()
        if parent_id:
            self.engine.wake(parent_id)
        if watcher:
            self.engine.wake(watcher)

    def wake_when_finished(self, execution_id: str, key: str) -> None:
        """Wake the engine runner ``key`` when ``execution_id`` ends (at once if it has)."""
        with self.lock:
            ex = self.executions.get(execution_id)
            if ex is not None and not ex.is_terminal:
                self._watchers[execution_id] = key
                return
        self.engine.wake(key)

    def begin_target_step(self, parent: Execution, child: Execution, value: str) -> None:
        """A rate-controlled parent lists one step execution per target, named after the
        target and run as aws:executeAutomation (running-automations-scale.md, the
        get-automation-execution example: StepName "i-02573cafcfEXAMPLE", Inputs
        {"InstanceId": ...}, Outputs {})."""
        name = parent.target_parameter_name or ""
        step = Step(name=value, action="aws:executeAutomation", inputs={name: value})
        record = StepRecord(step, status=Status.IN_PROGRESS, start=self.now())
        record.inputs = {name: value}
        with self.lock:
            parent.steps.append(record)
            parent.target_steps[child.execution_id] = record

    def end_target_step(self, parent: Execution, child: Execution) -> None:
        with self.lock:
            record = parent.target_steps.pop(child.execution_id, None)
            if record is None:
                return
            record.status = child.status
            record.end = self.now()
            if child.status != Status.SUCCESS:
                record.failure_message = (
                    f"Automation {child.execution_id} ended with status {child.status}"
                    + (f": {child.failure_message}" if child.failure_message else ".")
                )
                record.failure_type = "Verification"

    def count_progress(self, parent: Execution, status: Status) -> None:
        key = {
            Status.SUCCESS: "success",
            Status.FAILED: "failed",
            Status.CANCELLED: "cancelled",
            Status.TIMED_OUT: "timed_out",
        }.get(status, "failed")
        with self.lock:
            if parent.progress is not None:
                parent.progress[key] += 1

    def request_cancel(self, ex: Execution) -> None:
        with self.lock:
            if ex.is_terminal:
                return
            ex.cancel_requested = True
            queued = next((q for q in self._queue if q[0] == ex.execution_id), None)
            if queued is not None:
                self._queue.remove(queued)
                queued[1].close()
            else:
                ex.status = Status.CANCELLING
        if queued is not None:
            self.finish(ex, Status.CANCELLED, None)
            return
        self.engine.wake(ex.execution_id)
        for child_id in ex.children:
            self.request_cancel(self.get(child_id))

    def signal(self, ex: Execution, signal: dict[str, Any]) -> None:
        with self.lock:
            ex.signals.append(signal)
        self.engine.wake(ex.execution_id)

    def _crashed(self, execution_id: str, err: BaseException) -> None:
        """The engine's answer to a runner that raised (a bug of the embedded AWS, not a
        failure of the runbook): the step it was running, and any other open step, ends
        Failed with FailureType Internal (one of FailureDetails' types in botocore's model),
        and the execution ends Failed with the same message whatever the step's onFailure.
        Nothing stays InProgress for ever."""
        ex = self.executions.get(execution_id)
        if ex is None or ex.is_terminal:
            return
        message = f"Internal error of the embedded AWS: {type(err).__name__}: {err}"
        with self.lock:
            now = self.now()
            for record in ex.steps:
                if record.status in (Status.IN_PROGRESS, Status.WAITING):
                    record.status = Status.FAILED
                    record.end = now
                    record.failure_message = message
                    record.failure_type = "Internal"
            ex.target_steps.clear()
        self.finish(ex, Status.FAILED, message)

    # -- Parameter Store -------------------------------------------------------
    def _ssm_lookup(self, account_id: str, region: str, access_key: str | None = None):
        """``{{ssm:name}}``'s value, read as ``access_key``'s principal would read it
        (ssm:GetParameters on the parameter). Assumed where the docs are silent: a
        parameter's default is resolved by the start, as its caller; a step's input as the
        execution (its role)."""
        backend = ssm_backends[account_id][region]
        iam = self.aws.service("iam")

        def lookup(name: str) -> StoredParameter:
            iam.authorize(access_key, "ssm", "GetParameters", region, {"Names": [name]})
            parameter = backend.get_parameter(name)
            if parameter is None:
                raise KeyError(name)
            return StoredParameter(str(parameter.parameter_type), parameter.value)

        return lookup

    def _ssm_step_lookup(self, account_id: str, region: str, access_key: str | None):
        from ..iam.denials import AccessDenied
        from .context import StepFailed

        lookup = self._ssm_lookup(account_id, region, access_key)

        def step_lookup(name: str) -> str:
            try:
                return lookup(name).value
            except AccessDenied as err:
                raise StepFailed(f"{err.code}: {err.message}") from err
            except Exception as err:
                raise StepFailed(
                    f"Parameter Store parameter {name} referenced as {{{{ssm:{name}}}}} "
                    "does not exist.",
                    "InputValidation",
                ) from err

        return step_lookup


def _document_name(name: str) -> str:
    # A document ARN names the document after its last slash.
    return name.rsplit("/", 1)[-1] if name.startswith("arn:") else name


def _without(runbook: Runbook, parameter: str) -> Runbook:
    from dataclasses import replace

    return replace(
        runbook, parameters={k: v for k, v in runbook.parameters.items() if k != parameter}
    )
