"""Warm Python processes that run aws:executeScript handlers.

Starting Python and importing boto3 costs about half a wall second, which the scaled
clock would stretch into minutes of modelled time per script step. A worker pays that
once and then runs one script at a time: each request gets a fresh namespace, its own
region, execution id and credentials in the environment, and boto3's default session
is dropped so ``boto3.client(...)`` sees them. A worker whose script outlives its
timeout is killed and replaced; a script cannot crash the embedded AWS itself.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
from typing import Any

WORKER = r"""
import contextlib, io, json, os, sys, traceback
import boto3, botocore.session  # paid once per worker

# One botocore session keeps the service models it has loaded; each script gets a boto3
# session on top of it with its own region and credentials.
shared = botocore.session.get_session()

reply = sys.stdout
while True:
    line = sys.stdin.readline()
    if not line:
        break
    request = json.loads(line)
    os.environ.update(request["env"])
    env = request["env"]
    boto3.DEFAULT_SESSION = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
        botocore_session=shared,
    )
    log = io.StringIO()
    namespace = {"__name__": "__automation__"}
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            exec(compile(request["script"], "<script>", "exec"), namespace)
            handler = namespace[request["handler"]]
            payload = handler(request["payload"], None)
        answer = {"ok": True, "payload": payload}
    except BaseException as err:
        answer = {
            "ok": False,
            "error": f"{type(err).__name__}: {err}",
            "trace": traceback.format_exc(limit=3),
        }
    answer["log"] = log.getvalue()[-4000:]
    try:
        text = json.dumps(answer, default=str)
    except (TypeError, ValueError) as err:
        text = json.dumps({"ok": False, "error": f"the handler's result is not JSON: {err}",
                           "log": answer["log"]})
    reply.write(text + "\n")
    reply.flush()
"""


class ScriptWorker:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            bufsize=1,
        )

    def send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def poll(self, wait: float = 0.0) -> dict[str, Any] | None:
        """The answer if the script has ended (waiting at most ``wait`` wall seconds)."""
        assert self.process.stdout is not None
        if self.process.poll() is not None:
            return {"ok": False, "error": f"the script process exited ({self.process.returncode})"}
        ready, _, _ = select.select([self.process.stdout], [], [], wait)
        if not ready:
            return None
        line = self.process.stdout.readline()
        if not line:
            return {"ok": False, "error": "the script process closed its output"}
        return json.loads(line)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class ScriptWorkers:
    """A small pool: scripts of concurrent executions run side by side, up to ``size``."""

    def __init__(self, endpoint: str, size: int = 4) -> None:
        self.size = size
        self._env = {
            **{
                k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN")
            },
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_SECRET_ACCESS_KEY": "embedded",
            # One attempt: a throttled or failed call is the script's to handle, as in AWS.
            "AWS_MAX_ATTEMPTS": "1",
        }
        self._idle: list[ScriptWorker] = []
        self._busy: set[ScriptWorker] = set()
        self._lock = threading.Lock()

    def prewarm(self) -> None:
        with self._lock:
            if not self._idle and not self._busy:
                self._idle.append(ScriptWorker(self._env))

    def acquire(self) -> ScriptWorker | None:
        with self._lock:
            if self._idle:
                worker = self._idle.pop()
            elif len(self._busy) < self.size:
                worker = ScriptWorker(self._env)
            else:
                return None
            self._busy.add(worker)
            return worker

    def release(self, worker: ScriptWorker) -> None:
        with self._lock:
            self._busy.discard(worker)
            if worker.process.poll() is None:
                self._idle.append(worker)

    def discard(self, worker: ScriptWorker) -> None:
        """Kill a worker whose script overran or was cancelled; a fresh one replaces it."""
        worker.kill()
        with self._lock:
            self._busy.discard(worker)

    def close(self) -> None:
        with self._lock:
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._busy.clear()
        for worker in workers:
            worker.kill()
