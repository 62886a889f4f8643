"""Warm Python processes that run aws:executeScript handlers.

Starting Python and importing boto3 costs about half a wall second, which the scaled
clock would stretch into minutes of modelled time per script step. A worker pays that
once and then runs one script at a time: each request gets a fresh namespace, its own
region, execution id and credentials in the environment, and a fresh default boto3
session whose clients sign with them. A worker whose script outlives its timeout is
killed and replaced; a script cannot crash the embedded AWS itself.

A script's calls through boto3's default session do not go over HTTP: they are relayed
over the worker's pipes, as one JSON line each way, and the parent answers them in process
(``in_process.answer``) from the same WSGI app the HTTP server serves. In virtual time the
engine waits while a script runs, so the script's latency is the simulation's; an HTTP
round trip (a connection, a server thread, an HTTP parse, and the GIL fought over with
the engine) cost more than moto's answer. The request is still signed with the execution's
key, so the call is counted, faulted and throttled as over HTTP. Calls elsewhere (a client
with another endpoint, a ``boto3.Session()`` of the script's own, raw HTTP) still go over
HTTP: the server stays up for them.

A worker is this file run as a script (``serve``): it imports nothing of the package.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import inspect
import io
import json
import os
import queue
import select
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import boto3
import boto3.session
import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HeadersDict
from botocore.exceptions import ConnectionClosedError

# A cached client is handed out again only while these are what they were when it was made;
# region and credentials are per invocation and handled apart.
_PER_INVOCATION = frozenset(
    {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"}
)
# Where boto3 looks for credentials in the environment: a script of a runbook without an
# assumeRole finds none of them (an invocation with a role gets its key and secret only).
_CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
)
# Arguments that make a client unlike any other: such a client is made afresh, as boto3 does.
_UNSHARED = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_account_id")
# Services the runbooks call: a new worker builds their clients before its first script.
WARM_SERVICES = ("ec2", "ssm", "sns", "sts")
_CLIENT_SIGNATURE = inspect.signature(boto3.session.Session.client)
# The parent's answer to a relayed call: (method, url, headers, body) -> (status, headers, body).
Responder = Callable[[str, str, Mapping[str, str], bytes], tuple[int, dict[str, str], bytes]]


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


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))


class _Raw:
    """The raw body botocore reads from a response."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._stream = io.BytesIO(body)

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        return self._stream.read(*args, **kwargs)

    def close(self) -> None:
        self._stream.close()


def aws_response(url: str, status: int, headers: Mapping[str, str], body: bytes) -> AWSResponse:
    """What botocore gets from a request answered without HTTP: here a relayed call's
    reply, and ``in_process``'s answers (this file imports nothing of the package, so the
    package takes it from here)."""
    # Case-insensitive, as urllib3's are: botocore looks for x-amzn-requestid.
    return AWSResponse(url, status, HeadersDict(headers), _Raw(body))


def request_body(request: AWSPreparedRequest) -> bytes:
    """A botocore request's body as bytes, whatever botocore holds it as (bytes, text or
    a stream): for a request answered without HTTP, here and in ``in_process``."""
    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    return body


class _Pipes:
    """A worker's end of its pipes: requests and call replies in, calls and answers out.

    One lock over both directions: a call's line out and its reply in are one exchange
    that threads of a script must not interleave; and a thread a script left running
    must not write into the middle of an answer. Between a script's answer and the next
    request no call is relayed at all (such a thread's call fails): the parent may send
    the next request meanwhile, and the thread would read it as its reply.
    """

    def __init__(self, requests: Any, answers: Any, endpoint: str | None) -> None:
        self._requests = requests
        self._answers = answers
        self._lock = threading.Lock()
        self._target = _host_and_port(endpoint) if endpoint else None
        self._running = False  # a script is running: its calls may be relayed

    def receive(self) -> str:
        """The next request line ("" once the parent has closed the pipe)."""
        with self._lock:
            line = self._requests.readline()
            self._running = bool(line)
            return line

    def answer(self, text: str) -> None:
        with self._lock:
            self._running = False
            self._answers.write(text + "\n")
            self._answers.flush()

    def relay(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        """A ``before-send`` handler: the parent answers a call to the embedded AWS;
        anything else (None) botocore sends itself."""
        if self._target is None or _host_and_port(request.url) != self._target:
            return None
        body = request_body(request)
        headers = {
            name: value.decode("latin-1") if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
        call = {
            "method": request.method,
            "url": request.url,
            "headers": headers,
            "body": base64.b64encode(body).decode("ascii"),
        }
        line = json.dumps({"call": call}) + "\n"
        with self._lock:
            if not self._running:
                # A thread its script left behind, calling after the script's answer.
                raise ConnectionClosedError(endpoint_url=request.url)
            self._answers.write(line)
            self._answers.flush()
            reply = self._requests.readline()
        if not reply:
            # The parent is gone; as a dropped connection to botocore.
            raise ConnectionClosedError(endpoint_url=request.url)
        answered = json.loads(reply)
        return aws_response(
            request.url,
            answered["status"],
            answered["headers"],
            base64.b64decode(answered["body"]),
        )


class ScriptSession(boto3.session.Session):
    """boto3's default session in a worker: ``client()`` hands out warm clients.

    Making a client costs milliseconds (botocore builds a method per operation, 800 for
    EC2), more than the rest of a short script. The clients sign with one ``Credentials``
    object that ``for_execution`` points at the running execution's key, so a kept
    client's calls are still counted against the execution that makes them. A client made
    with a ``config`` or credentials of its own is made afresh, as boto3 does. An
    invocation without a key (its runbook has no assumeRole) has no credentials: boto3
    looks for them where it always does and finds none (the worker's environment holds
    none, its credential and config files are empty, the instance metadata service is off),
    so a call fails with NoCredentialsError; its clients are made afresh and not kept.

    ``relay``, a ``before-send`` handler, sees every request of every client the session
    makes (see the module's docstring).
    """

    def __init__(self, secret_key: str, relay: Callable[..., Any] | None = None) -> None:
        # One botocore session keeps the service models it has loaded. (boto3.Session()
        # on it per invocation would register boto3's handlers again each time, and every
        # new client copies them all.)
        shared = botocore.session.get_session()
        if relay is not None:
            # First, and before any client is made: a client copies the session's
            # handlers when it is made, and the first handler to answer wins.
            shared.register("before-send", relay)
        shared.set_credentials("ASIASCRIPTWORKER", secret_key)
        super().__init__(botocore_session=shared)
        self._credentials = shared.get_credentials()
        self._signs = True
        self._clients = _Clients()
        _on_change(shared.get_component("event_emitter"), self._clients.session_changed)

    def for_execution(self, access_key: str | None, region: str) -> ScriptSession:
        """The default session of one invocation (a copy: attributes a script sets on it
        do not reach the next script); ``access_key`` None: one without credentials."""
        self._signs = bool(access_key)
        if access_key:
            self._credentials.access_key = access_key
            self._session._credentials = self._credentials
        else:
            # botocore looks again (its credential chain) when a client is made.
            self._session._credentials = None
        self._session.set_config_variable("region", region)
        return copy.copy(self)

    def client(self, *args: Any, **kwargs: Any) -> Any:
        call = _CLIENT_SIGNATURE.bind(self, *args, **kwargs)
        call.apply_defaults()
        options = {k: v for k, v in call.arguments.items() if k != "self"}
        if (
            not self._signs
            or options.get("config") is not None
            or any(options.get(k) for k in _UNSHARED)
        ):
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

    # The endpoint the worker was started with is the embedded AWS's, whatever a script
    # later puts in its environment.
    pipes = _Pipes(requests, answers, os.environ.get("AWS_ENDPOINT_URL"))
    secret_key = os.environ["AWS_SECRET_ACCESS_KEY"]
    session = ScriptSession(secret_key, relay=pipes.relay)
    region = os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    for service in WARM_SERVICES:
        if select.select([requests], [], [], 0)[0]:
            break  # a script is waiting: it matters more than clients it may not need
        session.client(service, region_name=region)

    compiled: dict[str, Any] = {}
    while line := pipes.receive():
        request = json.loads(line)
        env = request["env"]
        # Credentials only with a key (the execution's role session): a script of a runbook
        # without an assumeRole finds none, not even what an earlier script set.
        for name in _CREDENTIAL_VARIABLES:
            os.environ.pop(name, None)
        access_key = env.get("AWS_ACCESS_KEY_ID")
        if access_key:
            os.environ["AWS_SECRET_ACCESS_KEY"] = secret_key
        os.environ.update(env)
        boto3.DEFAULT_SESSION = session.for_execution(access_key, env["AWS_REGION"])
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
        pipes.answer(text)


# Put on a worker's queue of answers when its output has closed.
_CLOSED: dict[str, Any] = {}


class ScriptWorker:
    """One worker process and the thread that reads its output.

    The thread answers the script's calls as they come (``Responder``) and queues its
    final answer for ``poll``: the same in virtual time, where the engine blocks in
    ``poll``, and in real time, where it polls now and then.
    """

    def __init__(self, env: dict[str, str], respond: Responder) -> None:
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
        self._respond = respond
        self._answers: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._ended: dict[str, Any] | None = None
        # Requests (``send``) and call replies (the reader) share the worker's stdin.
        self._stdin_lock = threading.Lock()
        self._reader = threading.Thread(
            target=self._read, name=f"script-worker-{self.process.pid}", daemon=True
        )
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        try:
            for line in self.process.stdout:
                message = json.loads(line)
                if "call" in message:
                    self._reply(message["call"])
                else:
                    self._answers.put(message)
        except (OSError, ValueError):
            pass  # output cut or garbled (a killed worker): poll answers the error
        finally:
            # The exit code, if the worker is ending, for poll's error.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=1)
            self._answers.put(_CLOSED)

    def _reply(self, call: dict[str, Any]) -> None:
        status, headers, body = self._respond(
            call["method"], call["url"], call["headers"], base64.b64decode(call["body"])
        )
        reply = {"status": status, "headers": headers, "body": base64.b64encode(body).decode()}
        assert self.process.stdin is not None
        # A worker killed meanwhile (timeout, cancel) no longer wants the reply.
        with self._stdin_lock, contextlib.suppress(OSError, ValueError):
            self.process.stdin.write(json.dumps(reply) + "\n")
            self.process.stdin.flush()

    def send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        with self._stdin_lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()

    def poll(self, wait: float = 0.0) -> dict[str, Any] | None:
        """The answer if the script has ended (waiting at most ``wait`` wall seconds)."""
        if self._ended is not None:
            return self._ended
        try:
            answer = self._answers.get(timeout=wait) if wait > 0 else self._answers.get_nowait()
        except queue.Empty:
            if self.process.poll() is None:
                return None
            # Exited with its output still open (a process the script forked holds it):
            # whatever it wrote before is read within moments, or never.
            self._reader.join(timeout=1)
            try:
                answer = self._answers.get_nowait()
            except queue.Empty:
                answer = _CLOSED
        if answer is _CLOSED:
            code = self.process.poll()
            self._ended = {
                "ok": False,
                "error": "the script process closed its output"
                if code is None
                else f"the script process exited ({code})",
            }
            return self._ended
        return answer

    def usable(self) -> bool:
        """Whether the worker can run another script."""
        return self._ended is None and self.process.poll() is None and self._reader.is_alive()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        with self._stdin_lock, contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        # The reader ends at the end of the dead worker's output; closing that under it
        # would block on the reader's own lock of the stream, or make it raise.
        self._reader.join(timeout=5)
        if not self._reader.is_alive() and self.process.stdout is not None:
            self.process.stdout.close()


class ScriptWorkers:
    """A small pool: scripts of concurrent executions run side by side, up to ``size``.

    ``respond`` answers the calls the workers' scripts relay (``in_process.answer`` on the
    embedded AWS's app).
    """

    def __init__(self, endpoint: str, respond: Responder, size: int = 4) -> None:
        self.size = size
        self._respond = respond
        self._env = {
            # No credentials of the parent's (a developer's own keys, profile or SSO): a
            # script calls with its execution's role session or with nothing.
            **{k: v for k, v in os.environ.items() if k not in _CREDENTIAL_VARIABLES},
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_SECRET_ACCESS_KEY": "embedded",
            # One attempt: a throttled or failed call is the script's to handle, as in AWS.
            "AWS_MAX_ATTEMPTS": "1",
        }
        self._idle: list[ScriptWorker] = []
        self._busy: set[ScriptWorker] = set()
        self._lock = threading.Lock()

    def _start(self) -> ScriptWorker:
        return ScriptWorker(self._env, self._respond)

    def prewarm(self) -> None:
        with self._lock:
            if not self._idle and not self._busy:
                self._idle.append(self._start())

    def acquire(self) -> ScriptWorker | None:
        with self._lock:
            if self._idle:
                worker = self._idle.pop()
            elif len(self._busy) < self.size:
                worker = self._start()
            else:
                return None
            self._busy.add(worker)
            return worker

    def release(self, worker: ScriptWorker) -> None:
        with self._lock:
            self._busy.discard(worker)
            usable = worker.usable()
            if usable:
                self._idle.append(worker)
        if not usable:
            worker.kill()  # reaps it and ends its reader

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
