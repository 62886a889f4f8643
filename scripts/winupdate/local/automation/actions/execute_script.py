"""aws:executeScript — automation-action-executeScript.md (Python runtimes).

The handler runs in a warm worker process (``script_workers``), like Automation's managed
runtime, with boto3 pointed at the embedded AWS through AWS_ENDPOINT_URL. Its return
value is the step's Payload; Selectors read ``$.Payload...``. Its boto3 signs with the
execution's role session; a runbook without an assumeRole gives it no credentials ("if the
scripts you specify for aws:executeScript actions call AWS API operations, an AWS Identity
and Access Management (IAM) service role (or assume role) is always required to run the
runbook", the page's third paragraph).
"""

from __future__ import annotations

import json
from typing import Any

from ..context import StepTimedOut
from ..registry import implements
from .base import Action, ActionResult, ActionRun, StepFailed, require

# How often the step looks whether the script has ended, in modelled seconds.
CHECK_SECONDS = 1.0
# automation-action-executeScript.md: "Each aws:executeScript action can run up to a
# maximum duration of 600 seconds (10 minutes). You can limit the timeout by specifying
# the timeoutSeconds parameter".
MAX_SECONDS = 600.0

# The runtimes AWS accepts today. The archived page lists python3.6-3.8 and PowerShell;
# the current page (docs.aws.amazon.com/.../automation-action-executeScript.html, its
# notice) says runbooks using Python 3.6, 3.7 or 3.8 can't be created or updated since
# 4 December 2024 and can't run since 18 February 2025, and recommends Python 3.11.
# Assumed: python3.9-3.11 are the Python runtimes it accepts besides.
PYTHON_RUNTIMES = frozenset({"python3.9", "python3.10", "python3.11"})
RETIRED_RUNTIMES = frozenset({"python3.6", "python3.7", "python3.8"})
# Accepted by AWS, but the embedded AWS has no PowerShell to run them with.
POWERSHELL_RUNTIMES = frozenset({"PowerShell Core 6.0", "PowerShell 7.0", "PowerShell 7.4"})


def script_findings(step: Any, document_format: str) -> list[str]:
    """What CreateDocument/UpdateDocument refuse in an aws:executeScript step: a retired or
    unknown Runtime; Script in a JSON runbook ("This parameter is not supported for JSON
    runbooks. JSON runbooks must provide script content using the Attachment input
    parameter"); a PowerShell step without Script or with a Handler (Script "Required: Yes
    (PowerShell)", Handler "Not supported (PowerShell)")."""
    inputs = step.inputs
    runtime = inputs.get("Runtime")
    findings = []
    if isinstance(runtime, str) and "{{" not in runtime:
        if runtime in RETIRED_RUNTIMES:
            findings.append(
                f"step {step.name}: Runtime {runtime} can no longer be used (Python 3.6, 3.7 "
                "and 3.8 were retired in December 2024); use python3.11."
            )
        elif runtime not in PYTHON_RUNTIMES | POWERSHELL_RUNTIMES:
            findings.append(
                f"step {step.name}: Runtime {runtime!r} is not one of "
                f"{', '.join(sorted(PYTHON_RUNTIMES | POWERSHELL_RUNTIMES))}."
            )
        elif runtime in POWERSHELL_RUNTIMES:
            if "Handler" in inputs:
                findings.append(f"step {step.name}: Handler is not supported for {runtime}.")
            if "Script" not in inputs:
                findings.append(f"step {step.name}: Script is required for {runtime}.")
    if document_format == "JSON" and "Script" in inputs:
        findings.append(
            f"step {step.name}: Script is not supported in JSON runbooks; provide the script "
            "as an Attachment."
        )
    return findings


@implements("aws:executeScript")
class ExecuteScript(Action):
    # The script is real code in a real process: a second of it is a second, not `speed`
    # modelled seconds. Measured on the scaled clock, a script that takes half a wall
    # second would exceed a 120 s timeoutSeconds at the test speed (600), which AWS would
    # never do; so its timeout is counted in real seconds.
    times_itself = True

    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "Runtime")
        runtime = str(inputs["Runtime"])
        if runtime in RETIRED_RUNTIMES:
            raise StepFailed(
                f"Runtime {runtime} can no longer run (Python 3.6, 3.7 and 3.8 were retired "
                "on 18 February 2025); use python3.11.",
                "InputValidation",
            )
        if runtime in POWERSHELL_RUNTIMES:
            raise StepFailed(
                f"Runtime {runtime} is not supported by the embedded AWS; it runs "
                f"{', '.join(sorted(PYTHON_RUNTIMES))}.",
                "Unsupported",
            )
        if runtime not in PYTHON_RUNTIMES:
            raise StepFailed(
                f"Runtime {runtime!r} is not an aws:executeScript runtime; use one of "
                f"{', '.join(sorted(PYTHON_RUNTIMES | POWERSHELL_RUNTIMES))}.",
                "InputValidation",
            )
        require(inputs, "Handler")  # Python: "Required: Yes"
        if not inputs.get("Script"):
            raise StepFailed(
                "aws:executeScript needs Script (attachments are not supported by the embedded "
                "AWS).",
                "InputValidation",
            )
        payload = inputs.get("InputPayload") or {}
        if isinstance(payload, str):
            payload = json.loads(payload)
        ex = self.ctx.execution
        workers = self.ctx.service.script_workers
        clock = self.ctx.clock
        while (worker := workers.acquire()) is None:
            yield CHECK_SECONDS
        env = {
            "AWS_REGION": ex.region,
            "AWS_DEFAULT_REGION": ex.region,
            "AUTOMATION_EXECUTION_ID": ex.execution_id,
        }
        # The execution's role session, by which the script's calls are also counted
        # against it; a runbook without an assumeRole gives its scripts no credentials
        # (the page: a role "is always required" for scripts that call AWS API operations).
        access_key = self.ctx.service.script_access_key(ex)
        if access_key:
            env["AWS_ACCESS_KEY_ID"] = access_key
        request = {
            "script": str(inputs["Script"]),
            "handler": str(inputs["Handler"]),
            "payload": payload,
            "env": env,
        }
        timeout = min(self.ctx.record.step.timeout_seconds or MAX_SECONDS, MAX_SECONDS)
        started = clock.wall()
        result = None
        try:
            worker.send(request)
            # In virtual time the script takes no modelled time: wait for it here, or the
            # clock would jump while it runs and no two runs would give the same numbers.
            wait = 0.05 if clock.virtual else 0.0
            while (result := worker.poll(wait)) is None:
                if clock.wall() - started >= timeout:
                    raise StepTimedOut()
                if not clock.virtual:
                    yield CHECK_SECONDS
        finally:
            if result is None:
                workers.discard(worker)
            else:
                workers.release(worker)
        if not result["ok"]:
            raise StepFailed(
                f"Step fails when it is executing the script. {result['error']}. "
                f"{result.get('trace', '')}".strip(),
                "Verification",
            )
        payload_out = returned_payload(result["payload"])
        outputs = {"OutputPayload": json.dumps({"Payload": payload_out})}
        if result.get("log", "").strip():
            outputs["ExecutionLog"] = result["log"].strip()
        return ActionResult(outputs=outputs, response={"Payload": payload_out})


# automation-action-executeScript.md, Output, Payload: "The JSON representation of the object
# returned by your function. Up to 100KB is returned. If you output a list, a maximum of 100
# items is returned."
MAX_PAYLOAD_BYTES = 100 * 1024
MAX_PAYLOAD_ITEMS = 100


def returned_payload(payload: Any) -> Any:
    """The Payload as AWS returns it: a returned list cut to its first 100 items. Over 100 KB
    the page does not say how AWS cuts it, so the step fails, saying so."""
    if isinstance(payload, list):
        payload = payload[:MAX_PAYLOAD_ITEMS]
    size = len(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise StepFailed(
            f"The script returned {size} bytes of JSON; AWS returns up to 100 KB of a Payload, "
            "and how it cuts a longer one is not supported by the embedded AWS.",
            "Verification",
        )
    return payload
