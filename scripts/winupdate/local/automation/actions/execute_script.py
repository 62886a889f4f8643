"""aws:executeScript — automation-action-executeScript.md (Python runtimes).

The handler runs in a warm worker process (``script_workers``), like Automation's managed
runtime, with boto3 pointed at the embedded AWS through AWS_ENDPOINT_URL. Its return
value is the step's Payload; Selectors read ``$.Payload...``.
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


@implements("aws:executeScript")
class ExecuteScript(Action):
    # The script is real code in a real process: a second of it is a second, not `speed`
    # modelled seconds. Measured on the scaled clock, a script that takes half a wall
    # second would exceed a 120 s timeoutSeconds at the test speed (600), which AWS would
    # never do; so its timeout is counted in real seconds.
    times_itself = True

    def run(self, inputs: dict[str, Any]) -> ActionRun:
        require(inputs, "Runtime", "Handler")
        runtime = str(inputs["Runtime"])
        if not runtime.startswith("python3"):
            raise StepFailed(
                f"Runtime {runtime} is not supported by the embedded AWS; use a python3.x runtime.",
                "Unsupported",
            )
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
        request = {
            "script": str(inputs["Script"]),
            "handler": str(inputs["Handler"]),
            "payload": payload,
            "env": {
                "AWS_REGION": ex.region,
                "AWS_DEFAULT_REGION": ex.region,
                "AUTOMATION_EXECUTION_ID": ex.execution_id,
                # The script's own calls are counted against its execution by this key.
                "AWS_ACCESS_KEY_ID": self.ctx.service.script_access_key(ex),
            },
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
        payload_out = result["payload"]
        outputs = {"OutputPayload": json.dumps({"Payload": payload_out})}
        if result.get("log", "").strip():
            outputs["ExecutionLog"] = result["log"].strip()
        return ActionResult(outputs=outputs, response={"Payload": payload_out})
