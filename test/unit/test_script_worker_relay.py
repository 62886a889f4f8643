"""A script worker relays its scripts' calls to the embedded AWS's endpoint over its pipes;
its parent answers them (``ScriptWorkers``' responder) on the worker's reader thread.

Nothing listens on the endpoint here: a call that went over HTTP would fail.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from winupdate.local.automation.script_workers import ScriptWorker, ScriptWorkers

ENDPOINT = "http://127.0.0.1:9"
KEY = "ASIASCRIPTRELAYTEST"
IDENTITY = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    b"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/relay</Arn>"
    b"<UserId>AIDARELAY</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
    b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
    b"</GetCallerIdentityResponse>"
)
CALLER = """
import boto3


def handler(events, context):
    return boto3.client("sts").get_caller_identity()["Account"]
"""


def request(script: str) -> dict[str, Any]:
    return {
        "script": script,
        "handler": "handler",
        "payload": {},
        "env": {
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AUTOMATION_EXECUTION_ID": "relay-test",
            "AWS_ACCESS_KEY_ID": KEY,
        },
    }


def answer(worker: ScriptWorker, wall_seconds: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + wall_seconds
    while (result := worker.poll(0.05)) is None:
        assert time.monotonic() < deadline, "the script never answered"
    return result


@pytest.fixture
def thread_errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException | None]:
    """Exceptions that escaped a thread during the test (each would print a traceback)."""
    errors: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    return errors


class Responder:
    """Answers each relayed call with ``IDENTITY`` once ``release`` is set."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], bytes]] = []
        self.called = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        self.calls.append((method, url, headers, body))
        self.called.set()
        self.release.wait(timeout=30)
        return 200, {"Content-Type": "text/xml"}, IDENTITY


@pytest.fixture
def workers() -> Iterator[tuple[ScriptWorkers, Responder]]:
    respond = Responder()
    pool = ScriptWorkers(ENDPOINT, respond, size=1)
    yield pool, respond
    pool.close()


def test_a_call_is_answered_by_the_parent_as_signed_by_the_script(workers, thread_errors):
    pool, respond = workers
    worker = pool.acquire()
    assert worker is not None
    worker.send(request(CALLER))
    assert answer(worker) == {"ok": True, "payload": "123456789012", "log": ""}
    [(method, url, headers, body)] = respond.calls
    assert (method, url) == ("POST", f"{ENDPOINT}/")
    assert f"Credential={KEY}/" in headers["Authorization"]
    assert b"Action=GetCallerIdentity" in body
    assert thread_errors == []


def test_a_worker_killed_while_its_call_is_answered_ends_quietly(workers, thread_errors):
    pool, respond = workers
    respond.release.clear()
    worker = pool.acquire()
    assert worker is not None
    worker.send(request(CALLER))
    assert respond.called.wait(timeout=30)
    killing = threading.Thread(target=pool.discard, args=(worker,))
    killing.start()
    time.sleep(0.2)  # the worker is dead while its reply is still being made
    respond.release.set()
    killing.join(timeout=10)
    assert not killing.is_alive()
    assert not [t for t in threading.enumerate() if t.name == f"script-worker-{worker.process.pid}"]
    assert worker.poll() == {"ok": False, "error": "the script process exited (-9)"}
    assert thread_errors == []


def test_no_call_is_relayed_between_a_script_s_answer_and_the_next_request():
    # Such a call (a thread a script left running) would read the parent's next request
    # as its reply; it fails instead. During a script calls go out in order.
    import io

    from botocore.awsrequest import AWSRequest
    from botocore.exceptions import ConnectionClosedError

    from winupdate.local.automation.script_workers import _Pipes

    reply = b'{"status": 200, "headers": {"X-Amzn-RequestId": "r"}, "body": ""}\n'
    requests = io.StringIO('{"script": "..."}\n' + reply.decode())
    answers = io.StringIO()
    pipes = _Pipes(requests, answers, ENDPOINT)
    call = AWSRequest(method="POST", url=ENDPOINT + "/", data=b"Action=GetCallerIdentity")
    with pytest.raises(ConnectionClosedError):
        pipes.relay(call.prepare())  # before any request
    assert answers.getvalue() == ""
    assert pipes.receive() == '{"script": "..."}\n'
    answered = pipes.relay(call.prepare())
    assert answered.status_code == 200 and answered.headers["x-amzn-requestid"] == "r"
    pipes.answer('{"ok": true}')
    with pytest.raises(ConnectionClosedError):
        pipes.relay(call.prepare())  # after the answer
    assert answers.getvalue().count("\n") == 2  # the one call and the answer
