"""aws:executeScript — automation-action-executeScript.md (Python runtimes).

The handler runs in a child Python process, like Automation's managed runtime,
with boto3 pointed at the embedded AWS through AWS_ENDPOINT_URL. Its return value
is the step's Payload; Selectors read ``$.Payload...``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
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
RUNNER = r"""
import json, sys, traceback
request = json.load(sys.stdin)
namespace = {"__name__": "__automation__"}
try:
    exec(compile(request["script"], "<script>", "exec"), namespace)
    handler = namespace[request["handler"]]
    result = handler(request["payload"], None)
    sys.stdout.write("\n@@RESULT@@" + json.dumps({"ok": True, "payload": result}, default=str))
except Exception as err:
    trace = traceback.format_exc(limit=3)
    failure = {"ok": False, "error": f"{type(err).__name__}: {err}", "trace": trace}
    sys.stdout.write("\n@@RESULT@@" + json.dumps(failure))
"""


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
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": self.ctx.service.aws.endpoint,
            "AWS_ACCESS_KEY_ID": "ASIAEMBEDDEDAUTOMATION",
            "AWS_SECRET_ACCESS_KEY": "embedded",
            "AWS_REGION": ex.region,
            "AWS_DEFAULT_REGION": ex.region,
            "AUTOMATION_EXECUTION_ID": ex.execution_id,
        }
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_SESSION_TOKEN", None)
        request = json.dumps(
            {"script": str(inputs["Script"]), "handler": str(inputs["Handler"]), "payload": payload}
        )
        # Files, not pipes: a chatty script must not block on a full pipe while we wait.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            process = subprocess.Popen(
                [sys.executable, "-c", RUNNER],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                env=env,
                text=True,
            )
            timeout = min(self.ctx.record.step.timeout_seconds or MAX_SECONDS, MAX_SECONDS)
            clock = self.ctx.clock
            started = clock.wall()
            try:
                process.stdin.write(request)
                process.stdin.close()
                while process.poll() is None:
                    if clock.wall() - started >= timeout:
                        raise StepTimedOut()
                    yield CHECK_SECONDS
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        log, _, result_text = stdout.rpartition("\n@@RESULT@@")
        if not result_text:
            raise StepFailed(f"The script process ended without a result. {stderr[-500:]}")
        result = json.loads(result_text)
        if not result["ok"]:
            raise StepFailed(
                f"Step fails when it is executing the script. {result['error']}. "
                f"{result.get('trace', '')}".strip(),
                "Verification",
            )
        payload_out = result["payload"]
        outputs = {"OutputPayload": json.dumps({"Payload": payload_out})}
        if log.strip():
            outputs["ExecutionLog"] = log.strip()[-4000:]
        return ActionResult(outputs=outputs, response={"Payload": payload_out})
