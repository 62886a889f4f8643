"""Warm Python processes that run aws:executeScript handlers.

Starting Python and importing boto3 costs about half a wall second, which the scaled
clock would stretch into minutes of modelled time per script step. A worker pays that
once and then runs one script at a time: each request gets a fresh namespace, its own
region, execution id and credentials in the environment, and a fresh default boto3
session whose clients sign with them. A worker whose script outlives its timeout is
killed and replaced; a script cannot crash the embedded AWS itself.

A worker is this file run as a script (``serve``): it imports nothing of the package.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import json
import os
import select
import subprocess
import sys
import threading
import traceback
from typing import Any

import boto3
import boto3.session
import botocore.session

# A cached client is handed out again only while these are what they were when it was made;
# region and credentials are per invocation and handled apart.
_PER_INVOCATION = frozenset({"AWS_ACCESS_KEY_ID", "AWS_REGION", "AWS_DEFAULT_REGION"})
# Arguments that make a client unlike any other: such a client is made afresh, as boto3 does.
_UNSHARED = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_account_id")
# Services the runbooks call: a new worker builds their clients before its first script.
WARM_SERVICES = ("ec2", "ssm", "sns", "sts")
_CLIENT_SIGNATURE = inspect.signature(boto3.session.Session.client)


def _aws_environment() -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            (k, v)
            for k, v in os.environ.items()
            if k.startswith("AWS_") and k not in _PER_INVOCATION
        )
    )


def _on_change(events: Any, note: Any) -> None:
    """Call ``note()`` whenever a handler is registered on or unregistered from ``events``."""

    def noting(method: Any) -> Any:
        def changed(*args: Any, **kwargs: Any) -> Any:
            note()
            return method(*args, **kwargs)

        return changed

    for name in ("register", "register_first", "register_last", "unregister"):
        setattr(events, name, noting(getattr(events, name)))


class _Clients:
    def __init__(self) -> None:
        self.by_key: dict[tuple[Any, ...], Any] = {}
        # Bumped when the session's handlers change: a client copies them when it is
        # made, so a client made before would miss the change.
        self.handlers_version = 0

    def session_changed(self) -> None:
        self.handlers_version += 1

    def keep(self, key: tuple[Any, ...], client: Any) -> None:
        self.by_key[key] = client

        # A script that changes its client's handlers keeps that client to itself: the
        # next script gets one made afresh.
        def drop() -> None:
            if self.by_key.get(key) is client:
                del self.by_key[key]

        _on_change(client.meta.events, drop)


class ScriptSession(boto3.session.Session):
    """boto3's default session in a worker: ``client()`` hands out warm clients.

    Making a client costs milliseconds (botocore builds a method per operation, 800 for
    EC2), more than the rest of a short script. The clients sign with one ``Credentials``
    object that ``for_execution`` points at the running execution's key, so a kept
    client's calls are still counted against the execution that makes them. A client made
    with a ``config`` or credentials of its own is made afresh, as boto3 does.
    """

    def __init__(self, secret_key: str) -> None:
        # One botocore session keeps the service models it has loaded. (boto3.Session()
        # on it per invocation would register boto3's handlers again each time, and every
        # new client copies them all.)
        shared = botocore.session.get_session()
        shared.set_credentials("ASIASCRIPTWORKER", secret_key)
        super().__init__(botocore_session=shared)
        self._credentials = shared.get_credentials()
        self._clients = _Clients()
        _on_change(shared.get_component("event_emitter"), self._clients.session_changed)

    def for_execution(self, access_key: str, region: str) -> ScriptSession:
        """The default session of one invocation (a copy: attributes a script sets on it
        do not reach the next script)."""
        self._credentials.access_key = access_key
        self._session.set_config_variable("region", region)
        return copy.copy(self)

    def client(self, *args: Any, **kwargs: Any) -> Any:
        call = _CLIENT_SIGNATURE.bind(self, *args, **kwargs)
        call.apply_defaults()
        options = {k: v for k, v in call.arguments.items() if k != "self"}
        if options.get("config") is not None or any(options.get(k) for k in _UNSHARED):
            return super().client(*args, **kwargs)
        options["region_name"] = options["region_name"] or self.region_name
        key = (*options.items(), _aws_environment(), self._clients.handlers_version)
        try:
            client = self._clients.by_key.get(key)
        except TypeError:  # an unhashable argument
            return super().client(*args, **kwargs)
        if client is None:
            client = super().client(*args, **kwargs)
            self._clients.keep(key, client)
        return client


def serve() -> None:
    """A worker's loop: one JSON request a line in, one JSON answer a line out."""
    # Requests and answers use private copies of stdin and stdout: a subprocess a script
    # starts inherits the standard ones, and must neither read a request nor write into
    # an answer.
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)

    session = ScriptSession(os.environ["AWS_SECRET_ACCESS_KEY"])
    region = os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    for service in WARM_SERVICES:
        if select.select([requests], [], [], 0)[0]:
            break  # a script is waiting: it matters more than clients it may not need
        session.client(service, region_name=region)

    compiled: dict[str, Any] = {}
    for line in requests:
        request = json.loads(line)
        env = request["env"]
        os.environ.update(env)
        boto3.DEFAULT_SESSION = session.for_execution(env["AWS_ACCESS_KEY_ID"], env["AWS_REGION"])
        log = io.StringIO()
        namespace = {"__name__": "__automation__"}
        try:
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                source = request["script"]
                code = compiled.get(source)
                if code is None:
                    if len(compiled) >= 64:
                        compiled.clear()
                    # dont_inherit: this file's __future__ imports are not the script's.
                    code = compile(source, "<script>", "exec", dont_inherit=True)
                    compiled[source] = code
                exec(code, namespace)
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
            text = json.dumps(
                {
                    "ok": False,
                    "error": f"the handler's result is not JSON: {err}",
                    "log": answer["log"],
                }
            )
        answers.write(text + "\n")
        answers.flush()


class ScriptWorker:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            # -P: the folder of this file is no place to import a script's modules from.
            [sys.executable, "-P", __file__],
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


if __name__ == "__main__":
    serve()
